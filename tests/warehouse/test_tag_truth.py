"""Every tag of the catalogue against the generator's truth: the pipeline's members equal its rule on perfect data.

The truth of a tag is its rule run on tag inputs built from data_samples/truth (tag_truth.py); the pipeline's
members are mapped to truth ids by the provenance of the rows behind them. `pytest tests/warehouse/test_tag_truth.py -s`
prints precision and recall per tag.
"""

from datetime import date

import duckdb
import pytest
from tag_truth import oracle_members, pipeline_members, pipeline_to_truth, read_records

from data_samples.generator.generate import SAMPLES
from warehouse.tags import load_catalogue

AS_OF = date(2026, 11, 1)  # the sample world's day (tests/conftest.py WORLD_AS_OF)
CODES = [t.code for t in load_catalogue()]


@pytest.fixture(scope="module")
def truth(tmp_path_factory) -> dict[str, set[str]]:
    return oracle_members(SAMPLES, AS_OF, tmp_path_factory.mktemp("tag_truth") / "oracle.duckdb")


@pytest.fixture(scope="module")
def found(tagged_warehouse) -> dict[str, set[str]]:
    with duckdb.connect(str(tagged_warehouse), read_only=True) as con:
        return pipeline_members(con, pipeline_to_truth(con, read_records(SAMPLES / "truth")))


def _figures(members: set[str], expected: set[str]) -> tuple[float, float]:
    hits = len(members & expected)
    return (hits / len(members) if members else 1.0), (hits / len(expected) if expected else 1.0)


@pytest.mark.parametrize("code", CODES)
def test_tag_members_equal_the_truth(code, truth, found):
    members, expected = found[code], truth[code]
    assert members == expected, (
        f"{code}: {len(members - expected)} not in truth {sorted(members - expected)[:5]}, "
        f"{len(expected - members)} missed {sorted(expected - members)[:5]}"
    )


def test_truth_covers_the_catalogue(truth, found):
    print(f"\n{'tag':34s} {'precision':>9s} {'recall':>7s} {'tagged':>7s} {'truth':>6s}")
    for code in CODES:
        precision, recall = _figures(found[code], truth[code])
        print(f"{code:34s} {precision:9.3f} {recall:7.3f} {len(found[code]):7d} {len(truth[code]):6d}")
    print(f"{len(CODES)} tags checked, {sum(found[c] == truth[c] for c in CODES)} equal their truth")
    assert len(CODES) >= 135 and set(truth) == set(CODES) == set(found)
    assert sum(bool(members) for members in truth.values()) >= 135  # a truth that is empty checks little
