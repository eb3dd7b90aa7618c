"""Database pulls against the real local PostgreSQL and MariaDB servers (never mocked).

Each test creates its own uniquely named table (with a space and Chinese in the name, so quoting
is exercised) and drops it afterwards.
"""
from __future__ import annotations

import uuid

import psycopg
import pymysql
import pytest

from connectors.readers import ReadError
from connectors.readers.sql import DEFAULT_URLS, SourceUnavailable, pull
from connectors.spec import SourceSpec

URL_ENV = "HOUSEKEY_TEST_READERS_SQL_URL"


def _spec(fmt: str, table: str, cursor: str | None = "updated_at") -> SourceSpec:
    return SourceSpec.model_validate({
        "name": "cases", "title": "城管执法", "owner": "城管", "level": "D", "format": fmt,
        "record_kind": "event", "columns": {"案件编号": {"to": "event_ref"}},
        "sql": {"table": table, "cursor": cursor, "url_env": URL_ENV},
    })


@pytest.fixture
def postgres_table(monkeypatch):
    monkeypatch.delenv(URL_ENV, raising=False)  # the default URL points at the local test server
    table = f"hk cases 案件 {uuid.uuid4().hex[:8]}"
    with psycopg.connect(DEFAULT_URLS["postgres"], autocommit=True) as connection:
        connection.execute(
            f'CREATE TABLE "{table}" (案件编号 text, 罚款 numeric(10,2), 已结案 boolean, 备注 text,'
            " updated_at timestamp)"
        )
        connection.execute(
            f'INSERT INTO "{table}" VALUES'
            " ('C2', 200.00, false, NULL, '2026-03-02 09:00:00'),"
            " ('C1', 50.50, true, '占道经营', '2026-03-01 08:30:00'),"
            " ('C3', NULL, false, '', '2026-03-03 10:15:00.5')"
        )
        yield table, connection
        connection.execute(f'DROP TABLE "{table}"')


def test_postgres_full_then_incremental_pull(postgres_table):
    table, connection = postgres_table
    delivered, cursor = pull(_spec("postgres", table), None)
    [part] = delivered.parts
    assert part.header == ["案件编号", "罚款", "已结案", "备注", "updated_at"]
    assert part.rows == [
        ["C1", "50.50", "true", "占道经营", "2026-03-01 08:30:00"],
        ["C2", "200.00", "false", None, "2026-03-02 09:00:00"],
        ["C3", None, "false", None, "2026-03-03 10:15:00.500000"],
    ]
    assert (part.row_numbers, cursor) == ([1, 2, 3], "2026-03-03 10:15:00.500000")

    connection.execute(f"""UPDATE "{table}" SET 已结案 = true, updated_at = '2026-03-04 11:00:00' WHERE 案件编号 = 'C2'""")
    connection.execute(f"""INSERT INTO "{table}" VALUES ('C4', 80, false, '夜间施工', '2026-03-05 20:00:00')""")
    delivered, cursor = pull(_spec("postgres", table), cursor)
    assert [row[0] for row in delivered.parts[0].rows] == ["C2", "C4"]
    assert delivered.parts[0].row_numbers == [1, 2]
    assert cursor == "2026-03-05 20:00:00"
    assert delivered.notes == [f"pulled 2 rows from postgres table {table} where updated_at > 2026-03-03 10:15:00.500000"]

    delivered, unchanged = pull(_spec("postgres", table), cursor)
    assert (delivered.row_count, unchanged) == (0, cursor)


def test_postgres_without_cursor_pulls_everything(postgres_table):
    table, _ = postgres_table
    delivered, cursor = pull(_spec("postgres", table, cursor=None), "2026-03-02 00:00:00")
    assert (delivered.row_count, cursor) == (3, "2026-03-02 00:00:00")


def test_postgres_missing_table_is_a_read_error(postgres_table):
    with pytest.raises(ReadError, match="cannot read postgres table no_such_table_hk") as error:
        pull(_spec("postgres", "no_such_table_hk"), None)
    assert not isinstance(error.value, SourceUnavailable)


@pytest.fixture
def mariadb_table(monkeypatch):
    monkeypatch.setenv(URL_ENV, DEFAULT_URLS["mariadb"])
    table = f"hk repairs 报修 {uuid.uuid4().hex[:8]}"
    connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", database="test",
                                 charset="utf8mb4", autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE `{table}` (工单号 varchar(20), 报修内容 text, 费用 decimal(8,2),"
            " updated_at datetime) DEFAULT CHARSET=utf8mb4"
        )
        cursor.execute(
            f"INSERT INTO `{table}` VALUES ('R1', '楼道灯坏', 0, '2026-03-01 08:00:00'),"
            " ('R2', '水管漏水', 120.5, '2026-03-02 09:30:00')"
        )
    yield table, connection
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE `{table}`")
    connection.close()


def test_mariadb_full_then_incremental_pull(mariadb_table):
    table, connection = mariadb_table
    delivered, cursor = pull(_spec("mariadb", table), None)
    [part] = delivered.parts
    assert part.header == ["工单号", "报修内容", "费用", "updated_at"]
    assert part.rows == [
        ["R1", "楼道灯坏", "0.00", "2026-03-01 08:00:00"],
        ["R2", "水管漏水", "120.50", "2026-03-02 09:30:00"],
    ]
    assert (part.row_numbers, cursor) == ([1, 2], "2026-03-02 09:30:00")

    with connection.cursor() as db:
        db.execute(f"UPDATE `{table}` SET 费用 = 30, updated_at = '2026-03-03 10:00:00' WHERE 工单号 = 'R1'")
    delivered, cursor = pull(_spec("mariadb", table), cursor)
    assert (delivered.parts[0].rows, cursor) == ([["R1", "楼道灯坏", "30.00", "2026-03-03 10:00:00"]], "2026-03-03 10:00:00")

    delivered, unchanged = pull(_spec("mariadb", table), cursor)
    assert (delivered.row_count, unchanged) == (0, "2026-03-03 10:00:00")


@pytest.mark.parametrize(
    ("fmt", "url"),
    [("postgres", "postgresql://hk:secret@127.0.0.1:1/test"), ("mariadb", "mysql://hk:secret@127.0.0.1:1/test")],
)
def test_unreachable_server_is_source_unavailable_without_credentials(monkeypatch, fmt, url):
    monkeypatch.setenv(URL_ENV, url)
    with pytest.raises(SourceUnavailable, match=f"source cases: cannot reach {fmt} at 127.0.0.1:1/test") as error:
        pull(_spec(fmt, "anything"), None)
    message = str(error.value)
    assert "\n" not in message and "secret" not in message
