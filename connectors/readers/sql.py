"""Pull a table from a source database: PostgreSQL (psycopg 3) or MariaDB/MySQL (pymysql).

The connection URL comes from the environment variable the spec names in ``sql.url_env``
(credentials never live in the spec); when it is unset, a local default is used (see
``DEFAULT_URLS``). Pulls run in a read-only transaction.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from urllib.parse import unquote, urlsplit

from connectors.readers import Delivered, Part, ReadError
from connectors.spec import SourceSpec, SqlOptions

DEFAULT_URLS = {
    "postgres": "postgresql://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql://root@127.0.0.1:3306/test",
}
CONNECT_TIMEOUT_S = 10

Records = tuple[list[str], list[tuple]]


class SourceUnavailable(ReadError):
    """The source database cannot be reached (down, refused, wrong credentials, no such database)."""


def pull(spec: SourceSpec, since: str | None) -> tuple[Delivered, str | None]:
    """Read ``spec.sql.table`` whole or, when the spec has a ``sql.cursor`` and ``since`` is given,
    only the rows whose cursor is greater than ``since``, ordered by the cursor.

    Returns the rows (every value as text: datetimes "2026-03-05 14:30:00", NULL as None, "" as
    None, row numbers 1..n in pull order) and the greatest cursor value pulled as text, or ``since``
    when no row was pulled. Raises SourceUnavailable when the server cannot be reached and
    ReadError when the table cannot be read.
    """
    if not spec.is_database or spec.sql is None:
        raise ReadError(f"source {spec.name}: format {spec.format} is not a database")
    url = os.environ.get(spec.sql.url_env) or DEFAULT_URLS[spec.format]
    cursor_since = since if spec.sql.cursor is not None else None
    pull_table = _pull_postgres if spec.format == "postgres" else _pull_mariadb
    header, records = pull_table(url, spec.sql, cursor_since, spec.name)
    rows = [[_text(value) for value in record] for record in records]
    new_cursor = since
    if spec.sql.cursor is not None:
        position = header.index(spec.sql.cursor)
        if values := [record[position] for record in records if record[position] is not None]:
            new_cursor = _text(max(values))
    where = f" where {spec.sql.cursor} > {cursor_since}" if cursor_since is not None else ""
    notes = [f"pulled {len(rows)} rows from {spec.format} table {spec.sql.table}{where}"]
    part = Part(header, rows, list(range(1, len(rows) + 1)))
    return Delivered([part], [], notes, None), new_cursor


def _pull_postgres(url: str, options: SqlOptions, since: str | None, source: str) -> Records:
    import psycopg
    from psycopg import sql

    query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(*options.table.split(".")))
    params: list[str] = []
    if options.cursor is not None:
        cursor = sql.Identifier(options.cursor)
        if since is not None:
            query += sql.SQL(" WHERE {} > %s").format(cursor)
            params.append(since)
        query += sql.SQL(" ORDER BY {}").format(cursor)
    try:
        connection = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as exc:
        raise SourceUnavailable(f"source {source}: cannot reach postgres at {_where(url)}: {_first_line(exc)}") from exc
    with connection:
        connection.read_only = True
        try:
            result = connection.execute(query, params)
            return [column.name for column in result.description], result.fetchall()
        except psycopg.OperationalError as exc:
            raise SourceUnavailable(f"source {source}: lost postgres at {_where(url)}: {_first_line(exc)}") from exc
        except psycopg.Error as exc:
            raise ReadError(f"source {source}: cannot read postgres table {options.table}: {_first_line(exc)}") from exc


def _pull_mariadb(url: str, options: SqlOptions, since: str | None, source: str) -> Records:
    import pymysql

    query = f"SELECT * FROM {'.'.join(_backquote(part) for part in options.table.split('.'))}"
    params: tuple[str, ...] = ()
    if options.cursor is not None:
        if since is not None:
            query += f" WHERE {_backquote(options.cursor)} > %s"
            params = (since,)
        query += f" ORDER BY {_backquote(options.cursor)}"
    parts = urlsplit(url)
    try:
        connection = pymysql.connect(
            host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
            user=unquote(parts.username or "root"), password=unquote(parts.password or ""),
            database=unquote(parts.path.lstrip("/")) or None, charset="utf8mb4",
            connect_timeout=CONNECT_TIMEOUT_S,
        )
    except pymysql.MySQLError as exc:
        raise SourceUnavailable(f"source {source}: cannot reach mariadb at {_where(url)}: {_first_line(exc)}") from exc
    try:
        with connection.cursor() as cursor:
            cursor.execute("START TRANSACTION READ ONLY")
            cursor.execute(query, params)  # params always given, so a '%' in a name is escaped as '%%'
            return [column[0] for column in cursor.description], list(cursor.fetchall())
    except pymysql.MySQLError as exc:
        if _mysql_code(exc) >= 2000:  # client-side codes: the connection went away
            raise SourceUnavailable(f"source {source}: lost mariadb at {_where(url)}: {_first_line(exc)}") from exc
        raise ReadError(f"source {source}: cannot read mariadb table {options.table}: {_first_line(exc)}") from exc
    finally:
        connection.close()


def _mysql_code(exc: Exception) -> int:
    return exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0


def _backquote(name: str) -> str:
    return "`" + name.replace("`", "``").replace("%", "%%") + "`"


def _where(url: str) -> str:
    """host:port/database, without the credentials."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or ''}{parts.path}"


def _first_line(exc: Exception) -> str:
    if len(exc.args) == 2 and isinstance(exc.args[0], int):  # pymysql: (code, message)
        return f"{exc.args[1]} (error {exc.args[0]})"
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)
