"""Every case of the bad-input corpus (corpus.py) through the pipeline's own steps, in one warehouse:
each source is landed (``land_source``, what the raw asset runs, on a pinned clock) and staged
(``stage``, the staging asset), and its rows are accounted for (``row_accounts``, the blocking asset
check). Each case ends as a failed delivery naming its file, as rows staged and quarantined with
reasons, or as a file not read (ignored or waiting) named in the landing's note: never an exception,
never a lost row, and the good delivery beside it always lands. Landing everything a second time
changes nothing (a re-run is a no-op; staging is rebuilt from raw on every run). That a source's failure
leaves the other assets of a Dagster run going is tested in tests/pipelines/test_bad_deliveries.py."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml
from corpus import CASES, GOOD_FILES, WIDTHS, Case
from hostile_files import HEADER, Folder, Fresh, Link, Pipe, csv_text, person

from connectors.spec import load_registry
from warehouse.accounting import row_accounts
from warehouse.database import create_bookkeeping
from warehouse.intake import land_source
from warehouse.staging import stage

COLUMNS = {"姓名": "name", "身份证号": "id_number", "出生日期": "birth_date", "备注": "note"}


def source_name(case: Case) -> str:
    return f"bad_{case.name}"


def hostile_file(case: Case) -> str:
    (name, *_markers) = case.files()  # a case may add a completion marker after its file
    return name


def _spec(case: Case) -> dict:
    spec = {
        "name": source_name(case),
        "title": "台账",
        "owner": "居委会",
        "level": "S",
        "format": case.format,
        "record_kind": "person",
        "columns": {column: {"to": to} for column, to in COLUMNS.items()},
    }
    if case.format == "fixed_width":
        spec["fixed_width"] = {"fields": [{"name": n, "width": w} for n, w in zip(HEADER, WIDTHS, strict=False)]}
    return spec | case.spec


CLOCK = 1_790_000_000.0
"""The run's clock (seconds since the epoch): files rest an hour before it unless ``Fresh``."""


@dataclass(frozen=True)
class Run:
    warehouse: Path
    crashed: dict[str, str]
    """Source -> the exception landing or staging it raised."""
    notes: dict[str, str]
    """Source -> the first landing's note (files ignored or waiting)."""
    reruns: dict[str, tuple]
    """Source -> what it held after the first run and after the second, which must be equal."""


def _write(folder: Path, root: Path, name: str, content) -> None:
    path = folder / name
    if isinstance(content, Link):
        path.symlink_to(root / content.target)
        return
    if isinstance(content, Folder):
        path.mkdir()
        (path / "名册.csv").write_bytes(csv_text([person("王五", serial=9)]).encode())
    elif isinstance(content, Pipe):
        os.mkfifo(path)
    else:
        path.write_bytes(content.content if isinstance(content, Fresh) else content)
    age = 5 if isinstance(content, Fresh) else 3600
    os.utime(path, (CLOCK - age, CLOCK - age))


def _held(con: duckdb.DuckDBPyConnection, source: str) -> tuple:
    """What a source holds: its deliveries, raw, staged and quarantined rows."""
    return con.execute(
        "SELECT (SELECT list((file_name, status, rows_delivered) ORDER BY file_name, status) FROM meta.deliveries "
        "WHERE source = $1), (SELECT count(*) FROM quality.quarantine WHERE source = $1), "
        "(SELECT list((file_name, rule, row_number, column_name, reason) ORDER BY file_name, rule, row_number, column_name, reason) "
        "FROM quality.quarantine "
        "WHERE source = $1)",
        [source],
    ).fetchone() + tuple(
        con.execute(f"SELECT count(*) FROM {layer}.{source}").fetchone()[0] for layer in ("raw", "staging")
    )


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
        _write(folder, root, good_name, good_bytes(case.spec.get("encoding", "utf-8")))
        if marker := case.spec.get("ready_marker"):
            _write(folder, root, marker.replace("{name}", good_name), b"")
        for name, content in case.files().items():
            _write(folder, root, name, content)
    crashed, notes, reruns = {}, {}, {}
    with pytest.MonkeyPatch.context() as env, duckdb.connect(str(root / "wh.duckdb")) as con:
        env.setenv("HOUSEKEY_LANDING", str(root / "landing"))
        create_bookkeeping(con)
        for name, spec in load_registry(root / "sources").items():
            try:
                notes[name] = land_source(con, spec, now=CLOCK).note or ""
                stage(con, spec)
                first = _held(con, name)
                land_source(con, spec, now=CLOCK)  # staging rebuilds from raw: the same raw stages the same
                reruns[name] = (first, _held(con, name))
            except Exception as error:
                crashed[name] = f"{type(error).__name__}: {error}"
    return Run(root / "wh.duckdb", crashed, notes, reruns)


