"""Hostile names and values through the whole pipeline (landing -> staging -> publish) on real files and the
real PostgreSQL server: headers, sheet names, JSON keys and database column names written as SQL, as ID
numbers and phones, with quotes and control characters. Every name stays data: the run succeeds, and a scan
of every column name and every value of the analyst copy finds no ID number, no phone and no host-file text."""

import json
import re
import shutil
import unicodedata
from pathlib import Path

import duckdb
import psycopg
import pytest
from dagster import DagsterInstance, materialize
from openpyxl import Workbook
from psycopg import sql

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from data_samples.generator.seed import PG_URL
from pipelines.definitions import pipeline_assets, warehouse_resources
from warehouse.privacy import mask_text

REPO = Path(__file__).resolve().parents[2]
HOST_MARKER = "HOSTFILE-7f3a9c-MARKER"
PG_TABLE = "hostile_cases"
# identifiers of people who exist only in this test, in the forms S4 named
SECRET_IDS = ["310101198506157779", "310104199002283118", "11010519491231002X"]
SECRET_PHONES = ["13812345670", "13987654321", "15000001111"]
S4_FORMS = [
    f"sfz{SECRET_IDS[0]}",
    f"tel{SECRET_PHONES[0]}",
    f"身份证{SECRET_IDS[1]}",
    "310101-19850615-7779",
    "138.1234.5670",
    "138 1234 5670",
    "１３９８７６５４３２１",
    "1\u200b3\u200b8\u200b1234\u200b5670",
    "+8613987654321",
    "008615000001111",
    "86-13812345670",
    "3101041990\u200b02283118",
    "310104 1990 0228 3118",
    "110105********002X",
    f"联系人电话{SECRET_PHONES[2]}，身份证{SECRET_IDS[2]}",
]


def hostile_names(host_file: Path) -> list[str]:
    leak = "(SELECT string_agg(id_number || ' ' || phone, ',') FROM staging.household_registration)"
    return [
        f'姓名" , {leak} AS leak, "姓名',
        f"x\" , read_text('{host_file}') AS host, \"x",
        '"',
        "it's",
        SECRET_IDS[0],
        f"tel{SECRET_PHONES[1]}",
        "bell\x07\x00name",
        "长" * 400,
        "名\u200b字",
    ]


def _write_employment(folder: Path, names: list[str]) -> None:
    source = SAMPLES / "landing" / "employment" / "就业失业登记_202611.csv"
    raw = source.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gbk")
    lines = text.splitlines()
    header = lines[0].split(",") + ['"' + n.replace('"', '""') + '"' for n in names]
    rows = [
        line + "," + ",".join(S4_FORMS[i % len(S4_FORMS)] for i in range(j, j + len(names)))
        for j, line in enumerate(lines[1:40])
    ]
    folder.mkdir(parents=True)
    (folder / "就业失业登记_202611.csv").write_text("\n".join([",".join(header), *rows]) + "\n", encoding="utf-8")


