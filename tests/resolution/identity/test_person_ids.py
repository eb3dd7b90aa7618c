"""Minting person ids (resolution/identity/person_ids.py): new ids carry the subdistrict's code and count on from
its own highest, whatever else the registry holds; an id minted once is kept by its cluster."""

import duckdb

from resolution.identity.person_ids import assign_person_ids


def _clusters(con: duckdb.DuckDBPyConnection, count: int) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _person_links AS SELECT range AS cluster, range AS _record_id, "
        f"'subject' AS party FROM range({count})"
    )


def test_new_ids_count_on_from_the_subdistricts_own_highest():
    with duckdb.connect() as con:
        con.execute("""CREATE SCHEMA core;
            CREATE TABLE core.person_ids (person_id VARCHAR PRIMARY KEY, minted_at TIMESTAMPTZ DEFAULT current_timestamp);
            INSERT INTO core.person_ids (person_id) VALUES ('PSN3101010220000041'), ('PSN3101010239999998'),
                ('PSN0000099999')""")  # another subdistrict's number and an old-shape one do not count
        _clusters(con, 3)
        counts = assign_person_ids(con, "310101022")
        minted = [p for (p,) in con.execute("SELECT person_id FROM _person_ids ORDER BY cluster").fetchall()]
        assert minted == ["PSN3101010220000042", "PSN3101010220000043", "PSN3101010220000044"]
        assert counts == {"minted": 3, "merges": 0, "splits": 0}
        registered = con.execute("SELECT count(*) FROM core.person_ids WHERE starts_with(person_id, 'PSN310101022')")
        assert registered.fetchone()[0] == 4


def test_a_subdistrict_past_seven_digits_widens_and_repeats_no_id():
    with duckdb.connect() as con:
        con.execute("""CREATE SCHEMA core;
            CREATE TABLE core.person_ids (person_id VARCHAR PRIMARY KEY, minted_at TIMESTAMPTZ DEFAULT current_timestamp);
            INSERT INTO core.person_ids (person_id) VALUES ('PSN3101010229999999')""")
        _clusters(con, 2)
        assign_person_ids(con, "310101022")
        minted = [p for (p,) in con.execute("SELECT person_id FROM _person_ids ORDER BY cluster").fetchall()]
        assert minted == ["PSN31010102210000000", "PSN31010102210000001"]
        _clusters(con, 3)  # the next run: its own clusters, no records kept, so three more
        assign_person_ids(con, "310101022")
        assert con.execute("SELECT max(person_id) FROM _person_ids").fetchone()[0] == "PSN31010102210000004"
