"""The analyst copy's masks: identifiers masked wherever they appear, document numbers left alone."""
import duckdb
import pytest

from warehouse.publish import _mask, _token, _tokens

KEY = b"test-key"


@pytest.mark.parametrize(("text", "masked"), [
    ("310101195707267232", "310101********7232"),
    ("来电人身份证310101195707267232，手机13857291234", "来电人身份证310101********7232，手机138****1234"),
    ("残疾证号31010119570726723211", "残疾证号310101********723211"),
    ("310101570726723", "310101******723"),  # 15 digits, the first generation
    ("联系 138 5729 1234 或 021-64752518", "联系 138****1234 或 021****2518"),
    ("巡查编号XC202605060002312", "巡查编号XC202605060002312"),  # a letter before: a document number
    ("陕西南路8弄1号101室", "陕西南路8弄1号101室"),
    ("2026-09-24 16:58", "2026-09-24 16:58"),
])
def test_identifiers_are_masked_and_nothing_else(text, masked):
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t AS SELECT ? AS v", [text])
        assert con.execute(f"SELECT {_mask('v')} FROM t").fetchone()[0] == masked


def test_tokens_are_keyed_letters_equal_per_value():
    import pyarrow as pa

    tokens = _tokens(KEY)(pa.array(["310101195707267232", None, "310101195707267232", "13857291234"])).to_pylist()
    assert tokens[0] == tokens[2] == _token(KEY, "310101195707267232") and tokens[1] is None
    assert tokens[0] != tokens[3] and tokens[0].isalpha() and len(tokens[0]) == 20
    assert _token(b"other-key", "310101195707267232") != tokens[0]


def test_publish_writes_masked_text_and_tokens(tmp_path):
    from warehouse.publish import publish

    warehouse = tmp_path / "housekey.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA staging; CREATE TABLE staging.people AS SELECT * FROM (VALUES "
                    "('310101195707267232', '张三 13857291234', 'PSN0001'), (NULL, NULL, 'PSN0002')) t(id_number, note, person_id)")
        copy = publish(con, warehouse)
    with duckdb.connect(str(copy), read_only=True) as con:
        rows = con.execute("SELECT id_number, note, person_id, id_number_token FROM staging.people ORDER BY person_id").fetchall()
    assert rows[0][:3] == ("310101********7232", "张三 138****1234", "PSN0001") and rows[0][3].isalpha()
    assert rows[1] == (None, None, "PSN0002", None)