def _write_market_entities(folder: Path, names: list[str]) -> None:
    document = json.loads((SAMPLES / "landing" / "market_entities" / "市场主体登记_20261101.json").read_text("utf-8"))
    for i, record in enumerate(document["data"]):
        record.update({name: S4_FORMS[(i + k) % len(S4_FORMS)] for k, name in enumerate(names)})
    folder.mkdir(parents=True)
    (folder / "市场主体登记_20261101.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def valid_id(first17: str) -> str:
    """An ID number with its check character (GB 11643)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=False)) % 11]


def _write_conscription(folder: Path, names: list[str]) -> None:
    book = Workbook()
    sheets = ["x'||getenv('HOME')||'x", 'q" ; DROP TABLE raw.employment; --'[:31], SECRET_PHONES[2]]
    columns = ["姓名", "身份证号", "联系电话", "现居住地址", *(n.replace("\x00", "") for n in names[:4])]
    for number, title in enumerate(sheets):
        sheet = book.active if number == 0 else book.create_sheet()
        sheet.title = title
        sheet.append(columns)
        for i in range(5):  # young men of conscription age, one ID number each
            sheet.append(
                [
                    "张三",
                    valid_id(f"31010120070{number + 1}{i + 10}{i + 100}"),
                    f"139{number}{i:03d}4567",
                    "陕西南路8弄1号101室",
                    *(S4_FORMS[(i + k) % len(S4_FORMS)] for k in range(4)),
                ]
            )
    folder.mkdir(parents=True)
    book.save(folder / "征兵登记_2026.xlsx")


def _create_pg_table(names: list[str]) -> None:
    columns = [
        "case_no",
        "shop_name",
        "address",
        "description",
        "filed_at",
        "status",
        "updated_at",
        *(n.replace("\x00", "") for n in names),
    ]
    with psycopg.connect(PG_URL) as connection:
        connection.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(PG_TABLE)))
        connection.execute(
            sql.SQL("CREATE TABLE {} ({})").format(
                sql.Identifier(PG_TABLE),
                sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns),
            )
        )
        for i in range(6):
            values = [
                f"C{i:04d}",
                "木子便利店",
                "陕西南路8弄1号",
                S4_FORMS[i],
                "2026-10-01 10:00:00",
                "立案",
                f"2026-10-0{i + 1} 10:00:00",
                *(S4_FORMS[(i + k) % len(S4_FORMS)] for k in range(len(names))),
            ]
            connection.execute(
                sql.SQL("INSERT INTO {} VALUES ({})").format(
                    sql.Identifier(PG_TABLE), sql.SQL(", ").join(sql.Placeholder() * len(values))
                ),
                values,
            )


def _digit_runs(text: str) -> list[str]:
    """Digits as a reader would see them: full-width as ASCII, invisible characters dropped, one separator
    between digits ignored (an independent reading, not the publisher's own patterns)."""
    readable = "".join(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c) != "Cf")
    return [
        re.sub(r"[^0-9Xx]", "", run) for run in re.findall(r"[0-9](?:[^0-9A-Za-z\u4e00-\u9fff]?[0-9Xx])*", readable)
    ]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    host_file = root / "host_secret.txt"
    host_file.write_text(HOST_MARKER)
    names = hostile_names(host_file)
    landing, sources = root / "landing", root / "sources"
    sources.mkdir()
    for name in ("address_register", "household_registration", "employment", "market_entities", "conscription"):
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", sources)
    for name in ("address_register", "household_registration"):
        shutil.copytree(SAMPLES / "landing" / name, landing / name)
    spec = (REPO / "connectors" / "sources" / "urban_management_cases.yaml").read_text(encoding="utf-8")
    (sources / "urban_management_cases.yaml").write_text(
        spec.replace("table: urban_cases", f"table: {PG_TABLE}"), encoding="utf-8"
    )
    _write_employment(landing / "employment", names)
    _write_market_entities(landing / "market_entities", names)
    _write_conscription(landing / "conscription", names)
    _create_pg_table(names)
    warehouse = root / "warehouse" / "housekey.duckdb"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOUSEKEY_LANDING", str(landing))
        env.setenv("HOUSEKEY_WAREHOUSE", str(warehouse))
        env.setenv("HOUSEKEY_PG_URL", PG_URL)
        env.delenv("HOUSEKEY_SUBDISTRICTS", raising=False)
        with DagsterInstance.ephemeral() as instance:
            result = materialize(
                pipeline_assets(load_registry(sources)),
                resources=warehouse_resources(),
                instance=instance,
                raise_on_error=False,
            )
    return result, warehouse, names


def test_the_run_with_hostile_names_succeeds_and_keeps_every_name_as_data(hostile_run):
    result, warehouse, names = hostile_run
    assert result.success, [e.step_key for e in result.all_events if e.is_step_failure]
    assert (warehouse.stat().st_mode & 0o777, warehouse.parent.stat().st_mode & 0o777) == (0o600, 0o700)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = {
            c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw'").fetchall()
        }
        landed = dict(con.execute("SELECT source, sum(rows_loaded) FROM meta.deliveries GROUP BY 1").fetchall())
        notes = " ".join(
            n for (n,) in con.execute("SELECT notes FROM meta.deliveries WHERE notes IS NOT NULL").fetchall()
        )
    assert {names[0], names[1], '"', "it's", SECRET_IDS[0]} <= stored  # stored under their own names
    assert not {"leak", "host"} & stored
    assert "bell\\x07\\x00name" in stored and "of column" in notes  # control characters escaped, and said so
    assert landed["employment"] == 39 and landed["urban_management_cases"] == 6 and landed["conscription"] == 15
    with duckdb.connect(str(warehouse), read_only=True) as con:  # and staged, hostile columns kept in _extra
        staged = dict(
            con.execute(
                "SELECT 'employment', count(*) FROM staging.employment UNION ALL "
                "SELECT 'conscription', count(*) FROM staging.conscription UNION ALL "
                "SELECT 'urban_management_cases', count(*) FROM staging.urban_management_cases"
            ).fetchall()
        )
        extra = con.execute("SELECT _extra FROM staging.employment LIMIT 1").fetchone()[0]
    assert staged["conscription"] == 15 and staged["urban_management_cases"] == 6
    assert staged["employment"] >= 35  # the sample file's own bad rows are quarantined as always
    assert names[0] in json.loads(extra)


def _scan(con: duckdb.DuckDBPyConnection):
    """Every column name and every value (lists, structs and JSON as their text) of every table."""
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()
    for schema, table in tables:
        yield f"{schema}.{table}"
        columns = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?", [schema, table]
            ).fetchall()
        ]
        yield from columns
        for (column,) in [(c,) for c in columns]:
            quoted = '"' + column.replace('"', '""') + '"'
            for (value,) in con.execute(
                f'SELECT DISTINCT CAST({quoted} AS VARCHAR) FROM "{schema}"."{table}" WHERE {quoted} IS NOT NULL'
            ).fetchall():
                yield value


