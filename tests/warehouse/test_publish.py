"""The analyst copy: identifiers masked wherever they appear (values, column names, lists, structs, JSON),
names and birth dates reduced, keyed tokens, the raw layer left out, hostile names kept inert."""

import duckdb
import pyarrow as pa
import pytest

from warehouse import privacy
from warehouse.publish import _vectorised, publish

KEY = privacy.TokenKey("7", b"test-key-for-publish-tests")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("310101195707267232", "310101************"),
        ("来电人身份证310101195707267232，手机13857291234", "来电人身份证310101************，手机138****1234"),
        ("残疾证号31010119570726723211", "残疾证号310101************11"),
        ("310101570726723", "310101************"),  # 15 digits, the first generation
        ("联系 138 5729 1234 或 021-64752518", "联系 138****1234 或 021****2518"),
        ("13812345678,13912345678", "138****5678,139****5678"),  # one right after the other
        ("巡查编号XC202605060002312", "巡查编号XC202605060002312"),  # a document number, not an ID
        ("grid_patrols:XC202610290207504", "grid_patrols:XC202610290207504"),  # a patrol id: a date, not a region
        ("oss://wgh-patrol/XC202610290207504_1.jpg", "oss://wgh-patrol/XC202610290207504_1.jpg"),
        ("sfz310101570726723", "sfz310101************"),  # a 15-digit ID number after letters still masked
        ("备注320102570726723。", "备注320102************。"),
        ("陕西南路8弄1号101室", "陕西南路8弄1号101室"),
        ("2026-09-24 16:58", "2026-09-24 16:58"),
        ("房屋 310101023001000046", "房屋 310101023001000046"),  # a house id
        ("91310101A6TPKHJCGU", "91310101A6TPKHJCGU"),  # a credit code
    ],
)
def test_identifiers_are_masked_and_nothing_else(text, masked):
    assert privacy.mask_text(text) == masked
    with duckdb.connect() as con:  # the SQL pre-test never skips a text the mask would change
        assert (
            con.execute("SELECT regexp_matches(?, ?)", [text, privacy.MAY_HOLD_IDENTIFIERS]).fetchone()[0]
            or masked == text
        )


def test_tokens_are_keyed_versioned_and_equal_per_value():
    tokens = _vectorised(lambda v: None if v is None else privacy.token(KEY, v))(
        pa.array(["310101195707267232", None, "310101195707267232", "13857291234"])
    ).to_pylist()
    assert tokens[0] == tokens[2] == privacy.token(KEY, "310101195707267232") and tokens[1] is None
    assert tokens[0] != tokens[3] and tokens[0].startswith("k7") and tokens[0][2:].isalpha() and len(tokens[0]) == 22
    assert privacy.token(privacy.TokenKey("7", b"another-key-entirely"), "310101195707267232") != tokens[0]


def test_full_width_text_is_published_as_the_python_mask_gives_it(tmp_path, keyed):
    """Full-width digits skip the Python mask when they hold no identifier, and are masked when they do."""
    texts = [
        "长乐路１６２弄6号",
        "３１０１０１１９５７０７２６７２３２",
        "手机１３８－１２３４－５６７０",
        "１\u200b号",
        "（０２１）６４７５２５１８",
    ]
    warehouse = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA staging; CREATE TABLE staging.notes (note VARCHAR)")
        con.executemany("INSERT INTO staging.notes VALUES (?)", [[text] for text in texts])
        copy = publish(con, warehouse)
    with duckdb.connect(str(copy), read_only=True) as con:
        published = [note for (note,) in con.execute("SELECT note FROM staging.notes").fetchall()]
    assert published == [privacy.mask_text(text) for text in texts]
    assert published[0] == texts[0] and published[1] == "310101************"


@pytest.fixture
def keyed(monkeypatch):
    monkeypatch.setenv("HOUSEKEY_TOKEN_KEY_3", "third-key-for-publish-tests")
    return privacy.TokenKey("3", b"third-key-for-publish-tests")


