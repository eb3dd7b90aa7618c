"""Load the sample world's database tables (databases/*.json) into the real PostgreSQL and MariaDB.

Each seed file holds one table: dialect, table, key, columns [[name, sql type]] and rows. The
table is dropped and created afresh. A server that cannot be reached is skipped with a note, so
the demo runs on a laptop without database servers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from connectors.readers.sql import open_database, parse_url

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MARIADB_URL = "mysql://root@127.0.0.1:3306/test"


def seed_databases(samples: Path) -> list[str]:
    """Seed every table under samples/databases; return one line per table loaded or server skipped."""
    seeds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((samples / "databases").glob("*.json"))]
    notes = []
    for dialect, load in (("postgres", _load_postgres), ("mariadb", _load_mariadb)):
        tables = [s for s in seeds if s["dialect"] == dialect]
        if tables:
            notes.extend(load(tables))
    unknown = sorted({s["dialect"] for s in seeds} - {"postgres", "mariadb"})
    notes.extend(f"skipped dialect {d}: no loader" for d in unknown)
    return notes


def _load_postgres(tables: list[dict]) -> list[str]:
    from psycopg import sql

    target = parse_url(os.environ.get("HOUSEKEY_PG_URL", PG_URL), "postgres")
    try:
        connection = open_database(target)
    except Exception as exc:  # noqa: BLE001 the driver's text only through redact: a password may be in a malformed URL
        return [
            f"PostgreSQL not reachable at {target.where}, skipped {_names(tables)}: {target.redact(_first_line(exc))}"
        ]
    with connection:
        for seed in tables:
            table, names = sql.Identifier(seed["table"]), [sql.Identifier(c) for c, _ in seed["columns"]]
            types = [sql.SQL(t) for _, t in seed["columns"]]
            definitions = sql.SQL(", ").join(sql.SQL("{} {}").format(n, t) for n, t in zip(names, types, strict=False))
            connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
            connection.execute(
                sql.SQL("CREATE TABLE {} ({}, PRIMARY KEY ({}))").format(
                    table, definitions, sql.Identifier(seed["key"])
                )
            )
            copy_in = sql.SQL("COPY {} ({}) FROM STDIN").format(table, sql.SQL(", ").join(names))
            with connection.cursor().copy(copy_in) as copy:
                for row in seed["rows"]:
                    copy.write_row(row)
    return [f"PostgreSQL {target.where}: {seed['table']} ({len(seed['rows'])} rows)" for seed in tables]


def _load_mariadb(tables: list[dict]) -> list[str]:
    target = parse_url(os.environ.get("HOUSEKEY_MARIADB_URL", MARIADB_URL), "mariadb")
    try:
        connection = open_database(target)
    except Exception as exc:  # noqa: BLE001 the driver's text only through redact
        return [f"MariaDB not reachable at {target.where}, skipped {_names(tables)}: {target.redact(_first_line(exc))}"]
    with connection, connection.cursor() as cursor:
        for seed in tables:
            table = f"`{seed['table']}`"
            names = ", ".join(f"`{c}`" for c, _ in seed["columns"])
            definitions = ", ".join(f"`{c}` {t}" for c, t in seed["columns"])
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} ({definitions}, PRIMARY KEY (`{seed['key']}`)) "
                "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"
            )
            placeholders = ", ".join(["%s"] * len(seed["columns"]))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", seed["rows"])
        connection.commit()
    return [f"MariaDB {target.where}: {seed['table']} ({len(seed['rows'])} rows)" for seed in tables]


def _names(tables: list[dict]) -> str:
    return ", ".join(seed["table"] for seed in tables)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
