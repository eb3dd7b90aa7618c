"""Every case of the bad-input corpus (corpus.py) through the pipeline's own steps, in one warehouse:
each source is landed (``land_source``, what the raw asset runs) and staged (``stage``, the staging
asset), and its rows are accounted for (``row_accounts``, the blocking asset check). Each case ends
as a failed delivery naming its file or as rows staged and quarantined with reasons, never an
exception, never a lost row, and the good delivery beside it always lands. That a source's failure
leaves the other assets of a Dagster run going is tested in tests/pipelines/test_bad_deliveries.py."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from connectors.spec import load_registry
from corpus import CASES, GOOD_FILES, WIDTHS, Case
from hostile_files import HEADER, Link, csv_text, person
from warehouse.accounting import row_accounts
from warehouse.database import create_bookkeeping
from warehouse.intake import land_source
from warehouse.staging import stage

COLUMNS = {"姓名": "name", "身份证号": "id_number", "出生日期": "birth_date", "备注": "note"}


def source_name(case: Case) -> str:
    return f"bad_{case.name}"


def hostile_file(case: Case) -> str:
    (name,) = case.files()
    return name


def _spec(case: Case) -> dict:
    spec = {"name": source_name(case), "title": "台账", "owner": "居委会", "level": "S", "format": case.format,
            "record_kind": "person", "columns": {column: {"to": to} for column, to in COLUMNS.items()}}
    if case.format == "fixed_width":
        spec["fixed_width"] = {"fields": [{"name": n, "width": w} for n, w in zip(HEADER, WIDTHS)]}
    return spec | case.spec


@dataclass(frozen=True)
class Run:
    warehouse: Path
    crashed: dict[str, str]
    """Source -> the exception landing or staging it raised."""


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("corpus")
    (root / "secret.csv").write_bytes(csv_text([person("机密")]).encode())  # a link's target outside the landing zone
    (root / "sources").mkdir()
    for case in CASES:
        (root / "sources" / f"{source_name(case)}.yaml").write_text(yaml.safe_dump(_spec(case), allow_unicode=True))
        folder = root / "landing" / source_name(case)
        folder.mkdir(parents=True)
        good_name, good_bytes = GOOD_FILES[case.format]
        (folder / good_name).write_bytes(good_bytes(case.spec.get("encoding", "utf-8")))
        for name, content in case.files().items():
            if isinstance(content, Link):
                (folder / name).symlink_to(root / content.target)
            else:
                (folder / name).write_bytes(content)
    crashed = {}
    with pytest.MonkeyPatch.context() as env, duckdb.connect(str(root / "wh.duckdb")) as con:
        env.setenv("HOUSEKEY_LANDING", str(root / "landing"))
        create_bookkeeping(con)
        for name, spec in load_registry(root / "sources").items():
            try:
                land_source(con, spec)
                stage(con, spec)
            except Exception as error:  # noqa: BLE001 - a crash is what the corpus looks for
                crashed[name] = f"{type(error).__name__}: {error}"
    return Run(root / "wh.duckdb", crashed)


def test_the_corpus_has_at_least_30_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input(run: Run, case: Case):
    source, file_name = source_name(case), hostile_file(case)
    assert source not in run.crashed, run.crashed[source]
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        deliveries = {name: (status, delivered) for name, status, delivered in con.execute(
            "SELECT file_name, status, rows_delivered FROM meta.deliveries WHERE source = ?", [source]).fetchall()}
        good_name, _ = GOOD_FILES[case.format]
        assert deliveries.pop(good_name) == ("loaded", 2)
        assert _staged(con, source, good_name) == 2
        assert list(deliveries) == [file_name]
        status, delivered = deliveries[file_name]
        if case.outcome == "failed":
            assert status == "failed"
            (reason,) = con.execute("SELECT reason FROM quality.quarantine WHERE source = ? AND file_name = ? "
                                    "AND rule = 'unreadable_file'", [source, file_name]).fetchone()
            assert file_name in reason and case.reason in reason, reason
        else:
            assert (status, delivered) == ("loaded", case.rows)
            for kept, expected in ((False, case.quarantined), (True, case.values_quarantined)):
                quarantined = con.execute(
                    "SELECT row_number, bool_or(contains(reason, ?)) FROM quality.quarantine WHERE source = ? "
                    "AND file_name = ? AND is_row_kept = ? GROUP BY sheet, row_number",
                    [case.reason, source, file_name, kept]).fetchall()
                assert len(quarantined) == expected, quarantined
                assert all(row_number is not None and why for row_number, why in quarantined), quarantined
            assert _staged(con, source, file_name) == case.rows - case.quarantined
            for column, values in case.raw.items():
                kept = con.execute(f'SELECT "{column.replace(chr(34), chr(34) * 2)}" FROM raw.{source} '
                                   "WHERE _file_name = ? ORDER BY _sheet, _row_number", [file_name]).fetchall()
                assert [v for (v,) in kept] == values
        (account,) = row_accounts(con, [source])
        assert account.balanced, account
        assert con.execute("SELECT count(*) FROM meta.deliveries").fetchone()[0] > 0  # SQL in names ran as data


def _staged(con: duckdb.DuckDBPyConnection, source: str, file_name: str) -> int:
    return con.execute(f"SELECT count(*) FROM staging.{source} WHERE _file_name = ?", [file_name]).fetchone()[0]
