"""Address matching reuses the match of an address already matched: after a new delivery only its unseen
addresses are parsed and matched, and core.address_matches and the review queue are the same as a full
re-match. A reviewer's decision or a register that changed makes it match every address again, and say so."""

from pathlib import Path

import pytest

from connectors.spec import load_registry
from resolution.address import resolve
from resolution.address.register import Register, build_core_houses
from resolution.address.resolve import record_decision, resolve_addresses
from tests.resolution.address.tables import differ
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.staging import stage

SAMPLE = Path(__file__).resolve().parents[3] / "data_samples" / "landing"
TABLES = ("core.address_matches", "quality.address_review")


@pytest.fixture
def matched(tmp_path, monkeypatch):
    """A warehouse with the register and the household registration matched, then 12345 staged; the texts
    each resolution sends to the matcher."""
    registry = load_registry()
    con = connect(tmp_path / "warehouse.duckdb")
    for name in ("address_register", "household_registration"):
        land_source(con, registry[name], SAMPLE)
        stage(con, registry[name])
    build_core_houses(con)
    resolve_addresses(con, Register.from_warehouse(con))
    land_source(con, registry["hotline_12345"], SAMPLE)
    stage(con, registry["hotline_12345"])
    sent: list[list[str]] = []
    real = resolve.match_addresses

    def recording(texts, register, workers=None):
        sent.append(list(texts))
        return real(texts, register, workers)

    monkeypatch.setattr(resolve, "match_addresses", recording)
    yield con, sent
    con.close()


def _snapshot(con) -> dict[str, list[tuple]]:
    return {table: con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall() for table in TABLES}


def _basis(con) -> tuple:
    return con.execute(
        "SELECT addresses_reused, addresses_matched, rematched_because FROM core.address_match_basis"
    ).fetchone()


def test_only_unseen_addresses_are_matched_and_the_result_is_a_full_rematch(matched):
    con, sent = matched
    seen = {r[0] for r in con.execute("SELECT DISTINCT address FROM core.address_matches").fetchall()}
    resolve_addresses(con, Register.from_warehouse(con))
    incremental, (reused, count, why) = _snapshot(con), _basis(con)
    addresses = sent[-1]  # the last call matches the addresses; the one before, free-text openings
    assert why is None and count == len(addresses) > 0 and reused > 0
    assert not set(addresses) & seen  # no address matched before is parsed again
    new = {r[0] for r in con.execute("SELECT DISTINCT address FROM core.address_matches").fetchall()} - seen
    assert set(addresses) == new - {None}
    resolve_addresses(con, Register.from_warehouse(con), reuse=False)
    assert _basis(con)[1:] == (reused + count, "reuse switched off")
    assert _snapshot(con) == incremental
    resolve_addresses(con, Register.from_warehouse(con))  # nothing new: nothing matched
    assert _basis(con) == (reused + count, 0, None) and sent[-1] == [] and _snapshot(con) == incremental


def test_a_reviewers_decision_rematches_every_address(matched):
    con, sent = matched
    resolve_addresses(con, Register.from_warehouse(con))
    address, house = con.execute(  # an address waiting for review, decided for the first house of the register
        "SELECT address, (SELECT min(house_id) FROM core.houses) FROM quality.address_review ORDER BY ALL LIMIT 1"
    ).fetchone()
    record_decision(con, address, house, "瑞金二路街道 张社工")
    resolve_addresses(con, Register.from_warehouse(con))
    reused, count, why = _basis(con)
    assert (reused, why) == (0, "a reviewer's decision changed since the earlier matches")
    assert address not in sent[-1] and count == len(sent[-1])  # a decided address needs no match
    after = _snapshot(con)
    assert con.execute(
        "SELECT DISTINCT house_id FROM core.address_matches WHERE address = ?", [address]
    ).fetchall() == [(house,)]
    resolve_addresses(con, Register.from_warehouse(con), reuse=False)
    assert _snapshot(con) == after


def test_a_changed_register_rematches_every_address(matched):
    con, _ = matched
    resolve_addresses(con, Register.from_warehouse(con))
    houses = Register.from_warehouse(con).houses
    resolve_addresses(con, Register(houses[1:]))
    assert _basis(con)[0] == 0 and _basis(con)[2] == "the register changed since the earlier matches"


def test_only_the_records_not_held_as_staged_are_written_as_a_full_rematch_would(matched):
    con, sent = matched
    resolve_addresses(con, Register.from_warehouse(con))
    first, second = (
        r[0]
        for r in con.execute(
            "SELECT record_id FROM core.address_matches WHERE source = 'household_registration' AND house_id IS NOT NULL"
            " ORDER BY record_id LIMIT 2"
        ).fetchall()
    )
    # a mark on a held match: it stays only if the record is not written again
    con.execute("UPDATE core.address_matches SET match_reason = 'kept as written' WHERE record_id = ?", [first])
    changed = con.execute(  # a record's address changes, another record is gone, a row loses its address
        "SELECT min(_record_id) FROM staging.hotline_12345 WHERE address IS NOT NULL"
    ).fetchone()[0]
    con.execute(
        "UPDATE staging.hotline_12345 SET address = '瑞金二路街道某路999弄99号' WHERE _record_id = ?", [changed]
    )
    con.execute("DELETE FROM staging.household_registration WHERE _record_id = ?", [second])
    texts = con.execute(
        "SELECT count(*) FROM staging.hotline_12345 WHERE address IS NULL AND description IS NOT NULL"
    ).fetchone()[0]
    resolve_addresses(con, Register.from_warehouse(con))
    assert sent[-1] == ["瑞金二路街道某路999弄99号"] and len(sent[-2]) <= texts  # free texts: the rows without address
    assert con.execute("SELECT count(*) FROM core.address_matches WHERE match_reason = 'kept as written'").fetchone()[0]
    assert not con.execute("SELECT count(*) FROM core.address_matches WHERE record_id = ?", [second]).fetchone()[0]
    for table in TABLES:
        con.execute(f"CREATE TABLE kept_{table.split('.')[1]} AS FROM {table}")
    resolve_addresses(con, Register.from_warehouse(con), reuse=False)
    assert differ(con, "kept_address_matches", "core.address_matches") == 2  # the mark, both ways
    assert differ(con, "kept_address_review", "quality.address_review") == 0
