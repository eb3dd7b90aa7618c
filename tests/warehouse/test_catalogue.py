"""The catalogue answers for the open warehouse only: a copy attached beside it has tables of the same names."""

import duckdb

from warehouse import catalogue


def test_catalogue_reads_the_open_database_only():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging; CREATE TABLE staging.hotline (address VARCHAR, category VARCHAR)")
    con.execute("CREATE VIEW staging.calls AS SELECT address FROM staging.hotline")
    con.execute("ATTACH ':memory:' AS analyst; CREATE SCHEMA analyst.staging")
    con.execute(
        "CREATE TABLE analyst.staging.hotline (credit_code VARCHAR); CREATE TABLE analyst.staging.shops (x INT)"
    )

    assert catalogue.tables(con, "staging") == ["calls", "hotline"]
    assert catalogue.table_exists(con, "staging", "hotline")
    assert not catalogue.table_exists(con, "staging", "shops")
    assert catalogue.columns(con, "staging", "hotline") == ["address", "category"]
    assert catalogue.columns(con, "staging", "shops") == []
    assert catalogue.tables_with_column(con, "staging", ("address",)) == ["calls", "hotline"]
    assert catalogue.tables_with_column(con, "staging", ("credit_code",)) == []
    assert catalogue.base_tables(con) == [("staging", "hotline")]
    assert catalogue.base_tables(con, ("core",)) == []
