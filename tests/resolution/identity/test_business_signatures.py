"""A delivery's business records linked alone (resolution/identity/business_signatures.py) give what linking every
record gives: the same rows, ids and id changes."""

import duckdb

from resolution.identity.businesses import resolve_businesses
from tests.resolution.identity.test_attribution import _differ

TABLES = ("core.business_records", "core.businesses", "quality.business_review", "core.business_signatures")
HISTORY = "SELECT change, business_id, from_business_id, records FROM core.business_id_history"


def _keep(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    for table in TABLES:
        con.execute(f"CREATE OR REPLACE TABLE main.{prefix}_{table.split('.')[1]} AS FROM {table}")
    con.execute(f"CREATE OR REPLACE TABLE main.{prefix}_history AS {HISTORY}")


def _restore(con: duckdb.DuckDBPyConnection, prefix: str) -> None:
    for table in TABLES:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS FROM main.{prefix}_{table.split('.')[1]}")
    con.execute("DELETE FROM core.business_id_history")
    con.execute(f"INSERT INTO core.business_id_history BY NAME FROM main.{prefix}_history")


def test_a_delivery_links_its_new_records_alone_and_equals_linking_all(warehouse_copy):
    """The latest patrol week held back and linked in full; then it arrives with some shops named anew (new
    signatures at known houses, a name from another house, a shop's credit code written at another house): only the
    groups of houses and codes it reaches are linked again, and every table, id and id change is what linking every
    record from the same start gives."""
    with duckdb.connect(str(warehouse_copy)) as con:
        (latest,) = con.execute("SELECT max(delivery_id) FROM core.event_rows WHERE source = 'grid_patrols'").fetchone()
        con.execute("CREATE TABLE main.held AS FROM core.event_rows WHERE delivery_id = ?", [latest])
        con.execute("DELETE FROM core.event_rows WHERE delivery_id = ?", [latest])
        assert resolve_businesses(con)["signatures_linked"] > 0
        con.execute("""UPDATE main.held SET shop_name = CASE hash(record_id) % 10
                WHEN 0 THEN '新' || shop_name WHEN 1 THEN shop_name || '(二店)' ELSE shop_name END
            WHERE shop_name IS NOT NULL""")
        con.execute("""UPDATE main.held SET credit_code = (
                SELECT min(credit_code) FROM core.businesses WHERE credit_code IS NOT NULL)
            WHERE record_id = (SELECT min(record_id) FROM main.held WHERE shop_name IS NOT NULL)""")
        con.execute("INSERT INTO core.event_rows FROM main.held")
        _keep(con, "before")
        counts = resolve_businesses(con)
        everything = con.execute("SELECT count(*) FROM core.business_signatures").fetchone()[0]
        assert 0 < counts["signatures_linked"] < everything / 2  # the reached groups only
        _keep(con, "alone")
        _restore(con, "before")
        con.execute("DELETE FROM core.identity_basis WHERE entity = 'business'")  # no earlier basis: link all
        assert resolve_businesses(con)["signatures_linked"] == everything
        for table in TABLES:
            assert _differ(con, f"main.alone_{table.split('.')[1]}", table) == 0, table
        assert _differ(con, "main.alone_history", f"({HISTORY})") == 0


def test_a_run_with_nothing_new_links_nothing(warehouse_copy):
    with duckdb.connect(str(warehouse_copy)) as con:
        resolve_businesses(con)
        assert resolve_businesses(con)["signatures_linked"] == 0
