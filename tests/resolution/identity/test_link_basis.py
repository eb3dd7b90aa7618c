"""The basis identity keeps (core.identity_basis): a change to any record linking reads, and only a change, makes
the next run link again."""

import duckdb
import pytest

from resolution.identity.link_basis import linking_basis

RECORDS = [("r1", "张三", "310101195001010011", None), ("r2", "李四", None, "13812345678")]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core; CREATE TABLE core.person_decisions (record_id VARCHAR, person_id VARCHAR)")
    con.execute("CREATE TABLE records (record_id VARCHAR, name VARCHAR, id_number VARCHAR, phone VARCHAR)")
    yield con
    con.close()


def _basis(con, rows) -> tuple[str, int]:
    con.execute("DELETE FROM records")
    if rows:
        con.executemany("INSERT INTO records VALUES (?, ?, ?, ?)", rows)
    basis = linking_basis(con, "SELECT * FROM records", "person_decisions")
    return basis["records"], basis["records_linked"]


def test_the_same_records_in_another_order_keep_the_basis(con):
    assert _basis(con, RECORDS) == _basis(con, list(reversed(RECORDS)))


@pytest.mark.parametrize(
    "changed",
    [
        [RECORDS[0], ("r2", "李四", None, "13812345679")],  # one digit of one value
        [RECORDS[0], ("r2", "李四", "13812345678", None)],  # a value moved to another column
        [RECORDS[0], ("r2", "李四", None, None)],  # a value blanked
        [*RECORDS, ("r3", "王五", None, None)],  # a record more
        [RECORDS[0]],  # a record less
        [RECORDS[0], RECORDS[0], RECORDS[1]],  # a record twice
    ],
)
def test_any_change_to_the_records_changes_the_basis(con, changed):
    assert _basis(con, changed)[0] != _basis(con, RECORDS)[0]


def test_the_basis_counts_the_records(con):
    assert _basis(con, RECORDS)[1] == 2 and _basis(con, [])[1] == 0
