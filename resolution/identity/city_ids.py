"""Ids unique in the city: every id a subdistrict mints carries its 9-digit town code (decision 6).

A person is ``PSN`` + the code + a 7-digit number counted on per subdistrict (``PSN3101010230000001``; the
number widens past 9,999,999 rather than wrap), a business ``B`` + the code + ``H`` + 10 hex digits of its
anchor's hash (``B310101023H035DE0DA9D``: the ``H`` ends the code's run of digits, which with the hash's could
read as an ID number and be masked in the analyst copy). So two subdistricts' warehouses never mint the same id,
and the city view joins them as they are.

Which subdistrict a warehouse is: the partition the pipeline runs (its ``dagster/partition``), else the last
run that recorded one (``meta.runs``), else the one town of its house register (``core.houses``, the first
nine digits of every committee code).
"""

from __future__ import annotations

import re

import duckdb

from warehouse.catalogue import table_exists

PERSON_PREFIX, BUSINESS_PREFIX = "PSN", "B"
PERSON_DIGITS = 7
_CODE = re.compile(r"^\d{9}$")


class UnknownSubdistrict(ValueError):
    """Nothing says which subdistrict the warehouse is, so no id can be minted; the message says why."""


def person_prefix(code: str) -> str:
    return f"{PERSON_PREFIX}{code}"


def person_id(code: str, number: int) -> str:
    """The ``number``-th person id minted in subdistrict ``code``."""
    return f"{person_prefix(code)}{number:0{PERSON_DIGITS}d}"


def business_prefix(code: str) -> str:
    return f"{BUSINESS_PREFIX}{code}H"


def subdistrict_code(con: duckdb.DuckDBPyConnection, given: str | None = None) -> str:
    """The 9-digit code of the subdistrict whose warehouse ``con`` is (see the module's docstring)."""
    if given:
        if not _CODE.match(given):
            raise UnknownSubdistrict(f"subdistrict {given!r} is not a 9-digit code such as 310101023")
        return given
    if table_exists(con, "meta", "runs"):
        recorded = con.execute(
            "SELECT subdistrict FROM meta.runs WHERE subdistrict IS NOT NULL ORDER BY started_at DESC LIMIT 1"
        ).fetchall()
        if recorded and _CODE.match(recorded[0][0]):
            return recorded[0][0]
    towns = []
    if table_exists(con, "core", "houses"):
        towns = [
            town
            for (town,) in con.execute(
                "SELECT DISTINCT left(committee_code, 9) FROM core.houses "
                "WHERE regexp_full_match(committee_code, '[0-9]{12}') ORDER BY 1"
            ).fetchall()
        ]
    if len(towns) == 1:
        return towns[0]
    found = f"its house register holds {len(towns)} towns ({', '.join(towns[:5])})" if towns else "it has no houses"
    raise UnknownSubdistrict(
        f"cannot tell which subdistrict this warehouse is, so no id can be minted: {found} and no run recorded "
        "its subdistrict; run it as a partition of $HOUSEKEY_SUBDISTRICTS"
    )
