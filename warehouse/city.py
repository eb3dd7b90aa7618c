"""The city view: every subdistrict's analyst copy exported to Parquet on shared storage, one Hive
partition per subdistrict, and DuckDB views that read all of them as one table each.

No file ever holds the whole city. A subdistrict's export replaces its own files only, each with one
rename, so a reader of the city view sees a subdistrict's old tables or its new ones, never half.
The copies are already masked (warehouse/publish.py); with one ``HOUSEKEY_TOKEN_KEY`` for the city a
person's token is the same in every subdistrict, so the view joins and counts people across them.

Person and business ids carry their subdistrict's code (decision 6): no two subdistricts share one, so
``tags.person_tags JOIN core.people USING (person_id)`` pairs only a subdistrict's own. A ``record_id`` or
``event_id`` names a delivered row or a source's reference instead, and a district file landed by several
subdistricts gives each the same: join those ``USING (record_id, _subdistrict)``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from warehouse import catalogue
from warehouse.database import quote_literal, quote_name

CITY_PARQUET_ENV = "HOUSEKEY_CITY_PARQUET"
PARTITION = "_subdistrict"  # provenance, like _source and _file_name: no table has it
EXPORTED_SCHEMAS = ("core", "marts", "tags", "meta")
_CODE = re.compile(r"^\d{9}$")


def export_analyst_copy(
    analyst: Path, subdistrict: str, root: Path, schemas: tuple[str, ...] = EXPORTED_SCHEMAS
) -> list[Path]:
    """Write every table of the analyst copy's ``schemas`` to ``root/<schema>.<table>/_subdistrict=<code>/part.parquet``
    and drop the subdistrict's files of tables it no longer has; the files written."""
    if not _CODE.match(subdistrict):
        raise ValueError(f"subdistrict {subdistrict!r} is not a 9-digit code such as 310101023")
    written = []
    with duckdb.connect(str(analyst), read_only=True) as con:
        for schema, table in catalogue.base_tables(con, schemas):
            if PARTITION in catalogue.columns(con, schema, table):
                raise ValueError(
                    f"{analyst}: table {schema}.{table} has a column {PARTITION!r}, the city view's partition column"
                )
            target = root / f"{schema}.{table}" / f"{PARTITION}={subdistrict}" / "part.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            fresh = target.with_name("part.parquet.new")  # not matched by the views' *.parquet
            con.execute(
                f"COPY (SELECT * FROM {quote_name(schema)}.{quote_name(table)}) TO {quote_literal(str(fresh))} "
                "(FORMAT parquet)"
            )
            os.replace(fresh, target)
            written.append(target)
    for stale in set(root.glob(f"*/{PARTITION}={subdistrict}/part.parquet")) - set(written):
        stale.unlink()
    return written


def city_views(con: duckdb.DuckDBPyConnection, root: Path) -> list[str]:
    """Create (or replace) one view ``<schema>.<table>`` per exported table over every subdistrict's files, with
    the ``subdistrict`` column; the views' names."""
    views = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob(f"{PARTITION}=*/part.parquet"))):
        schema, table = folder.name.split(".", 1)
        # folder names on shared storage are data: quoted, never spliced
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_name(schema)}")
        files = quote_literal(str(folder / f"{PARTITION}=*" / "part.parquet"))
        con.execute(
            f"CREATE OR REPLACE VIEW {quote_name(schema)}.{quote_name(table)} AS SELECT * FROM "
            f"read_parquet({files}, hive_partitioning = true, hive_types = {{'{PARTITION}': VARCHAR}}, "
            "union_by_name = true)"
        )
        views.append(f"{schema}.{table}")
    return views