def test_the_analyst_copy_holds_no_identifier_and_no_host_file(hostile_run):
    _result, warehouse, _ = hostile_run
    analyst = warehouse.with_name("analyst.duckdb")
    with duckdb.connect(str(warehouse), read_only=True) as con:  # every ID number and phone the warehouse knows
        known = {
            v
            for (v,) in con.execute(
                "SELECT DISTINCT id_number FROM staging.household_registration WHERE id_number IS NOT NULL UNION "
                "SELECT DISTINCT id_number FROM staging.employment WHERE id_number IS NOT NULL UNION "
                "SELECT DISTINCT phone FROM staging.employment WHERE phone IS NOT NULL UNION "
                "SELECT DISTINCT id_number FROM staging.conscription WHERE id_number IS NOT NULL UNION "
                "SELECT DISTINCT phone FROM staging.conscription WHERE phone IS NOT NULL"
            ).fetchall()
        }
    known = {re.sub("[^0-9Xx]", "", k) for k in known} | set(SECRET_IDS) | set(SECRET_PHONES)
    known = {k for k in known if len(k) >= 11}
    scanned, hits = 0, []
    with duckdb.connect(str(analyst), read_only=True) as con:
        for text in _scan(con):
            scanned += 1
            windows = {
                run[i : i + size]
                for run in _digit_runs(text)
                for size in (11, 15, 18)
                for i in range(len(run) - size + 1)
            }
            if HOST_MARKER in text or windows & known or mask_text(text) != text:
                hits.append(text)
    print(f"scanned {scanned} column names and values against {len(known)} identifiers: {len(hits)} hits")
    assert scanned > 50_000 and len(known) > 1_000
    assert hits == []
