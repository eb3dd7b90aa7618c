"""District deliveries are read once and routed: every row of a district file (or of a district-wide database
pull) reaches exactly one subdistrict's landing zone, or is counted out of area, or quarantined with its reason
(delivered = routed + out of area + quarantined, per delivery). The subdistricts are the sample's 瑞金二路街道 and a
generated 淮海中路街道 (registers only, each built in its own warehouse); the district files are written here by hand,
with rows of both, rows outside both, a row without an address, a road both registers hold, and rows no reader can
split. The database case runs against the real local PostgreSQL server."""

import csv
import shutil
import uuid
from pathlib import Path

import duckdb
import psycopg
import pytest
from dagster import DagsterInstance, materialize
from openpyxl import Workbook
from typer.testing import CliRunner

from commands.housekey import app
from connectors.readers.sql import DEFAULT_URLS
from connectors.spec import load_registry
from pipelines.partitions import partitioned, subdistrict_partitions
from pipelines.resources import warehouse_resources
from pipelines.sources import raw_asset
from resolution.address.register import build_core_houses
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.routing import district_routing, ledger_path, route_district
from warehouse.staging import stage
from warehouse.subdistricts import read_subdistricts

SAMPLE, SECOND = "310101023", "310101022"
SHARED_ROAD = "复兴中路"  # a road of both registers: without a door it could be either subdistrict's
FOOD = "食品经营许可_202611.csv"
HOTLINE = "12345工单_202610.xlsx"
FOOD_HEADER = "许可证编号,经营者名称,社会信用代码,经营场所,主体业态,经营项目,有效期至,发证日期"
URL_ENV = "HOUSEKEY_TEST_DISTRICT_PG_URL"


