"""City identity on a district of ``housekey generate --district``: each subdistrict's own landing zone through the
pipeline, then its people linked across subdistricts on both engines and scored against the city-wide truth
(``benchmarks.city_identity --district DIR``; the district's layout is in data_samples/generator/district.py).

Each subdistrict runs as a partition of its own (``$HOUSEKEY_SUBDISTRICTS``, written here, warehouses in a temporary
folder: the district folder is only read), file sources only: the database sources have no server behind a generated
world. With ``routed`` the district's own deliveries (12345, market entities, the rental register: files spanning
every subdistrict) are routed as production routes them (warehouse/routing.py): copies of the landing zones, each
subdistrict's register built first, the district files routed into them, then each subdistrict's run; without it they
are left out. A warehouse person stands for the true person most of its records are (``benchmarks.person_linking``'s
record truth, a routed row's from the district's truth through the routing ledger), and that person for its human of
``truth/city_people.csv``.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.city_scoring import link_both
from benchmarks.delivery_latency import environment
from data_samples.generator.population import AS_OF
from warehouse.catalogue import table_exists
from warehouse.subdistricts import read_subdistricts

# each warehouse person and the true person most of its records are (ties: the first)
PERSON_TRUTH_SQL = """
WITH cells AS (SELECT person_id, true_person, count(*) AS n FROM ({records}) GROUP BY ALL)
SELECT DISTINCT ON (person_id) person_id, true_person FROM cells ORDER BY person_id, n DESC, true_person
"""


def file_sources(only: tuple[str, ...] | None = None):
    """The registry's file sources (``only`` these, if given)."""
    from connectors.spec import load_registry

    return {
        name: spec for name, spec in load_registry().items() if not spec.is_database and (only is None or name in only)
    }


def _copy_landings(district: Path, folder: Path, places: dict) -> tuple[dict[str, Path], str]:
    """Copies of every landing zone under ``folder`` (the district's too); the copies by code and the subdistricts
    file's ``district:`` line."""
    landings = {}
    for code, place in places.items():
        landings[code] = folder / code / "landing"
        shutil.copytree(place.landing, landings[code], dirs_exist_ok=True)
    shutil.copytree(district / "district" / "landing", folder / "district" / "landing", dirs_exist_ok=True)
    return landings, f"district: {{landing: '{folder / 'district' / 'landing'}'}}\n"


def _build_registers_and_route(folder: Path) -> None:
    """Each subdistrict's house register, the only thing the router reads of its warehouse, then the routing."""
    from resolution.address.register import build_core_houses
    from warehouse.database import connect
    from warehouse.intake import land_source
    from warehouse.routing import route_district
    from warehouse.staging import stage

    places = read_subdistricts(folder / "subdistricts.yaml")
    spec = file_sources(("address_register",))["address_register"]
    for place in places.values():
        place.warehouse.parent.mkdir(parents=True, exist_ok=True)
        with connect(place.warehouse) as con:
            land_source(con, spec, place.landing)
            stage(con, spec)
            build_core_houses(con)
    report = route_district(places, file_sources())
    if report is None or report.waiting:
        raise RuntimeError(f"district deliveries not routed: {report and report.waiting}")


def run_subdistricts(
    district: Path, folder: Path, sources: tuple[str, ...] | None = None, routed: bool = False
) -> dict[str, Path]:
    """Every subdistrict of ``district`` through the pipeline as a partition (its file sources, ``sources`` only if
    given; with ``routed`` the district's deliveries routed into copies of the landing zones first), its warehouse
    under ``folder``; the warehouses by code. The environment is put back after."""
    from dagster import DagsterInstance, materialize

    from pipelines.definitions import pipeline_assets, subdistrict_partitions, warehouse_resources

    places = read_subdistricts(district / "subdistricts.yaml")
    landings, header = {code: place.landing for code, place in places.items()}, ""
    if routed:
        landings, header = _copy_landings(district, folder, places)
    entries = "".join(
        f"  - {{code: '{code}', name: {place.name}, landing: '{landings[code]}', "
        f"warehouse: '{folder / code / 'housekey.duckdb'}'}}\n"
        for code, place in places.items()
    )
    (folder / "subdistricts.yaml").write_text(f"{header}subdistricts:\n{entries}", encoding="utf-8")
    if routed:
        _build_registers_and_route(folder)
    registry = file_sources(sources)
    env = {
        "HOUSEKEY_SUBDISTRICTS": str(folder / "subdistricts.yaml"),
        "HOUSEKEY_AS_OF": AS_OF.isoformat(),
        "HOUSEKEY_CITY_IDENTITY": str(folder / "no_city_yet"),  # no city ids to read back yet
    }
    with environment(env):
        assets = pipeline_assets(registry, partitions=subdistrict_partitions())
        for code in places:
            result = materialize(
                assets,
                resources=warehouse_resources(),
                partition_key=code,
                instance=DagsterInstance.ephemeral(),
                run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
                raise_on_error=False,
            )
            failed = [
                f"{e.step_key}: {e.step_failure_data.error.message.strip().splitlines()[-1]}"
                for e in result.get_step_failure_events()
            ]
            if failed:
                raise RuntimeError(f"subdistrict {code}: steps failed: {'; '.join(failed)}")
    return {code: folder / code / "housekey.duckdb" for code in places}


