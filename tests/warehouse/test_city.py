"""The city view over subdistricts' analyst copies exported to Parquet (warehouse/city.py), on the sample
world's real warehouse: every table, both subdistricts, masked, and a re-export that replaces."""

import duckdb
import pytest

from warehouse.city import city_views, export_analyst_copy
from warehouse.publish import ANALYST_FILE

CODES = ("310101023", "310101099")  # the sample, and the same data exported as a second subdistrict


@pytest.fixture(scope="module")
def analyst(full_warehouse):
    """The sample world's analyst copy, published by the session's run (read only)."""
    return full_warehouse.with_name(ANALYST_FILE)


def test_the_city_view_reads_every_subdistrict_as_one_table(analyst, tmp_path):
    root = tmp_path / "parquet"
    for code in CODES:
        written = export_analyst_copy(analyst, code, root)
    with duckdb.connect(str(analyst), read_only=True) as source:
        tables = source.execute(
            "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables() "
            "WHERE schema_name IN ('core', 'marts', 'tags', 'meta')"
        ).fetchall()
        profiles = source.execute("SELECT count(*) FROM marts.house_profiles").fetchone()[0]
        people = source.execute("SELECT count(*) FROM core.people").fetchone()[0]
    assert len(written) == len(tables) and profiles > 1000

    with duckdb.connect() as city:
        views = city_views(city, root)
        assert sorted(views) == sorted(name for name, _ in tables)
        by_code = dict(city.execute("SELECT _subdistrict, count(*) FROM marts.house_profiles GROUP BY 1").fetchall())
        assert by_code == {code: profiles for code in CODES}
        assert city.execute("SELECT count(*) FROM core.people").fetchone()[0] == 2 * people
        # masked as in the analyst copy: no full 18-digit ID number anywhere in the people table
        assert (
            city.execute(
                "SELECT count(*) FROM core.people WHERE regexp_matches(CAST(core.people AS VARCHAR), "
                "'[1-9][0-9]{5}(19|20)[0-9]{2}[01][0-9][0-3][0-9][0-9]{3}[0-9Xx]')"
            ).fetchone()[0]
            == 0
        )

    export_analyst_copy(analyst, CODES[1], root)  # the next night: replaced, not added
    with duckdb.connect() as city:
        city_views(city, root)
        assert city.execute("SELECT count(*) FROM marts.house_profiles").fetchone()[0] == 2 * profiles
    assert not list(root.rglob("*.new"))


def test_a_subdistrict_code_must_be_a_division_code(analyst, tmp_path):
    with pytest.raises(ValueError, match="not a 9-digit code"):
        export_analyst_copy(analyst, "../etc", tmp_path)
