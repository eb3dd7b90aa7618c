"""City person records: one row per person of a subdistrict, with what the person model compares.

Read from the subdistrict warehouse's ``core.people`` (the person's most written name, sex, birth date,
ID number, phone and house) and written to ``<root>/identity.people/_subdistrict=<code>/part.parquet``,
the city views' layout. ``core.people`` keeps whole numbers only: a person whose records show a phone or ID number
masked (``163****6259``), and never whole, would reach the city with neither, and the model's "masked phone fits"
and "masked ID number fits" levels could never speak across subdistricts. Such a person takes the mask their
records write most (``written_masks``). These files hold personal data in clear: the root is the city identity zone,
never the analysts' Parquet (warehouse/city.py), whose masked names and birth years cannot be linked.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from resolution.identity.identifiers import name_sound, read_id_number, read_name, read_phones
from warehouse.city import PARTITION
from warehouse.database import VAR_FOLDER

CITY_IDENTITY_ENV = "HOUSEKEY_CITY_IDENTITY"
TABLE = "identity.people"
_CODE = re.compile(r"^\d{9}$")
COLUMNS = {  # what the person model compares, and the person it stands for
    "subdistrict": pa.string(),
    "person_id": pa.string(),
    "name": pa.string(),
    "name_sound": pa.string(),
    "surname": pa.string(),
    "sex": pa.string(),
    "birth_date": pa.date32(),
    "phone": pa.string(),
    "phone_head": pa.string(),
    "phone_tail": pa.string(),
    "house_id": pa.string(),
    "id18": pa.string(),
    "id_tail": pa.string(),
    "id_division": pa.string(),
}
SCHEMA = pa.schema(list(COLUMNS.items()))


# every phone and ID number each person's records write (subjects, and the other parties an event or a lease names)
WRITTEN_SQL = """
SELECT DISTINCT p.person_id, r.phone, r.id_number FROM _person_rows r
JOIN (SELECT record_id, 'subject' AS party, person_id FROM core.person_records
      UNION ALL SELECT record_id, party, person_id FROM core.person_counterparts) p
  ON p.record_id = r._record_id AND p.party = r.party
WHERE r.phone IS NOT NULL OR r.id_number IS NOT NULL
ORDER BY ALL
"""


def written_masks(written: list[tuple]) -> dict[str, tuple[str | None, str | None]]:
    """(person_id, phone as written, ID number as written) rows -> person_id: (the masked phone, the masked ID
    number) their records write most (ties: the first in order), None where they write none."""
    phones: dict[str, Counter] = defaultdict(Counter)
    numbers: dict[str, Counter] = defaultdict(Counter)
    for person_id, phone, id_number in written:
        for ph in read_phones(phone):
            if ph.number is None and ph.head and ph.tail:
                phones[person_id][ph.written] += 1
        idn = read_id_number(id_number)
        if idn and idn.pattern and idn.number is None:
            numbers[person_id][idn.pattern] += 1

    def most(counts: Counter | None) -> str | None:
        return min(counts, key=lambda v: (-counts[v], v)) if counts else None

    return {p: (most(phones.get(p)), most(numbers.get(p))) for p in phones.keys() | numbers.keys()}


def person_features(
    subdistrict: str, people: list[tuple], masks: dict[str, tuple[str | None, str | None]] | None = None
) -> pa.Table:
    """(person_id, name, sex, birth_date, id_number, phone, house_id) rows -> the model's columns; a person without a
    whole phone or ID number takes its mask from ``masks`` (``written_masks``), if their records write one."""
    columns: dict[str, list] = {c: [] for c in COLUMNS}
    masks = masks or {}
    for person_id, name, sex, birth_date, id_number, phone, house_id in people:
        masked_phone, masked_id = masks.get(person_id, (None, None))
        phone, id_number = phone or masked_phone, id_number or masked_id
        full, surname, _ = read_name(name)
        idn = read_id_number(id_number)
        usable = idn if idn and idn.pattern else None
        ph = next(iter(read_phones(phone)), None)
        row = {
            "subdistrict": subdistrict,
            "person_id": person_id,
            "name": full,
            "name_sound": name_sound(full),
            "surname": surname,
            "sex": sex if sex in ("M", "F") else (usable.sex if usable else None),
            "birth_date": birth_date or (usable.birth_date if usable else None),
            "phone": ph.number if ph else None,
            "phone_head": ph.head if ph else None,
            "phone_tail": ph.tail if ph else None,
            "house_id": house_id,
            "id18": usable.number if usable else None,
            "id_tail": usable.tail if usable else None,
            "id_division": usable.division if usable else None,
        }
        for column, value in row.items():
            columns[column].append(value)
    return pa.table(columns, schema=SCHEMA)


def city_identity_root() -> Path:
    """The city identity zone: ``$HOUSEKEY_CITY_IDENTITY`` or ``<repo>/var/city_identity``."""
    return Path(os.environ.get(CITY_IDENTITY_ENV) or VAR_FOLDER / "city_identity")


def partition_file(root: Path, subdistrict: str) -> Path:
    if not _CODE.match(subdistrict):
        raise ValueError(f"subdistrict {subdistrict!r} is not a 9-digit code such as 310101023")
    return root / TABLE / f"{PARTITION}={subdistrict}" / "part.parquet"


def export_person_records(warehouse: Path, subdistrict: str, root: Path) -> Path:
    """Write the subdistrict's people to its partition, replacing its last export with one rename."""
    target = partition_file(root, subdistrict)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        people = con.execute(
            "SELECT person_id, name, sex, birth_date, id_number, phone, house_id FROM core.people ORDER BY person_id"
        ).fetchall()
        masks = written_masks(_written(con))
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name("part.parquet.new")  # a reader globbing *.parquet never sees half a file
    pq.write_table(person_features(subdistrict, people, masks), fresh)
    os.replace(fresh, target)
    return target


def _written(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every phone and ID number the persons' records write (``WRITTEN_SQL``); none in a warehouse holding
    ``core.people`` alone."""
    from resolution.identity.people import stage_records
    from warehouse.catalogue import table_exists

    if not all(table_exists(con, "core", t) for t in ("person_records", "person_counterparts")):
        return []
    stage_records(con)  # a temporary table: the warehouse is open read-only
    return con.execute(WRITTEN_SQL).fetchall()


def partition_glob(root: Path) -> str:
    """Every subdistrict's exported people, as one glob for DuckDB and Spark alike."""
    return str(root / TABLE / f"{PARTITION}=*" / "part.parquet")
