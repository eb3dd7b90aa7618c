"""Score pairs of persons of two subdistricts with the city model, on DuckDB or on Spark.

Both engines read the same Parquet partitions and run the same Splink settings; what comes back is one
Arrow table of pairs (match probability at least 0.5) with each comparison's match weight, the shape
``resolution.identity.people.cluster`` takes. DuckDB suits one machine and a district; Spark the city.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa

from resolution.city.model import UNIQUE_ID, city_prior, city_settings, with_u
from resolution.city.records import COLUMNS, TABLE, partition_glob

ENGINES = ("duckdb", "spark")
_SELECT = ", ".join(COLUMNS)
# the persons, each once, named by subdistrict and person id
PEOPLE_SQL = f"SELECT subdistrict || '/' || person_id AS {UNIQUE_ID}, {_SELECT} FROM {{source}}"
# the persons holding a checked ID number: their pairs across subdistricts, and those holding one number
PRIOR_SQL = """
WITH holders AS (SELECT subdistrict, id18 FROM {people} WHERE id18 IS NOT NULL),
sizes AS (SELECT count(*) AS n FROM holders GROUP BY subdistrict)
SELECT (SELECT coalesce((sum(n) * sum(n) - sum(n * n)) / 2, 0) FROM sizes) AS id_holder_pairs,
       (SELECT count(*) FROM holders a JOIN holders b ON a.id18 = b.id18 AND a.subdistrict < b.subdistrict)
           AS id_number_pairs
"""
# the house is no comparison of the city model (model.py): its weight is empty, as ``cluster`` reads it
PAIRS_SQL = f"""
SELECT {UNIQUE_ID}_l, {UNIQUE_ID}_r, match_weight, match_probability, mw_name + mw_tf_adj_name AS mw_name,
       mw_birth_date, mw_sex, mw_phone, CAST(NULL AS DOUBLE) AS mw_house, mw_id_number
FROM {{this}}
"""
# the persons of the largest subdistrict (ties: the first code), whose random pairs teach the u probabilities
ONE_SUBDISTRICT_SQL = """
SELECT * FROM {people} WHERE subdistrict = (
    SELECT subdistrict FROM {people} GROUP BY subdistrict ORDER BY count(*) DESC, subdistrict LIMIT 1)
"""
U_PAIRS = 2e6  # the subdistrict's sample size: a small district is compared whole, so both engines agree


def _pairs(db_api, people_table: str, one_subdistrict: str, prior: float) -> pa.Table:
    from splink import Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    teacher = Linker(
        db_api.register(one_subdistrict, dataset_display_name="city_people_of_one_subdistrict"),
        city_settings(prior),
        log_level=logging.WARNING,
    )
    teacher.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=6, num_chunks=1)
    counted = teacher.misc.query_sql(f"SELECT count(*) AS n FROM {one_subdistrict}", output_type="splink_df")
    persons = counted.as_record_list()[0]["n"]
    compared = max(min(U_PAIRS, persons * (persons - 1) / 2), 1)
    settings = with_u(city_settings(prior), teacher.misc.save_model_to_json(), compared)
    frame = db_api.register(people_table, dataset_display_name="city_people")
    linker = Linker(frame, settings, log_level=logging.WARNING)
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
    con.execute(f"CREATE TABLE city_people_of_one AS {ONE_SUBDISTRICT_SQL.format(people='city_people')}")
    holder_pairs, pairs = con.execute(PRIOR_SQL.format(people="city_people")).fetchall()[0]
    scored = _pairs(DuckDBAPI(con), "city_people", "city_people_of_one", city_prior(int(holder_pairs), int(pairs)))
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
    one = spark.sql(ONE_SUBDISTRICT_SQL.format(people="city_people")).persist()
    one.createOrReplaceTempView("city_people_of_one")
    holder_pairs, pairs = spark.sql(PRIOR_SQL.format(people="city_people")).collect()[0]
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist", register_udfs_automatically=False)
    scored = _pairs(db_api, "city_people", "city_people_of_one", city_prior(int(holder_pairs), int(pairs)))
    rows = frame.orderBy(UNIQUE_ID).collect()
    persons = pa.Table.from_pylist([row.asDict() for row in rows], schema=_PEOPLE_SCHEMA)
    frame.unpersist(), one.unpersist()
    return persons, scored


_PEOPLE_SCHEMA = pa.schema([(UNIQUE_ID, pa.string()), *COLUMNS.items()])
