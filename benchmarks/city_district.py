"""City identity on a district of ``housekey generate --district``: each subdistrict's own landing zone through the
pipeline, then its people linked across subdistricts on both engines and scored against the city-wide truth
(``benchmarks.city_identity --district DIR``; the district's layout is in data_samples/generator/district.py).

Each subdistrict runs as a partition of its own (``$HOUSEKEY_SUBDISTRICTS``, written here, warehouses in a temporary
folder: the district folder is only read), file sources only: the database sources have no server behind a generated
world, and the district's own deliveries wait for routing (warehouse/routing.py), which is not measured here. A
warehouse person stands for the true person most of its records are (``benchmarks.person_linking``'s record truth),
and that person for its human of ``truth/city_people.csv``.
"""

from __future__ import annotations

import csv
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


def run_subdistricts(district: Path, folder: Path, sources: tuple[str, ...] | None = None) -> dict[str, Path]:
    """Every subdistrict of ``district`` through the pipeline as a partition (its file sources, ``sources`` only if
    given), its warehouse under ``folder``; the warehouses by code. The environment is put back after."""
    from dagster import DagsterInstance, materialize

    from pipelines.definitions import pipeline_assets, source_checks, subdistrict_partitions, warehouse_resources

    places = read_subdistricts(district / "subdistricts.yaml")
    entries = "".join(
        f"  - {{code: '{code}', name: {place.name}, landing: '{place.landing}', "
        f"warehouse: '{folder / code / 'housekey.duckdb'}'}}\n"
        for code, place in places.items()
    )
    (folder / "subdistricts.yaml").write_text(f"subdistricts:\n{entries}", encoding="utf-8")
    registry = file_sources(sources)
    env = {
        "HOUSEKEY_SUBDISTRICTS": str(folder / "subdistricts.yaml"),
        "HOUSEKEY_AS_OF": AS_OF.isoformat(),
        "HOUSEKEY_CITY_IDENTITY": str(folder / "no_city_yet"),  # no city ids to read back yet
    }
    with environment(env):
        assets = [*pipeline_assets(registry, partitions=subdistrict_partitions()), *source_checks(registry)]
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


def city_truth(district: Path, warehouses: dict[str, Path]) -> list[tuple]:
    """(subdistrict, warehouse person_id, human) for every warehouse person whose records the truth names."""
    from benchmarks.person_linking import RECORD_TRUTH_SQL, load_truth

    with (district / "truth" / "city_people.csv").open(encoding="utf-8") as f:
        human = {(r["subdistrict"], r["person_id"]): r["city_person"] for r in csv.DictReader(f)}
    truth = []
    for code, warehouse in warehouses.items():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            landed = {name: spec for name, spec in file_sources().items() if table_exists(con, "raw", name)}
            load_truth(con, district / code, landed)
            persons = con.execute(PERSON_TRUTH_SQL.format(records=RECORD_TRUTH_SQL)).fetchall()
        truth.extend((code, person_id, human[(code, true_person)]) for person_id, true_person in persons)
    return truth


def measure_district(
    district: Path, sources: tuple[str, ...] | None = None, engines: tuple[str, ...] = ("duckdb", "spark")
) -> dict[str, object]:
    """Run (``sources`` only, if given), link on ``engines`` and score a generated district; the figures."""
    with (district / "truth" / "moves.csv").open(encoding="utf-8") as f:
        moves = list(csv.DictReader(f))
    figures: dict[str, object] = {
        "movers": len(moves),
        "movers_without_id_number": sum(m["id_number_shown"] == "no" for m in moves),
        "movers_with_new_phone": sum(m["phone_changed"] == "yes" for m in moves),
    }
    with tempfile.TemporaryDirectory(prefix="housekey-city-district-") as tmp:
        started = time.perf_counter()
        warehouses = run_subdistricts(district, Path(tmp), sources)
        figures["pipeline_seconds"] = round(time.perf_counter() - started, 1)
        truth = city_truth(district, warehouses)
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