def _houses(landing: Path, count: int) -> list[str]:
    """``count`` standard addresses spread over a register's file."""
    path = next((landing / "address_register").glob("*.csv"))
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return [row["标准地址"] for row in rows[:: len(rows) // count][:count]]


def _food_file(folder: Path, ours: list[str], theirs: list[str]) -> dict[int, str]:
    """The district's food licences by hand; the destination expected for each line number."""
    lines, expected = [FOOD_HEADER], {}

    def add(address: str, expect: str, name: str = "某餐饮店", extra: str = "") -> None:
        expected[sum(line.count("\n") + 1 for line in lines) + 1] = expect  # the line the row starts on
        lines.append(f"JY{len(lines):04d},{name},,{address},餐饮服务经营者,热食类食品制售,2030/1/1,2025/1/1{extra}")

    add(ours[0], SAMPLE)
    add(theirs[0], SECOND)
    add(ours[1], SAMPLE, '"瑞金\n咖啡馆"')  # a quoted line break: one row on two lines
    add("上海市静安区南京西路1266号", "out_of_area")
    add(theirs[1], SECOND)
    add("浦东新区世纪大道100号", "out_of_area")
    add("", "quarantine")  # no address
    add(SHARED_ROAD, "quarantine")  # the road of both registers, no door: ambiguous
    add("永嘉路1号", "quarantine", extra=",多余")  # 9 fields: unreadable
    (folder / "food_licences").mkdir(parents=True)
    (folder / "food_licences" / FOOD).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expected


def _hotline_file(folder: Path, ours: list[str], theirs: list[str]) -> dict[int, str]:
    """The district's 12345 orders as an export with a title row above the header; destinations by row."""
    book = Workbook()
    sheet = book.active
    sheet.title = "工单"
    sheet.append(["黄浦区12345工单导出（2026年10月）"])
    sheet.append(["工单编号", "来电时间", "来电人", "来电号码", "诉求地址", "诉求内容", "诉求分类", "承办单位"])
    rows = [(ours[2], SAMPLE), ("徐汇区漕溪北路88号", "out_of_area"), (theirs[2], SECOND), (None, "quarantine")]
    for number, (address, _) in enumerate(rows, 1):
        sheet.append([f"GD{number:05d}", "2026-10-03 09:00", "张先生", None, address, "噪音扰民", "噪音", "城管"])
    (folder / "hotline_12345").mkdir(parents=True)
    book.save(folder / "hotline_12345" / HOTLINE)
    return {row: expect for row, (_, expect) in enumerate(rows, 3)}


def _build_registers(subdistricts) -> None:
    """Each subdistrict's own run of its register: the only thing the router reads of its warehouse."""
    spec = load_registry()["address_register"]
    for place in subdistricts.values():
        with connect(place.warehouse) as con:
            land_source(con, spec, place.landing)
            stage(con, spec)
            build_core_houses(con)


@pytest.fixture(scope="module")
def district(tmp_path_factory, sample_world):
    """Two subdistricts with their registers built, the district's hand-written files, and one routing."""
    from data_samples.generator.generate import generate

    root = tmp_path_factory.mktemp("district")
    generate(root / "second_world", people=200, subdistrict=SECOND, only=["address_register"], beside=(sample_world,))
    for code, world in ((SAMPLE, sample_world), (SECOND, root / "second_world")):
        shutil.copytree(world / "landing" / "address_register", root / code / "landing" / "address_register")
    (root / "subdistricts.yaml").write_text(
        "district: {landing: district/landing}\n"
        f"subdistricts:\n  - {{code: '{SAMPLE}', name: 瑞金二路街道}}\n  - {{code: '{SECOND}', name: 淮海中路街道}}\n",
        encoding="utf-8",
    )
    subdistricts = read_subdistricts(root / "subdistricts.yaml")
    assert route_district(subdistricts).waiting  # no register yet: nothing is called out of area too early
    _build_registers(subdistricts)
    ours, theirs = _houses(root / SAMPLE / "landing", 3), _houses(root / SECOND / "landing", 3)
    expected = {
        ("food_licences", FOOD): _food_file(root / "district" / "landing", ours, theirs),
        ("hotline_12345", HOTLINE): _hotline_file(root / "district" / "landing", ours, theirs),
    }
    return subdistricts, route_district(subdistricts), expected


def _routes(subdistricts) -> list[tuple]:
    landing = next(iter(subdistricts.values())).district_landing
    with duckdb.connect(str(ledger_path(landing)), read_only=True) as ledger:
        return ledger.execute(
            "SELECT source, file_name, row_number, destination, subdistrict, reason FROM row_routes ORDER BY ALL"
        ).fetchall()


def test_every_row_of_a_district_file_goes_to_exactly_one_place(district):
    subdistricts, report, expected = district
    assert {(d.source, d.file_name) for d in report.deliveries} == set(expected)
    for delivery in report.deliveries:
        assert delivery.status == "routed" and delivery.balanced, delivery
        assert delivery.delivered == len(expected[delivery.source, delivery.file_name])
    routes = _routes(subdistricts)
    found = {}
    for source, file_name, row, destination, code, reason in routes:
        assert (source, file_name, row) not in found  # one place per row
        found[source, file_name, row] = code if destination == "routed" else destination
        assert reason  # every row says why it went where it went
    assert found == {(s, f, row): where for (s, f), rows in expected.items() for row, where in rows.items()}
    reasons = {reason for *_, destination, _, reason in routes if destination == "quarantine"}
    assert "no address" in reasons
    assert any(r.startswith("ambiguous: road in the registers of") for r in reasons)
    assert any(r.startswith("unreadable row: row has 9 fields") for r in reasons)
    assert str(district_routing(subdistricts.values())) == str(report)  # the ledger's totals say the same


def test_each_subdistrict_lands_and_stages_only_its_routed_rows(district, tmp_path):
    subdistricts, _, expected = district
    registry = load_registry()
    for code, place in subdistricts.items():
        # the router never wrote the subdistrict's warehouse: its run lands the slices, here on a copy
        warehouse = tmp_path / code / "housekey.duckdb"
        warehouse.parent.mkdir()
        shutil.copy(place.warehouse, warehouse)
        with connect(warehouse) as con:
            for source, file_name in expected:
                landed = land_source(con, registry[source], place.landing)
                assert [d.file_name for d in landed.deliveries] == [file_name]  # the district file's own name
                assert landed.rows_quarantined == 0  # the district kept the rows no reader splits
                stage(con, registry[source])
                rows = con.execute(f"SELECT _file_name, _row_number FROM raw.{source} ORDER BY ALL").fetchall()
                mine = sorted((file_name, row) for row, where in expected[source, file_name].items() if where == code)
                assert rows == mine  # the district file's row numbers: record_id keeps pointing at the row
                staged = con.execute(f"SELECT count(*) FROM staging.{source}").fetchone()[0]
                assert staged == len(mine) > 0


def test_routing_again_is_idempotent(district):
    subdistricts, _, _ = district
    landing = next(iter(subdistricts.values())).district_landing
    routed = {path: path.read_bytes() for place in subdistricts.values() for path in place.landing.rglob("*.*")}
    before = _routes(subdistricts)
    shutil.copy(landing / "food_licences" / FOOD, landing / "food_licences" / "食品经营许可_202611_重发.csv")
    with pytest.MonkeyPatch.context() as env:  # the command an operator (or cron) runs
        env.setenv("HOUSEKEY_SUBDISTRICTS", str(landing.parent.parent / "subdistricts.yaml"))
        result = CliRunner().invoke(app, ["district", "route"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nothing new")  # the same delivery (also under another name) is routed once
    assert _routes(subdistricts) == before
    assert {path: path.read_bytes() for path in routed} == routed
    assert {path for place in subdistricts.values() for path in place.landing.rglob("*.*")} == set(routed)


def _district_beside(subdistricts, root: Path, district: str = "") -> Path:
    """A district of its own under ``root`` with copies of the subdistricts' warehouses (their registers); its
    subdistricts file."""
    for code, place in subdistricts.items():
        shutil.copytree(place.warehouse.parent, root / code / "warehouse")
    (root / "subdistricts.yaml").write_text(
        f"district: {{landing: district/landing, {district}}}\n"
        f"subdistricts:\n  - {{code: '{SAMPLE}', name: 瑞金二路街道}}\n  - {{code: '{SECOND}', name: 淮海中路街道}}\n",
        encoding="utf-8",
    )
    return root / "subdistricts.yaml"


@pytest.fixture
def district_cases(monkeypatch):
    """A real PostgreSQL table of district-wide enforcement cases, dropped afterwards."""
    monkeypatch.setenv(URL_ENV, DEFAULT_URLS["postgres"])
    table = f"district_cases_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(DEFAULT_URLS["postgres"], autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE {table} (case_no text, shop_name text, credit_code text, address text, violation text,"
            " description text, filed_at timestamp, status text, closed_at timestamp, updated_at timestamp)"
        )
        yield table, connection
        connection.execute(f"DROP TABLE {table}")


def test_a_district_database_source_is_pulled_once_and_routed(district, district_cases, tmp_path, monkeypatch):
    subdistricts, _, _ = district
    table, connection = district_cases
    spec = load_registry()["urban_management_cases"]
    spec = spec.model_copy(update={"sql": spec.sql.model_copy(update={"table": table, "url_env": URL_ENV})})
    pulled = read_subdistricts(_district_beside(subdistricts, tmp_path, "sources: [urban_management_cases]"))
    assert all(place.district_sources == {"urban_management_cases"} for place in pulled.values())
    ours, theirs = _houses(subdistricts[SAMPLE].landing, 4)[3:], _houses(subdistricts[SECOND].landing, 4)[3:]
    cases = [
        ("C1", ours[0], SAMPLE),
        ("C2", theirs[0], SECOND),
        ("C3", "闵行区莘庄镇1号", "out_of_area"),
        ("C4", None, "quarantine"),
    ]
    for number, (case, address, _) in enumerate(cases, 1):
        connection.execute(
            f"INSERT INTO {table} (case_no, address, violation, filed_at, updated_at)"
            " VALUES (%s, %s, '占道经营', '2026-10-01', %s)",
            [case, address, f"2026-10-0{number} 08:00"],
        )
    registry = {spec.name: spec}
    (first,) = route_district(pulled, registry).deliveries
    assert (first.delivered, dict(first.routed), first.out_of_area, first.quarantined) == (
        4,
        {SAMPLE: 1, SECOND: 1},
        1,
        1,
    )
    assert route_district(pulled, registry).deliveries == []  # nothing new since the district's cursor
    connection.execute(
        f"INSERT INTO {table} (case_no, address, violation, filed_at, updated_at)"
        " VALUES ('C5', %s, '占道经营', '2026-10-09', '2026-10-09 08:00')",
        [theirs[0]],
    )
    (second,) = route_district(pulled, registry).deliveries
    assert (second.delivered, dict(second.routed)) == (1, {SECOND: 1})  # only the new row was pulled
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(tmp_path / "subdistricts.yaml"))
    assets = [partitioned(raw_asset(load_registry()["urban_management_cases"]), subdistrict_partitions())]
    for code, place in pulled.items():  # each subdistrict's raw asset lands its routed slices, pulling nothing
        result = materialize(
            assets, resources=warehouse_resources(), partition_key=code, instance=DagsterInstance.ephemeral()
        )
        assert result.success
        with duckdb.connect(str(place.warehouse), read_only=True) as con:
            cases_here = con.execute(f"SELECT case_no, _file_name FROM raw.{spec.name} ORDER BY 1").fetchall()
            cursors = con.execute("SELECT count(*) FROM meta.cursors").fetchone()[0]
        assert [c for c, _ in cases_here] == (["C1"] if code == SAMPLE else ["C2", "C5"])
        assert all(name.startswith("urban_management_cases_") for _, name in cases_here) and cursors == 0


def test_the_generated_district_routes_as_its_truth_says(tmp_path):
    """``housekey generate --district``: four subdistricts and the district's 12345, market entities (a JSON
    document) and rental registration; ``district/truth/routing.csv`` says where every row belongs."""
    from data_samples.generator.district import generate_district

    generate_district(tmp_path, 150, 20261101)
    subdistricts = read_subdistricts(tmp_path / "subdistricts.yaml")
    _build_registers(subdistricts)
    report = route_district(subdistricts)
    assert all(d.status == "routed" and d.balanced for d in report.deliveries)
    with (tmp_path / "district" / "truth" / "routing.csv").open(encoding="utf-8", newline="") as stream:
        truth = {
            (r["source"], r["file"], r["sheet"] or None, int(r["row_number"])): r["subdistrict"]
            for r in csv.DictReader(stream)
        }
    with duckdb.connect(str(ledger_path(tmp_path / "district" / "landing")), read_only=True) as ledger:
        routes = ledger.execute(
            "SELECT source, file_name, sheet, row_number, coalesce(subdistrict, destination) FROM row_routes"
        ).fetchall()
    got = {tuple(route[:4]): route[4] for route in routes}
    assert len(got) == len(routes) and set(got) == set(truth)  # every delivered row once
    wrong = [row for row, where in got.items() if where != truth[row] and "quarantine" not in (where, truth[row])]
    assert wrong == []  # no row reaches another subdistrict, none inside is called out of area, nor outside routed
    outside = {row for row, where in truth.items() if where == "out_of_area"}
    assert outside and outside == {row for row, where in got.items() if where == "out_of_area"}
    held_back = [row for row, where in got.items() if where == "quarantine" and truth[row] != "quarantine"]
    assert len(held_back) <= 0.01 * len(truth)  # a 12345 order whose free text names no address: for review
    # the truth's bad rows (a required column or the record key spoilt) may pass the router: the run quarantines them
    code, place = next(iter(subdistricts.items()))
    with connect(place.warehouse) as con:  # a JSON document's slice holds only its records: renumbered, mapped
        land_source(con, load_registry()["market_entities"], place.landing)
        landed = con.execute("SELECT _file_name, _row_number FROM raw.market_entities ORDER BY ALL").fetchall()
    with duckdb.connect(str(ledger_path(tmp_path / "district" / "landing")), read_only=True) as ledger:
        mapped = ledger.execute(
            "SELECT file_name, routed_row FROM row_routes WHERE source = 'market_entities' AND subdistrict = ?"
            " ORDER BY ALL",
            [code],
        ).fetchall()
    assert landed == mapped and len(landed) > 0


def test_the_dagster_district_job_routes_once_for_every_subdistrict(district, tmp_path, monkeypatch):
    from pipelines.district import district_routing_job

    subdistricts, _, _ = district
    monkeypatch.setenv("HOUSEKEY_SUBDISTRICTS", str(_district_beside(subdistricts, tmp_path)))
    ours, theirs = _houses(subdistricts[SAMPLE].landing, 3), _houses(subdistricts[SECOND].landing, 3)
    expected = _food_file(tmp_path / "district" / "landing", ours, theirs)
    result = district_routing_job.execute_in_process(instance=DagsterInstance.ephemeral())
    assert result.success
    (delivery,) = district_routing(read_subdistricts(tmp_path / "subdistricts.yaml").values()).deliveries
    assert delivery.balanced and delivery.delivered == len(expected)
    assert dict(delivery.routed) == {code: list(expected.values()).count(code) for code in (SAMPLE, SECOND)}
    with connect(tmp_path / SECOND / "warehouse" / "housekey.duckdb"):  # its run writing: the router waits
        busy = route_district(read_subdistricts(tmp_path / "subdistricts.yaml"))
    assert busy.waiting.startswith(f"{SECOND} warehouse busy") and busy.deliveries == []
    (tmp_path / SAMPLE / "warehouse" / "housekey.duckdb").unlink()  # a subdistrict without its register
    shutil.copy(
        tmp_path / "district" / "landing" / "food_licences" / FOOD,
        tmp_path / "district" / "landing" / "food_licences" / "食品经营许可_202612.csv",
    )
    waiting = district_routing_job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert not waiting.success  # it waits (and says why) rather than call the subdistrict's rows out of area


def test_a_subdistricts_own_file_of_the_same_name_is_never_overwritten(district, tmp_path):
    subdistricts, _, _ = district
    place = read_subdistricts(_district_beside(subdistricts, tmp_path))
    ours, theirs = _houses(subdistricts[SAMPLE].landing, 3), _houses(subdistricts[SECOND].landing, 3)
    _food_file(tmp_path / "district" / "landing", ours, theirs)
    own = place[SAMPLE].landing / "food_licences" / FOOD
    own.parent.mkdir(parents=True)
    own.write_text(FOOD_HEADER + "\n", encoding="utf-8")  # the subdistrict's own delivery, by chance the same name
    (delivery,) = route_district(place).deliveries
    assert delivery.status == "failed" and str(own) in delivery.note
    assert own.read_text(encoding="utf-8") == FOOD_HEADER + "\n"
    assert not (place[SECOND].landing / "food_licences").exists()  # nothing routed while one slice cannot be
