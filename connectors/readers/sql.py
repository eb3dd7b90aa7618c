"""Pull a table from a source database: PostgreSQL (psycopg 3) or MariaDB/MySQL (pymysql).

The connection URL comes from the environment variable the spec names in ``sql.url_env``
(credentials never live in the spec). Which databases must be read (``$HOUSEKEY_DATABASES``):

- unset: a source whose URL is configured must be read; one without a URL tries the local default
  server (``DEFAULT_URLS``) and is skipped when none runs there (a laptop without database servers);
- ``required`` (and every run with ``HOUSEKEY_ENV=production``): every database source must be read,
  and one without a configured URL fails;
- ``off``: database sources are not read.

Pulls run in a read-only transaction. No error text carries credentials: every message about a
connection passes through ``redact`` (a password with ``#``, ``/`` or ``@`` in it included).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, quote_plus, unquote

from connectors.readers import Delivered, Part, ReadError
from connectors.spec import SourceSpec, SqlOptions

DEFAULT_URLS = {
    "postgres": "postgresql://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql://root@127.0.0.1:3306/test",
}
DEFAULT_PORTS = {"postgres": 5432, "mariadb": 3306}
CONNECT_TIMEOUT_S = 10
DATABASES_ENV = "HOUSEKEY_DATABASES"
HIDDEN = "***"

Records = tuple[list[str], list[tuple]]


class SourceUnavailable(ReadError):
    """The source database was not read: down, refused, wrong credentials, no such database, or no URL
    configured. ``required`` says whether that fails the source (else it is skipped with a note)."""

    def __init__(self, message: str, required: bool = True) -> None:
        super().__init__(message)
        self.required = required


def databases_mode() -> str:
    """``off``, ``required`` or ``auto`` (the default: a configured URL is required, the local default optional)."""
    mode = (os.environ.get(DATABASES_ENV) or "").strip().lower()
    if mode in ("off", "required"):
        return mode
    if mode:
        raise ValueError(f"{DATABASES_ENV}={mode!r}: expected off or required (or unset)")
    return "required" if os.environ.get("HOUSEKEY_ENV", "").strip().lower() == "production" else "auto"


@dataclass(frozen=True)
class DatabaseUrl:
    """Where a source database is, read from its URL without trusting the URL to be well-formed."""

    dialect: str
    host: str
    port: int
    user: str
    password: str
    database: str
    options: tuple[tuple[str, str], ...] = ()
    secrets: tuple[str, ...] = ()
    """Every form of the URL's credentials that may appear in a driver's message."""
    required: bool = True

    @property
    def where(self) -> str:
        """host:port/database, without the credentials."""
        return f"{self.host}:{self.port}/{self.database}"

    def redact(self, text: object) -> str:
        """``text`` with every form of the credentials replaced by ``***``."""
        text = str(text)
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, HIDDEN)
        return text


def parse_url(url: str, dialect: str, required: bool = True) -> DatabaseUrl:
    """A ``scheme://user:password@host:port/database?options`` URL. The credentials end at the last ``@``,
    so a password may hold ``#``, ``/``, ``?`` or ``@`` written as they are, or percent-encoded."""
    _, separator, rest = url.partition("://")
    if not separator:
        rest = url
    userinfo, _, location = rest.rpartition("@")
    location, _, query = location.partition("?")
    location = location.split("#", 1)[0]
    hostport, _, database = location.partition("/")
    host, colon, port = hostport.rpartition(":")
    if not colon or not port.isdigit():
        host, port = hostport, ""
    user, _, password = userinfo.partition(":")
    secrets = {url, rest, userinfo} if userinfo else set()
    if password:
        secrets |= {password, unquote(password), quote(unquote(password), safe=""), quote_plus(unquote(password))}
    return DatabaseUrl(
        dialect=dialect,
        host=host.strip("[]") or "127.0.0.1",
        port=int(port) if port else DEFAULT_PORTS[dialect],
        user=unquote(user),
        password=unquote(password),
        database=unquote(database),
        options=tuple(parse_qsl(query)),
        secrets=tuple(s for s in secrets if s),
        required=required,
    )


def database_url(spec: SourceSpec) -> DatabaseUrl:
    """The source's database as configured (see the module's rules); raises SourceUnavailable when a
    required source has no URL."""
    assert spec.sql is not None
    configured = os.environ.get(spec.sql.url_env, "").strip()
    if configured:
        return parse_url(configured, spec.format)
    if databases_mode() == "required":
        raise SourceUnavailable(f"source {spec.name}: no {spec.format} URL configured: set ${spec.sql.url_env}")
    return parse_url(DEFAULT_URLS[spec.format], spec.format, required=False)


