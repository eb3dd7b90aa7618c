"""A district's export, landed once in the district landing zone, splits across the subdistricts: each row
gets a house only where the register holds it, and a row of no configured subdistrict is counted out of
area, never lost. Real files (the sample's register split in two, a real 12345 export) through the real
landing, staging and matching of each subdistrict's warehouse."""

import shutil
from pathlib import Path

import duckdb

from connectors.spec import load_registry
from resolution.address.register import Register, build_core_houses
from resolution.address.resolve import resolve_addresses
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.routing import district_routing
from warehouse.staging import stage
from warehouse.subdistricts import read_subdistricts

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples" / "landing"
SPLIT_ROAD = "复兴中路"  # the sample register's 复兴中路 houses become a neighbour's, 淮海中路街道


def _split_register(tmp_path: Path) -> None:
    """Two subdistricts' registers from the sample's one: 复兴中路 for 310101022, the rest for 310101023."""
    source = next((SAMPLE / "address_register").glob("*.csv"))
    with duckdb.connect() as con:
        con.execute("CREATE TABLE r AS SELECT * FROM read_csv(?, all_varchar = true)", [str(source)])
        for code, condition, town in (
            ("310101023", f"路名 <> '{SPLIT_ROAD}'", "瑞金二路街道"),
            ("310101022", f"路名 = '{SPLIT_ROAD}'", "淮海中路街道"),
        ):
            folder = tmp_path / code / "landing" / "address_register"
            folder.mkdir(parents=True)
            con.execute(
                f"COPY (SELECT * REPLACE ('{town}' AS 街道) FROM r WHERE {condition}) TO ? (HEADER)",
                [str(folder / source.name)],
            )


def test_a_district_export_splits_by_subdistrict_and_loses_no_row(tmp_path):
    _split_register(tmp_path)
    exports = sorted((SAMPLE / "hotline_12345").glob("*.xlsx"))  # a year of 12345, out-of-area rows among them
    shutil.copytree(SAMPLE / "hotline_12345", tmp_path / "district" / "hotline_12345")
    (tmp_path / "subdistricts.yaml").write_text(
        "district: {landing: district}\n"
        "subdistricts:\n  - {code: '310101023', name: 瑞金二路街道}\n  - {code: '310101022', name: 淮海中路街道}\n",
        encoding="utf-8",
    )
    subdistricts = read_subdistricts(tmp_path / "subdistricts.yaml")
    registry = load_registry()
    levels = {}
    for place in subdistricts.values():
        assert place.district_landing == tmp_path / "district"
        with connect(place.warehouse) as con:
            land_source(con, registry["address_register"], place.landing)
            stage(con, registry["address_register"])
            build_core_houses(con)
            landed = land_source(con, registry["hotline_12345"], place.landing, district=place.district_landing)
            assert [d.file_name for d in landed.deliveries] == [export.name for export in exports]
            stage(con, registry["hotline_12345"])
            resolve_addresses(con, Register.from_warehouse(con))
            levels[place.code] = dict(
                con.execute(
                    "SELECT record_id, house_id IS NOT NULL FROM core.address_matches WHERE source = 'hotline_12345'"
                ).fetchall()
            )
            staged = con.execute("SELECT count(*) FROM staging.hotline_12345").fetchone()[0]
    routing = district_routing(list(subdistricts.values()))
    assert routing.rows == staged == len(levels["310101023"]) == len(levels["310101022"])
    housed = {code: sum(found.values()) for code, found in levels.items()}
    assert housed["310101022"] > 0 and housed["310101023"] > housed["310101022"]
    assert not any(levels["310101023"][r] and levels["310101022"][r] for r in levels["310101023"])  # one house at most
    assert routing.placed_twice == 0 and routing.out_of_area > 0  # the export's rows outside both
    assert sum(routing.placed.values()) + routing.out_of_area + routing.unplaced == routing.rows