def test_publish_masks_values_names_lists_and_reduces_quasi_identifiers(tmp_path, keyed):
    warehouse = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "CREATE SCHEMA staging; CREATE TABLE staging.people AS SELECT * FROM (VALUES "
            "('310101195707267232', '张三 13857291234', 'PSN3101010230000001', '张三丰', DATE '1957-07-26', "
            " ['tel13857291234', 'ok'], [{'person_id': 'PSN3101010230000001', 'name': '张三丰'}], '{\"a\": \"sfz310101195707267232\"}'),"
            "(NULL, NULL, 'PSN3101010230000002', NULL, NULL, NULL, NULL, NULL)"
            ") t(id_number, note, person_id, name, birth_date, notes, people, _extra)"
        )
        con.execute(
            'CREATE TABLE staging.headless (id_number VARCHAR, "13857291234" VARCHAR, "310101195707267232" VARCHAR)'
        )
        con.execute("CREATE SCHEMA raw; CREATE TABLE raw.people AS SELECT '310101195707267232' AS v")
        copy = publish(con, warehouse)
    with duckdb.connect(str(copy), read_only=True) as con:
        rows = con.execute(
            "SELECT id_number, id_number_token, note, person_id, name, birth_year, notes, people "
            "FROM staging.people ORDER BY person_id"
        ).fetchall()
        columns = {
            c
            for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'headless'").fetchall()
        }
        schemas = {s for (s,) in con.execute("SELECT schema_name FROM duckdb_tables()").fetchall()}
        people_columns = {
            c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'people'").fetchall()
        }
    assert rows[0] == (
        "310101************",
        privacy.token(keyed, "310101195707267232"),
        "张三 138****1234",
        "PSN3101010230000001",
        "张*",
        1957,
        ["tel138****1234", "ok"],
        [{"person_id": "PSN3101010230000001", "name": "张*"}],
    )
    assert rows[1] == (None, None, None, "PSN3101010230000002", None, None, None, None)
    assert columns == {"id_number", "id_number_token", "138****1234", "310101************"}
    assert "raw" not in schemas and "_extra" not in people_columns and "birth_date" not in people_columns


def test_a_hostile_column_name_is_one_odd_name_not_sql(tmp_path, keyed):
    hostile = "姓名\" , (SELECT string_agg(id_number, ',') FROM staging.people) AS leak, \"姓名"
    warehouse = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA staging; CREATE TABLE staging.people AS SELECT '310101195707267232' AS id_number")
        con.execute(f'CREATE TABLE staging.employment ("{hostile.replace(chr(34), chr(34) * 2)}" VARCHAR)')
        con.execute("INSERT INTO staging.employment VALUES ('x')")
        copy = publish(con, warehouse)
    with duckdb.connect(str(copy), read_only=True) as con:
        assert [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = 'employment'"
            ).fetchall()
        ] == [hostile]
        assert con.execute("SELECT * FROM staging.employment").fetchall() == [("x",)]


def test_without_a_key_a_warehouse_gets_its_own_owner_only_key_and_production_stops(tmp_path, monkeypatch):
    for name in [n for n in list(__import__("os").environ) if n.startswith(privacy.KEY_ENV)]:
        monkeypatch.delenv(name)
    monkeypatch.delenv(privacy.ENVIRONMENT_ENV, raising=False)
    first, second = tmp_path / "a" / "housekey.duckdb", tmp_path / "b" / "housekey.duckdb"
    first.parent.mkdir(), second.parent.mkdir()
    key = privacy.token_key(first)
    assert key.id == privacy.LOCAL_KEY_ID and privacy.token_key(first) == key  # kept, not redrawn
    assert privacy.token_key(second).secret != key.secret  # tokens cannot be recomputed from the code alone
    assert oct((first.parent / privacy.LOCAL_KEY_FILE).stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv(privacy.ENVIRONMENT_ENV, "production")
    with pytest.raises(privacy.MissingTokenKey, match="production"):
        privacy.token_key(first)
    monkeypatch.setenv(f"{privacy.KEY_ENV}_1", "short")
    with pytest.raises(privacy.MissingTokenKey, match="shorter"):
        privacy.token_key(first)


def test_the_highest_numbered_key_is_current(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setenv(f"{privacy.KEY_ENV}_1", "first-key-0123456789")
    monkeypatch.setenv(f"{privacy.KEY_ENV}_12", "twelfth-key-0123456789")
    assert privacy.token_key(tmp_path / "housekey.duckdb") == privacy.TokenKey("12", b"twelfth-key-0123456789")