# a routed row's truth: the district's, at the row's number in the subdistrict's slice
ROUTED_TRUTH_SQL = """
INSERT INTO _truth BY NAME
SELECT t.* REPLACE (r.routed_row::VARCHAR AS row_number)
FROM read_csv(?, all_varchar = true) t JOIN _ledger.row_routes r ON r.source = t.source AND r.file_name = t.file
 AND coalesce(r.sheet, '') = coalesce(t.sheet, '') AND r.row_number::VARCHAR = t.row_number
WHERE r.subdistrict = ? AND r.destination = 'routed'
"""


def city_truth(district: Path, warehouses: dict[str, Path], ledger: Path | None = None) -> list[tuple]:
    """(subdistrict, warehouse person_id, human) for every warehouse person whose records the truth names; with the
    routing ``ledger`` the routed rows of the district's deliveries too (a person id names one human city-wide: a
    routed row may name someone of another subdistrict's world, a landlord living elsewhere)."""
    from benchmarks.person_linking import RECORD_TRUTH_SQL, load_truth
    from warehouse.database import quote_literal

    with (district / "truth" / "city_people.csv").open(encoding="utf-8") as f:
        human = {r["person_id"]: r["city_person"] for r in csv.DictReader(f)}
    truth = []
    for code, warehouse in warehouses.items():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            landed = {name: spec for name, spec in file_sources().items() if table_exists(con, "raw", name)}
            load_truth(con, district / code, landed)
            if ledger is not None:
                con.execute(f"ATTACH {quote_literal(str(ledger))} AS _ledger (READ_ONLY)")
                con.execute(ROUTED_TRUTH_SQL, [str(district / "district" / "truth" / "records.csv"), code])
                con.execute("DETACH _ledger")
            persons = con.execute(PERSON_TRUTH_SQL.format(records=RECORD_TRUTH_SQL)).fetchall()
        truth.extend((code, person_id, human[true_person]) for person_id, true_person in persons)
    return truth


def routing_ledger(folder: Path) -> Path | None:
    """The routing ledger of a ``run_subdistricts(..., routed=True)`` under ``folder``; None when nothing was routed."""
    from warehouse.routing import ledger_path

    ledger = ledger_path(folder / "district" / "landing")
    return ledger if ledger.exists() else None


def measure_district(
    district: Path,
    sources: tuple[str, ...] | None = None,
    engines: tuple[str, ...] = ("duckdb", "spark"),
    routed: bool = False,
) -> dict[str, object]:
    """Run (``sources`` only, if given; ``routed``: the district's deliveries too), link on ``engines`` and score a
    generated district; the figures."""
    with (district / "truth" / "moves.csv").open(encoding="utf-8") as f:
        moves = list(csv.DictReader(f))
    figures: dict[str, object] = {
        "movers": len(moves),
        "movers_without_id_number": sum(m["id_number_shown"] == "no" for m in moves),
        "movers_with_new_phone": sum(m["phone_changed"] == "yes" for m in moves),
    }
    with tempfile.TemporaryDirectory(prefix="housekey-city-district-") as tmp:
        started = time.perf_counter()
        warehouses = run_subdistricts(district, Path(tmp), sources, routed)
        figures["pipeline_seconds"] = round(time.perf_counter() - started, 1)
        truth = city_truth(district, warehouses, routing_ledger(Path(tmp)))
        figures["persons_with_truth"] = len(truth)
        figures["humans_a_subdistrict_holds_twice"] = len(truth) - len({(code, who) for code, _, who in truth})
        return figures | link_both(warehouses, truth, Path(tmp), per_person=True, engines=engines)


def measure_generated(people: int = 1000, seed: int = 20261101) -> dict[str, object]:
    """``housekey generate --district`` (four subdistricts of ``people``, a tenth moving) in a temporary folder,
    measured by ``measure_district``."""
    from data_samples.generator.district import generate_district

    with tempfile.TemporaryDirectory(prefix="housekey-district-") as tmp:
        generate_district(Path(tmp), people, seed)
        return {"people_per_subdistrict": people} | measure_district(Path(tmp))
