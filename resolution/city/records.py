"""City person records: one row per person of a subdistrict, with what the person model compares.

Read from the subdistrict warehouse's ``core.people`` (the person's most written name, sex, birth date,
ID number, phone and house) and written to ``<root>/identity.people/_subdistrict=<code>/part.parquet``,
the city views' layout. These files hold personal data in clear: the root is the city identity zone,
never the analysts' Parquet (warehouse/city.py), whose masked names and birth years cannot be linked.
"""

from __future__ import annotations

import os
import re
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


def person_features(subdistrict: str, people: list[tuple]) -> pa.Table:
    """(person_id, name, sex, birth_date, id_number, phone, house_id) rows -> the model's columns."""
    columns: dict[str, list] = {c: [] for c in COLUMNS}
    for person_id, name, sex, birth_date, id_number, phone, house_id in people:
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
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name("part.parquet.new")  # a reader globbing *.parquet never sees half a file
    pq.write_table(person_features(subdistrict, people), fresh)
    os.replace(fresh, target)
    return target


def partition_glob(root: Path) -> str:
    """Every subdistrict's exported people, as one glob for DuckDB and Spark alike."""
    return str(root / TABLE / f"{PARTITION}=*" / "part.parquet")
