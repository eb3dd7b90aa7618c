"""Baseline: a warehouse made before versions (release 14eba33 or older) gets the bookkeeping it lacks.

Releases before versions created their bookkeeping tables and added the columns older warehouses
lacked on every open of the warehouse; this step does it once. A warehouse release 14eba33 made
already has every table and column, so for it the step only starts the version table.
"""

import duckdb

from warehouse.database import BOOKKEEPING


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        -- made before deliveries carried the day they describe: the next landing of each source fills it
        ALTER TABLE IF EXISTS meta.deliveries ADD COLUMN IF NOT EXISTS observed_on DATE;
        -- made before re-sent changes files were counted
        ALTER TABLE IF EXISTS meta.deliveries ADD COLUMN IF NOT EXISTS rows_resent BIGINT DEFAULT 0;
        -- made before runs were partitioned by subdistrict
        ALTER TABLE IF EXISTS meta.runs ADD COLUMN IF NOT EXISTS subdistrict VARCHAR;
        -- made before a lost value could be quarantined without its row
        ALTER TABLE IF EXISTS quality.quarantine ADD COLUMN IF NOT EXISTS is_row_kept BOOLEAN DEFAULT false;
    """)
    # after the columns, as the quarantine's view reads one; the one step using today's statements (IF NOT EXISTS)
    con.execute(BOOKKEEPING)
