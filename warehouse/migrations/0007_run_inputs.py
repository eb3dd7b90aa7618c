"""New meta.run_inputs: each run's inputs as digests, and whether it was a full run or a no-op.

``housekey run`` compares the digests of a run's inputs (deliveries, register, specs, reviewers' decisions, tag
catalogue, code, run day, token keys) with the last finished run's and, with nothing new, changes nothing
(warehouse/fingerprint.py). The table starts empty: an upgraded warehouse's next run is a full one.
"""

import duckdb


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE IF NOT EXISTS meta.run_inputs (
            run_number  INTEGER NOT NULL,
            run_id      VARCHAR NOT NULL,
            subdistrict VARCHAR,
            as_of       DATE,
            outcome     VARCHAR NOT NULL CHECK (outcome IN ('running', 'full', 'no-op')),
            inputs      VARCHAR NOT NULL,
            changed     VARCHAR,
            succeeded   BOOLEAN,
            seconds     DOUBLE,
            recorded_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
        )
    """)
