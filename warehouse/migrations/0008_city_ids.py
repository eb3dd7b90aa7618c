"""City-unique ids: person and business ids get their subdistrict's code (PSN0000000012 -> PSN3101010230000012).

Each subdistrict minted ``PSN0000000001…`` and ``B`` + 10 hex digits on its own, so in the city view two
subdistricts' ids met (decision 6). Every id is rewritten in place, old -> new, in every table of core, tags,
quality, marts and meta that holds one (ids, merge and split history, tag periods, review pairs, the marts' lists),
so tag history, the id registry and reviewers' pairs still name the same people: ``PSN`` + code + the old number
in seven digits (wider if it needs more), ``B`` + code + ``H`` + the old hex digits (what the code now mints for
the same business). Reviewers' decisions name records and houses, not ids, and need nothing.

The subdistrict is the last run's that recorded one (``meta.runs``), else the one town of the house register
(the first nine digits of ``core.houses.committee_code``); a warehouse that holds ids but says neither is refused.
"""

import re

import duckdb

from warehouse.database import quote_literal, quote_name

SCHEMAS = ("core", "tags", "quality", "marts", "meta")
# the columns that hold person or business ids (attributed_to, target_id, member_id hold house ids too: only
# values of the old shapes change)
ID_COLUMNS = (
    *("person_id", "other_person_id", "from_person_id", "counterpart_person_id"),
    *("business_id", "from_business_id", "attributed_to", "target_id", "member_id"),
)
OLD_PERSON, OLD_BUSINESS = "PSN[0-9]{10}", "B[0-9A-F]{10}"
_CODE = re.compile(r"^\d{9}$")
_STRUCT_FIELD = re.compile(r"(?:^STRUCT\(|, )\"?([a-z_]+)\"? VARCHAR(?=[,)])")


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    rewrites = [(s, t, column, new) for s, t, column, new in _rewrites(con) if _old_ids(con, s, t, column)]
    if not rewrites:
        return
    code = quote_literal(_subdistrict(con))
    for schema, table, column, new in rewrites:
        con.execute(
            f"UPDATE {quote_name(schema)}.{quote_name(table)} SET {quote_name(column)} = {new(code)} "
            f"WHERE {_holds_old(quote_name(column))}"
        )


def _rewrites(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(schema, table, column, new value's SQL given the code) for every id column of a base table."""
    columns = con.execute(
        "SELECT c.schema_name, c.table_name, c.column_name, c.data_type FROM duckdb_columns() c "
        "JOIN duckdb_tables() t USING (database_name, schema_name, table_name) "
        "WHERE c.database_name = current_database() AND list_contains(?, c.schema_name) ORDER BY ALL",
        [list(SCHEMAS)],
    ).fetchall()
    found = []
    for schema, table, column, kind in columns:
        if kind == "VARCHAR" and column in ID_COLUMNS:
            found.append((schema, table, column, lambda code, c=column: _new_id(quote_name(c), code)))
        elif kind.startswith("STRUCT(") and kind.endswith(")[]"):  # a list of (person_id, name): house_profiles
            fields = [f for f in _STRUCT_FIELD.findall(kind.removesuffix("[]")) if f in ID_COLUMNS]
            if fields:
                found.append((schema, table, column, lambda code, c=column, f=fields: _new_ids_in_list(c, f, code)))
    return found


def _old_ids(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> bool:
    return (
        con.execute(
            f"SELECT count(*) FROM {quote_name(schema)}.{quote_name(table)} WHERE {_holds_old(quote_name(column))}"
        ).fetchone()[0]
        > 0
    )


def _holds_old(column: str) -> str:
    """True for a row whose column holds an id of the old shape (anywhere in a list of structs)."""
    return f"regexp_matches(CAST({column} AS VARCHAR), '(^|[^0-9A-Za-z])({OLD_PERSON}|{OLD_BUSINESS})($|[^0-9A-Za-z])')"


def _new_id(value: str, code: str) -> str:
    return (
        f"CASE WHEN regexp_full_match({value}, '{OLD_PERSON}') "
        f"THEN 'PSN' || {code} || printf('%07d', CAST(substr({value}, 4) AS BIGINT)) "
        f"WHEN regexp_full_match({value}, '{OLD_BUSINESS}') THEN 'B' || {code} || 'H' || substr({value}, 2) "
        f"ELSE {value} END"
    )


def _new_ids_in_list(column: str, fields: list[str], code: str) -> str:
    updates = ", ".join(f"{quote_name(f)} := {_new_id(f'item.{quote_name(f)}', code)}" for f in fields)
    return f"list_transform({quote_name(column)}, lambda item: struct_update(item, {updates}))"


def _subdistrict(con: duckdb.DuckDBPyConnection) -> str:
    """The last run's recorded subdistrict (meta.runs has the column since 0001), else the register's one town."""
    recorded = con.execute(
        "SELECT subdistrict FROM meta.runs WHERE subdistrict IS NOT NULL ORDER BY started_at DESC LIMIT 1"
    ).fetchall()
    if recorded and _CODE.match(recorded[0][0]):
        return recorded[0][0]
    houses = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'core' AND table_name = 'houses'"
    ).fetchone()[0]
    towns = (
        [
            town
            for (town,) in con.execute(
                "SELECT DISTINCT left(committee_code, 9) FROM core.houses "
                "WHERE regexp_full_match(committee_code, '[0-9]{12}') ORDER BY 1"
            ).fetchall()
        ]
        if houses
        else []
    )
    if len(towns) != 1:
        raise ValueError(
            f"cannot tell which subdistrict this warehouse is (its register holds {len(towns)} towns and no run "
            "recorded its subdistrict), so its person and business ids cannot be made unique in the city"
        )
    return towns[0]