def test_the_corpus_has_at_least_100_cases():
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input(run: Run, case: Case):
    source, file_name = source_name(case), hostile_file(case)
    assert source not in run.crashed, run.crashed[source]
    first, again = run.reruns[source]
    assert first == again, "a second run changed what the source holds"
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        deliveries = {
            name: (status, delivered)
            for name, status, delivered in con.execute(
                "SELECT file_name, status, rows_delivered FROM meta.deliveries WHERE source = ?", [source]
            ).fetchall()
        }
        good_name, _ = GOOD_FILES[case.format]
        assert deliveries.pop(good_name) == ("loaded", 2)
        assert _staged(con, source, good_name) == 2
        if case.outcome in ("ignored", "waiting"):
            assert deliveries == {}
            assert f"{case.outcome}: {file_name}: " in run.notes[source] and case.reason in run.notes[source], (
                run.notes[source]
            )
            return
        assert list(deliveries) == [file_name]
        status, delivered = deliveries[file_name]
        if case.outcome == "failed":
            assert status == "failed"
            (reason,) = con.execute(
                "SELECT reason FROM quality.quarantine WHERE source = ? AND file_name = ? AND rule = 'unreadable_file'",
                [source, file_name],
            ).fetchone()
            assert file_name in reason and case.reason in reason, reason
        else:
            assert (status, delivered) == ("loaded", case.rows)
            for kept, expected in ((False, case.quarantined), (True, case.values_quarantined)):
                quarantined = con.execute(
                    "SELECT row_number, bool_or(contains(reason, ?)) FROM quality.quarantine WHERE source = ? "
                    "AND file_name = ? AND is_row_kept = ? GROUP BY sheet, row_number",
                    [case.row_reason if case.row_reason and not kept else case.reason, source, file_name, kept],
                ).fetchall()
                assert len(quarantined) == expected, quarantined
                assert all(row_number is not None and why for row_number, why in quarantined), quarantined
            assert _staged(con, source, file_name) == case.rows - case.quarantined
            if case.notes:
                (notes,) = con.execute(
                    "SELECT notes FROM meta.deliveries WHERE source = ? AND file_name = ?", [source, file_name]
                ).fetchone()
                assert case.notes in (notes or ""), notes
            for column, values in case.staged.items():
                kept = con.execute(
                    f"SELECT {column}::VARCHAR FROM staging.{source} WHERE _file_name = ? ORDER BY _sheet, _row_number",
                    [file_name],
                ).fetchall()
                assert [v for (v,) in kept] == values
            for column, values in case.raw.items():
                kept = con.execute(
                    f'SELECT "{column.replace(chr(34), chr(34) * 2)}" FROM raw.{source} '
                    "WHERE _file_name = ? ORDER BY _sheet, _row_number",
                    [file_name],
                ).fetchall()
                assert [v for (v,) in kept] == values
        (account,) = row_accounts(con, [source])
        assert account.balanced, account
        assert con.execute("SELECT count(*) FROM meta.deliveries").fetchone()[0] > 0  # SQL in names ran as data


def _staged(con: duckdb.DuckDBPyConnection, source: str, file_name: str) -> int:
    return con.execute(f"SELECT count(*) FROM staging.{source} WHERE _file_name = ?", [file_name]).fetchone()[0]
