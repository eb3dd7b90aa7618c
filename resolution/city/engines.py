"""Score pairs of persons of two subdistricts with the city model, on DuckDB or on Spark.

Both engines read the same Parquet partitions and run the same Splink settings; what comes back is one
Arrow table of pairs (match probability at least 0.5) with each comparison's match weight, the shape
``resolution.identity.people.cluster`` takes. DuckDB suits one machine and a district; Spark the city.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa

from resolution.city.model import UNIQUE_ID, city_prior, city_settings
from resolution.city.records import COLUMNS, TABLE, partition_glob

ENGINES = ("duckdb", "spark")
_SELECT = ", ".join(COLUMNS)
# the persons, each once, named by subdistrict and person id
PEOPLE_SQL = f"SELECT subdistrict || '/' || person_id AS {UNIQUE_ID}, {_SELECT} FROM {{source}}"
PRIOR_SQL = """
SELECT (SELECT count(*) FROM {people}) AS people,
       (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM {people}
        WHERE id18 IS NOT NULL GROUP BY id18) g) AS id_number_pairs
"""
PAIRS_SQL = f"""
SELECT {UNIQUE_ID}_l, {UNIQUE_ID}_r, match_weight, match_probability, mw_name + mw_tf_adj_name AS mw_name,
       mw_birth_date, mw_sex, mw_phone, mw_house, mw_id_number
FROM {{this}}
"""
U_PAIRS = 2e6  # the subdistrict's sample size: a small district is compared whole, so both engines agree


def _pairs(db_api, people_table: str, prior: float) -> pa.Table:
    from splink import Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    frame = db_api.register(people_table, dataset_display_name="city_people")
    linker = Linker(frame, city_settings(prior), log_level=logging.WARNING)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=6, num_chunks=1)
    predictions = linker.inference.predict(threshold_match_probability=0.5, warning_mode="never")
    return predictions.query_sql(PAIRS_SQL).as_pyarrow_table()


def score_on_duckdb(root: Path) -> tuple[pa.Table, pa.Table]:
    """(persons, pairs) with Splink on an in-memory DuckDB over every partition of ``root``."""
    import duckdb
    from splink import DuckDBAPI

    from warehouse.database import quote_literal

    con = duckdb.connect()
    source = f"read_parquet({quote_literal(partition_glob(root))})"
    con.execute(f"CREATE TABLE city_people AS {PEOPLE_SQL.format(source=source)} ORDER BY {UNIQUE_ID}")
    people, pairs = con.execute(PRIOR_SQL.format(people="city_people")).fetchall()[0]
    scored = _pairs(DuckDBAPI(con), "city_people", city_prior(people, int(pairs)))
    return con.table("city_people").to_arrow_table(), scored


def score_on_spark(root: Path, spark) -> tuple[pa.Table, pa.Table]:
    """(persons, pairs) with Splink's SparkAPI in ``spark`` over every partition of ``root``.

    The model uses no function of Splink's similarity jar (levenshtein, date_trunc and year are Spark's own),
    so the jar is not registered and nothing is fetched."""
    from splink.backends.spark import SparkAPI

    people_frame = spark.read.parquet(str(root / TABLE)).select(*COLUMNS)  # every _subdistrict= partition
    people_frame.createOrReplaceTempView("city_people_files")
    frame = spark.sql(PEOPLE_SQL.format(source="city_people_files")).persist()
    frame.createOrReplaceTempView("city_people")
    people, pairs = spark.sql(PRIOR_SQL.format(people="city_people")).collect()[0]
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist", register_udfs_automatically=False)
    scored = _pairs(db_api, "city_people", city_prior(people, int(pairs)))
    rows = frame.orderBy(UNIQUE_ID).collect()
    persons = pa.Table.from_pylist([row.asDict() for row in rows], schema=_PEOPLE_SCHEMA)
    frame.unpersist()
    return persons, scored


_PEOPLE_SCHEMA = pa.schema([(UNIQUE_ID, pa.string()), *COLUMNS.items()])
