"""Database pulls against the real local PostgreSQL and MariaDB servers (never mocked).

Each test creates its own uniquely named table (with a space and Chinese in the name, so quoting
is exercised) and drops it afterwards.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import psycopg
import pymysql
import pytest

from connectors.readers import ReadError
from connectors.readers.sql import (
    DATABASES_ENV,
    DEFAULT_URLS,
    SourceUnavailable,
    database_url,
    databases_mode,
    parse_url,
    pull,
)
from connectors.spec import SourceSpec

URL_ENV = "HOUSEKEY_TEST_READERS_SQL_URL"


def _spec(fmt: str, table: str, cursor: str | None = "updated_at") -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "cases",
            "title": "城管执法",
            "owner": "城管",
            "level": "D",
            "format": fmt,
            "record_kind": "event",
            "columns": {"案件编号": {"to": "event_ref"}},
            "sql": {"table": table, "cursor": cursor, "url_env": URL_ENV},
        }
    )


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

    connection.execute(
        f"""UPDATE "{table}" SET 已结案 = true, updated_at = '2026-03-04 11:00:00' WHERE 案件编号 = 'C2'"""
    )
    connection.execute(f"""INSERT INTO "{table}" VALUES ('C4', 80, false, '夜间施工', '2026-03-05 20:00:00')""")
    delivered, cursor = pull(_spec("postgres", table), cursor)
    assert [row[0] for row in delivered.parts[0].rows] == ["C2", "C4"]
    assert delivered.parts[0].row_numbers == [1, 2]
    assert cursor == "2026-03-05 20:00:00"
    assert delivered.notes == [
        f"pulled 2 rows from postgres table {table} where updated_at > 2026-03-03 10:15:00.500000"
    ]

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
    connection = pymysql.connect(
        host="127.0.0.1", port=3306, user="root", database="test", charset="utf8mb4", autocommit=True
    )
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
    assert (delivered.parts[0].rows, cursor) == (
        [["R1", "楼道灯坏", "30.00", "2026-03-03 10:00:00"]],
        "2026-03-03 10:00:00",
    )

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


SECRET = "p#ss/w@rd?x"  # what a careless URL splitter reads as a fragment, a path, a host or a query


def _pieces(secret: str) -> list[str]:
    """The secret and the parts a URL splitter would cut it into, each long enough to mean something."""
    return [secret, "p#ss", "ss/w", "w@rd", "rd?x", "p%23ss"]


@pytest.fixture
def mariadb_user():
    """A real MariaDB account whose password holds '#', '/', '@' and '?'."""
    user = f"hk_s5_{uuid.uuid4().hex[:6]}"
    connection = pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (SECRET,))
        cursor.execute(f"CREATE USER '{user}'@'localhost' IDENTIFIED BY %s", (SECRET,))
        cursor.execute(f"GRANT SELECT ON test.* TO '{user}'@'%'")
        cursor.execute(f"GRANT SELECT ON test.* TO '{user}'@'localhost'")
    yield user
    with connection.cursor() as cursor:
        cursor.execute(f"DROP USER '{user}'@'%'")
        cursor.execute(f"DROP USER '{user}'@'localhost'")
    connection.close()


def test_a_password_with_url_characters_connects_as_written_or_percent_encoded(
    monkeypatch, mariadb_table, mariadb_user
):
    table, _ = mariadb_table
    for written in (SECRET, quote(SECRET, safe="")):
        monkeypatch.setenv(URL_ENV, f"mysql://{mariadb_user}:{written}@127.0.0.1:3306/test")
        delivered, _ = pull(_spec("mariadb", table), None)
        assert delivered.row_count == 2


@pytest.mark.parametrize("written", [SECRET, quote(SECRET, safe="")])
def test_a_wrong_password_never_reaches_the_error_text(monkeypatch, mariadb_table, mariadb_user, written):
    """S5: the real server refuses the password; the message names the server, never the credentials."""
    table, _ = mariadb_table
    wrong = written.replace("x", "y")
    monkeypatch.setenv(URL_ENV, f"mysql://{mariadb_user}:{wrong}@127.0.0.1:3306/test")
    with pytest.raises(SourceUnavailable, match="cannot reach mariadb at 127.0.0.1:3306/test: Access denied") as error:
        pull(_spec("mariadb", table), None)
    assert error.value.required
    assert not [piece for piece in _pieces(SECRET.replace("x", "y")) + [wrong] if piece in str(error.value)]
    assert error.value.__cause__ is None and error.value.__suppress_context__  # no driver error printed beneath it


@pytest.mark.parametrize(
    ("fmt", "where"),
    [
        ("postgres", "127.0.0.1:5432/no_such_db_hk"),
        ("postgres", "127.0.0.1:1/test"),
        ("mariadb", "127.0.0.1:3306/no_such_db_hk"),
        ("mariadb", "127.0.0.1:1/test"),
    ],
)
def test_postgres_and_mariadb_errors_hide_a_password_with_url_characters(monkeypatch, fmt, where):
    scheme = "postgresql" if fmt == "postgres" else "mysql"
    user = "postgres" if fmt == "postgres" else "root"
    monkeypatch.setenv(URL_ENV, f"{scheme}://{user}:{SECRET}@{where}")
    with pytest.raises(SourceUnavailable, match=f"cannot reach {fmt} at {where}") as error:
        pull(_spec(fmt, "anything"), None)
    assert not [piece for piece in _pieces(SECRET) if piece in str(error.value)], str(error.value)


def test_redact_hides_every_form_of_the_credentials():
    target = parse_url(f"mysql://hk:{SECRET}@db.example:3307/案件?charset=utf8", "mariadb")
    assert (target.user, target.password, target.host, target.port, target.database) == (
        "hk",
        SECRET,
        "db.example",
        3307,
        "案件",
    )
    for text in (SECRET, quote(SECRET, safe=""), f"mysql://hk:{SECRET}@db.example:3307/案件"):
        redacted = target.redact(f"error: {text}!")
        assert "***" in redacted and not [piece for piece in _pieces(SECRET) if piece in redacted], redacted


def test_which_databases_must_be_read(monkeypatch):
    spec = _spec("postgres", "t")
    monkeypatch.delenv(URL_ENV, raising=False)
    monkeypatch.delenv(DATABASES_ENV, raising=False)
    monkeypatch.delenv("HOUSEKEY_ENV", raising=False)
    assert not database_url(spec).required  # the laptop: the local default server, skipped when absent
    monkeypatch.setenv(URL_ENV, "postgresql://postgres@127.0.0.1:5432/test")
    assert database_url(spec).required  # a configured URL must be read
    monkeypatch.delenv(URL_ENV)
    monkeypatch.setenv("HOUSEKEY_ENV", "production")
    with pytest.raises(SourceUnavailable, match=f"no postgres URL configured: set \\${URL_ENV}") as error:
        database_url(spec)
    assert error.value.required
    monkeypatch.delenv("HOUSEKEY_ENV")
    monkeypatch.setenv(DATABASES_ENV, "required")
    with pytest.raises(SourceUnavailable, match="no postgres URL configured"):
        database_url(spec)
    monkeypatch.setenv(DATABASES_ENV, "sometimes")
    with pytest.raises(ValueError, match="HOUSEKEY_DATABASES"):
        databases_mode()
