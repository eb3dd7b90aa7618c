"""A delivery's business records linked without linking every record again (issue 18).

Linking is a function of the distinct (credit_code, legal_name, shop_name, phone, house_id) signatures, in their
sorted order, and of the reviewers' decisions (``businesses.link_signatures``). Each linking keeps its result per
signature in ``core.business_signatures``. When the only change since is new records (every record linked before
is there, unchanged; decisions and code as they were), what linking every signature would give is known without it:

- the cascade reads and writes a business only through its credit code or a house it is at (``by_code``,
  ``by_house``), and a business is at a house only when made there or when a record of its code carries that
  house. Joining each house to each valid credit code a signature carries with it splits the signatures into
  groups that share no business: a group no new signature reaches links as before, and a reached group links as
  the cascade over that group alone links it, its steps being the same ones in the same order;
- a signature with neither house nor valid code is linked last, against every business, writing none: it links
  as before while the businesses of the reached groups that its names or phone point at are the same ones.

A new signature with neither house nor valid code would be compared with every business, and an earlier linking
the cascade does not give again on a reached group is not trusted: then every record is linked again.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb
import pyarrow as pa

from schemas.identifiers import valid_credit_code

TABLE = "core.business_signatures"
SIGNATURE = ("credit_code", "legal_name", "shop_name", "phone", "house_id")
LINK = ("anchor", "match_rule", "match_weight", "evidence", "doubtful")
SCHEMA = pa.schema(
    [(name, pa.string()) for name in SIGNATURE]
    + [
        ("anchor", pa.string()),
        ("match_rule", pa.string()),
        ("match_weight", pa.float64()),
        ("evidence", pa.string()),
        ("doubtful", pa.bool_()),
        ("business_id", pa.string()),
        ("records", pa.int64()),
    ]
)


def valid_codes(signatures: dict[tuple, tuple], new: set[tuple]) -> dict[tuple, str | None]:
    """Each signature's valid credit code: the stored ones' from their link (a code links by rule ``credit_code``
    to the business ``code:<code>``), the new ones' checked."""
    codes = {s: row[0].removeprefix("code:") if row[1] == "credit_code" else None for s, row in signatures.items()}
    return codes | {s: valid_credit_code(s[0]) for s in new}


def _node(signature: tuple, code: str | None) -> tuple[str, str] | None:
    """What ties a signature to businesses in the cascade before its houseless pass: its house, else its valid code."""
    house = signature[4]
    return ("house", house) if house is not None else ("code", code) if code else None


def reached(codes: dict[tuple, str | None], new: set[tuple]) -> set[tuple]:
    """The signatures (of ``codes``: signature -> valid credit code) sharing a group (houses and valid codes carried
    together) with one of ``new``."""
    parent: dict[tuple, tuple] = {}

    def root(node: tuple) -> tuple:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for signature, code in codes.items():
        if code and signature[4] is not None:
            parent[root(("code", code))] = root(("house", signature[4]))
    roots = {root(_node(s, codes[s])) for s in new}
    return {s for s, code in codes.items() if (node := _node(s, code)) is not None and root(node) in roots}


def houseless(signature: tuple, code: str | None) -> bool:
    """Linked in the cascade's last pass, against every business."""
    return _node(signature, code) is None


def write(con: duckdb.DuckDBPyConnection, rows: dict[tuple, tuple]) -> None:
    """``core.business_signatures`` from signature -> (anchor, rule, weight, evidence, doubtful, business_id, records)."""
    columns = defaultdict(list)
    for signature, link in rows.items():
        for name, value in zip(SCHEMA.names, (*signature, *link), strict=True):
            columns[name].append(value)
    con.register("_signatures", pa.table(columns, schema=SCHEMA) if rows else SCHEMA.empty_table())
    con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM _signatures")
    con.unregister("_signatures")


def read(con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    """The latest linking per signature: signature -> (anchor, rule, weight, evidence, doubtful, business_id, records)."""
    return {row[:5]: row[5:] for row in con.execute(f"SELECT * FROM {TABLE}").fetchall()}
