"""People linking on a sample world, against the generator's truth: pairwise and B-cubed precision and
recall, id stability across a re-run, and time.

    .venv/bin/python -m benchmarks.person_linking                       # runs the pipeline on the sample
    .venv/bin/python -m benchmarks.person_linking --warehouse var/warehouse/housekey.duckdb

Scored records: every row of ``core.person_records`` whose delivered row the truth gives a person.
Pairwise: of the record pairs given one person_id, the share truly one person (precision); of the
pairs truly one person, the share given one person_id (recall). B-cubed: the same per record, averaged.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES

# each person record's person id beside the true person of its delivered row (tables of ``load_truth``)
RECORD_TRUTH_SQL = """
SELECT p.person_id, t.person_id AS true_person
FROM core.person_records p JOIN _record_keys k ON k._source = p._source AND k._delivery_id = p._delivery_id
 AND k._row_number = p._row_number AND k._sheet IS NOT DISTINCT FROM p._sheet
JOIN _truth t ON t.source = p._source AND t.file = k._file_name AND coalesce(t.sheet, '') = coalesce(p._sheet, '')
 AND coalesce(nullif(t.row_number, ''), t.record_key) = k.row_key
WHERE t.person_id <> ''
"""
SCORE_SQL = f"""
WITH scored AS ({RECORD_TRUTH_SQL}), cells AS (SELECT person_id, true_person, count(*) AS n FROM scored GROUP BY ALL),
predicted AS (SELECT person_id, sum(n) AS n FROM cells GROUP BY 1),
actual AS (SELECT true_person, sum(n) AS n FROM cells GROUP BY 1)
SELECT (SELECT sum(n * (n - 1) / 2) FROM cells) AS pairs_right,
       (SELECT sum(n * (n - 1) / 2) FROM predicted) AS pairs_predicted,
       (SELECT sum(n * (n - 1) / 2) FROM actual) AS pairs_true,
       (SELECT sum(c.n * c.n / p.n) FROM cells c JOIN predicted p USING (person_id)) AS b3_precision_sum,
       (SELECT sum(c.n * c.n / a.n) FROM cells c JOIN actual a USING (true_person)) AS b3_recall_sum,
       (SELECT sum(n) FROM cells) AS records,
       (SELECT count(*) FROM predicted) AS persons_predicted,
       (SELECT count(*) FROM actual) AS persons_true
"""


def _record_keys(con: duckdb.DuckDBPyConnection, registry=None) -> None:
    """``_record_keys``: each raw row's file and the key truth knows it by (row number, or a database row's key)."""
    parts = []
    for name, spec in (registry or load_registry()).items():
        key = f'"{spec.record_key[0]}"::VARCHAR' if spec.is_database else "_row_number::VARCHAR"
        parts.append(
            f'SELECT _source, _delivery_id, _sheet, _row_number, _file_name, {key} AS row_key FROM raw."{name}"'
        )
    con.execute("CREATE OR REPLACE TEMP TABLE _record_keys AS " + " UNION ALL ".join(parts))


def load_truth(con: duckdb.DuckDBPyConnection, samples: Path = SAMPLES, registry=None) -> None:
    """The world's record truth and the warehouse's raw record keys (of ``registry``'s sources, default every one),
    as the temp tables ``RECORD_TRUTH_SQL`` reads."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _truth AS SELECT * FROM read_csv(?, all_varchar = true)",
        [str(samples / "truth" / "records.csv")],
    )
    _record_keys(con, registry)


def score(con: duckdb.DuckDBPyConnection, samples: Path = SAMPLES) -> dict:
    """Pairwise and B-cubed figures of core.person_records against the sample's truth."""
    load_truth(con, samples)
    right, predicted, true, b3p, b3r, records, persons, persons_true = con.execute(SCORE_SQL).fetchall()[0]
    precision, recall = right / max(predicted, 1), right / max(true, 1)
    return {
        "records": int(records),
        "persons": int(persons),
        "true_persons": int(persons_true),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 4),
        "b3_precision": round(b3p / records, 4),
        "b3_recall": round(b3r / records, 4),
    }


def stability(con: duckdb.DuckDBPyConnection) -> dict:
    """Re-link the same records: the share of records keeping their person_id, and the time it took."""
    from resolution.identity.people import resolve_people

    con.execute("CREATE OR REPLACE TEMP TABLE _before AS SELECT * FROM core.person_records")
    started = time.perf_counter()
    resolve_people(con)
    seconds = time.perf_counter() - started
    kept, total = con.execute("""
        SELECT count(*) FILTER (WHERE a.person_id = b.person_id), count(*) FROM _before b JOIN core.person_records a
        USING (_source, _delivery_id, _row_number, _sheet)""").fetchall()[0]
    return {"relink_seconds": round(seconds, 2), "ids_kept": round(kept / max(total, 1), 4)}


def _run_pipeline(warehouse: Path, samples: Path) -> None:
    import os

    from dagster import DagsterInstance, materialize

    from data_samples.generator.seed import seed_databases
    from pipelines.definitions import pipeline_assets, warehouse_resources

    seed_databases(samples)
    os.environ["HOUSEKEY_LANDING"] = str(samples / "landing")
    os.environ["HOUSEKEY_WAREHOUSE"] = str(warehouse)
    result = materialize(
        pipeline_assets(load_registry()), resources=warehouse_resources(), instance=DagsterInstance.ephemeral()
    )
    assert result.success


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a warehouse after `housekey run` (default: run the pipeline)")
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "housekey.duckdb"
        if args.warehouse:
            shutil.copy(args.warehouse, copy)  # the re-link writes: never into the warehouse measured
        else:
            _run_pipeline(copy, args.samples)
        with duckdb.connect(str(copy)) as con:
            figures = score(con, args.samples) | stability(con)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