@contextmanager
def connect(spec: SourceSpec) -> Iterator[object]:
    """A connection to the source's database (psycopg or pymysql), closed afterwards. Raises
    SourceUnavailable, without credentials, when it cannot be opened or is lost."""
    target = database_url(spec)
    try:
        connection = open_database(target)
    except Exception as exc:  # noqa: BLE001 any driver error, a malformed URL option included: never its raw text
        raise SourceUnavailable(
            f"source {spec.name}: cannot reach {spec.format} at {target.where}: {target.redact(_first_line(exc))}",
            target.required,
        ) from None
    try:
        yield connection
    except (ReadError, SourceUnavailable):
        raise
    except Exception as exc:  # noqa: BLE001 a lost connection is known only by its driver's error
        if _is_lost(exc):
            raise SourceUnavailable(
                f"source {spec.name}: lost {spec.format} at {target.where}: {target.redact(_first_line(exc))}",
                target.required,
            ) from None
        table = spec.sql.table if spec.sql else "?"
        raise ReadError(
            f"source {spec.name}: cannot read {spec.format} table {table}: {target.redact(_first_line(exc))}"
        ) from None
    finally:
        connection.close()


def open_database(target: DatabaseUrl):
    """A psycopg or pymysql connection to ``target``; the driver's exceptions as they come (pass their text
    through ``target.redact``)."""
    if target.dialect == "postgres":
        import psycopg

        return psycopg.connect(
            host=target.host,
            port=target.port,
            user=target.user or None,
            password=target.password or None,
            dbname=target.database or None,
            connect_timeout=CONNECT_TIMEOUT_S,
            **dict(target.options),
        )
    import pymysql

    return pymysql.connect(
        host=target.host,
        port=target.port,
        user=target.user or "root",
        password=target.password,
        database=target.database or None,
        charset="utf8mb4",
        connect_timeout=CONNECT_TIMEOUT_S,
    )


def _is_lost(exc: Exception) -> bool:
    """Whether the connection went away (rather than the query being wrong)."""
    import psycopg
    import pymysql

    if isinstance(exc, psycopg.OperationalError):
        return True
    return isinstance(exc, pymysql.MySQLError) and _mysql_code(exc) >= 2000  # client-side codes


def pull(spec: SourceSpec, since: str | None) -> tuple[Delivered, str | None]:
    """Read ``spec.sql.table`` whole or, when the spec has a ``sql.cursor`` and ``since`` is given,
    only the rows whose cursor is greater than ``since``, ordered by the cursor.

    Returns the rows (every value as text: datetimes "2026-03-05 14:30:00", NULL as None, "" as
    None, row numbers 1..n in pull order) and the greatest cursor value pulled as text, or ``since``
    when no row was pulled. Raises SourceUnavailable when the database was not read and
    ReadError when the table cannot be read.
    """
    if not spec.is_database or spec.sql is None:
        raise ReadError(f"source {spec.name}: format {spec.format} is not a database")
    cursor_since = since if spec.sql.cursor is not None else None
    pull_table = _pull_postgres if spec.format == "postgres" else _pull_mariadb
    with connect(spec) as connection:
        header, records = pull_table(connection, spec.sql, cursor_since)
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


def latest_cursor(spec: SourceSpec) -> str | None:
    """The greatest value of the table's cursor column as text, written as ``pull`` writes it (so it
    compares with ``meta.cursors``); None for an empty table. Raises SourceUnavailable."""
    assert spec.sql is not None and spec.sql.cursor is not None
    with connect(spec) as connection:
        if spec.format == "postgres":
            from psycopg import sql

            query = sql.SQL("SELECT max({}) FROM {}").format(
                sql.Identifier(spec.sql.cursor), sql.Identifier(*spec.sql.table.split("."))
            )
            (value,) = connection.execute(query).fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT max({_backquote(spec.sql.cursor)}) FROM {_mariadb_table(spec.sql)}", ())
                (value,) = cursor.fetchone()
    return _text(value)


def _pull_postgres(connection, options: SqlOptions, since: str | None) -> Records:
    from psycopg import sql

    query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(*options.table.split(".")))
    params: list[str] = []
    if options.cursor is not None:
        cursor = sql.Identifier(options.cursor)
        if since is not None:
            query += sql.SQL(" WHERE {} > %s").format(cursor)
            params.append(since)
        query += sql.SQL(" ORDER BY {}").format(cursor)
    connection.read_only = True
    result = connection.execute(query, params)
    return [column.name for column in result.description], result.fetchall()


def _pull_mariadb(connection, options: SqlOptions, since: str | None) -> Records:
    query = f"SELECT * FROM {_mariadb_table(options)}"
    params: tuple[str, ...] = ()
    if options.cursor is not None:
        if since is not None:
            query += f" WHERE {_backquote(options.cursor)} > %s"
            params = (since,)
        query += f" ORDER BY {_backquote(options.cursor)}"
    with connection.cursor() as cursor:
        cursor.execute("START TRANSACTION READ ONLY")
        cursor.execute(query, params)  # params always given, so a '%' in a name is escaped as '%%'
        return [column[0] for column in cursor.description], list(cursor.fetchall())


def _mariadb_table(options: SqlOptions) -> str:
    return ".".join(_backquote(part) for part in options.table.split("."))


def _mysql_code(exc: Exception) -> int:
    return exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0


def _backquote(name: str) -> str:
    return "`" + name.replace("`", "``").replace("%", "%%") + "`"


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
