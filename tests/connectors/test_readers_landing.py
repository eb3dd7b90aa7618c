"""The landing folder: every entry is a delivery, or named as ignored or waiting with its reason;
a file still being written waits (settle time on the clock passed in, or a missing completion
marker) and is offered again on a later run; links that loop are refused, never followed."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from connectors.landing import matches, survey
from connectors.spec import SourceSpec
from warehouse.database import create_bookkeeping
from warehouse.intake import land_source

NOW = 1_790_000_000.0


def _spec(fmt: str = "csv", files: str = "*.csv", **extra) -> SourceSpec:
    return SourceSpec.model_validate(
        {
            "name": "volunteers",
            "title": "志愿者",
            "owner": "居委会",
            "level": "S",
            "format": fmt,
            "files": files,
            "record_kind": "person",
            "columns": {"姓名": {"to": "name"}},
            **extra,
        }
    )


def _file(folder: Path, name: str, age_s: float = 3600, text: str = "姓名\n张三\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    os.utime(path, (NOW - age_s, NOW - age_s))
    return path


def test_every_entry_is_read_or_named_with_a_reason(tmp_path):
    folder = tmp_path / "volunteers"
    _file(folder, "名册.csv")
    _file(folder, "名册.txt")
    _file(folder, "~$名册.csv")
    _file(folder, ".DS_Store")
    (folder / "旧名册.csv").mkdir()
    os.mkfifo(folder / "管道.csv")
    (folder / "环.csv").symlink_to(folder / "环.csv")
    found = survey(_spec(), set(), tmp_path, NOW)
    assert [(f.file_name, f.refused is not None) for f in found.pending] == [("名册.csv", False), ("环.csv", True)]
    assert "is a link that loops" in found.pending[1].refused
    assert {u.name: (u.waiting, u.reason.split(" (")[0].split(":")[0]) for u in found.unread} == {
        ".DS_Store": (False, "a hidden file"),
        "~$名册.csv": (False, "an Office lock file"),
        "名册.txt": (False, "does not match the source's files pattern '*.csv'"),
        "旧名册.csv": (False, "a folder named like a delivery"),
        "管道.csv": (False, "not a regular file"),
    }


def test_a_file_still_being_written_waits_until_it_settles(tmp_path):
    folder = tmp_path / "volunteers"
    _file(folder, "名册.csv", age_s=10)
    waiting = survey(_spec(), set(), tmp_path, NOW)
    assert waiting.pending == []
    (entry,) = waiting.unread
    assert entry.waiting and str(entry).startswith("waiting: 名册.csv: modified 10 s ago, less than the 60 s")
    assert [f.file_name for f in survey(_spec(), set(), tmp_path, NOW + 60).pending] == ["名册.csv"]
    assert [f.file_name for f in survey(_spec(settle_seconds=5), set(), tmp_path, NOW).pending] == ["名册.csv"]
    assert [f.file_name for f in survey(_spec(), set(), tmp_path).pending] == ["名册.csv"]  # no clock: no settling


def test_a_delivery_waits_for_its_completion_marker(tmp_path):
    folder = tmp_path / "volunteers"
    _file(folder, "名册.csv")
    spec = _spec(ready_marker="{name}.ok")
    (entry,) = survey(spec, set(), tmp_path, NOW).unread
    assert entry.waiting and "completion marker '名册.csv.ok' is not there yet" in entry.reason
    _file(folder, "名册.csv.ok", text="")
    found = survey(spec, set(), tmp_path, NOW)
    assert ([f.file_name for f in found.pending], found.unread) == (["名册.csv"], [])  # the marker is no delivery


def test_workbooks_of_every_extension_belong_to_a_workbook_glob():
    workbook = _spec("excel", "名册_*.xlsx")
    assert [
        name
        for name in ("名册_11.xlsx", "名册_11.xlsm", "名册_11.XLS", "名册_11.ods", "名册_11.csv", "其他_11.xlsm")
        if matches(workbook, name)
    ] == ["名册_11.xlsx", "名册_11.xlsm", "名册_11.XLS", "名册_11.ods"]
    assert not matches(_spec("csv", "*.xlsx"), "名册.xlsm")  # only a workbook source reads workbooks


def test_a_waiting_file_lands_on_a_later_run_and_the_note_says_why_until_then(tmp_path):
    folder = tmp_path / "volunteers"
    _file(folder, "名册.csv", age_s=10)
    _file(folder, "说明.docx")
    with duckdb.connect() as con:
        create_bookkeeping(con)
        first = land_source(con, _spec(), tmp_path, now=NOW)
        assert first.deliveries == ()
        assert first.note == (
            "no new deliveries; waiting: 名册.csv: modified 10 s ago, less than the 60 s a delivery "
            "must rest (settle_seconds); maybe still being written: offered again on the next run; "
            "ignored: 说明.docx: does not match the source's files pattern '*.csv': not read"
        )
        later = land_source(con, _spec(), tmp_path, now=NOW + 3600)
        assert [(r.file_name, r.status, r.rows_loaded) for r in later.deliveries] == [("名册.csv", "loaded", 1)]
        assert later.note == "ignored: 说明.docx: does not match the source's files pattern '*.csv': not read"


def test_links_that_lead_nowhere_are_no_paths_to_stat_but_are_refused_deliveries(tmp_path):
    from connectors.landing import delivery_paths

    folder = tmp_path / "volunteers"
    _file(folder, "名册.csv")
    (folder / "环.csv").symlink_to(folder / "环.csv")
    (folder / "断.csv").symlink_to(folder / "没有.csv")
    assert [p.name for p in delivery_paths(_spec(), tmp_path)] == ["名册.csv"]  # what sensors stat and hash
    refused = {f.file_name: f.refused for f in survey(_spec(), set(), tmp_path, NOW).pending if f.refused}
    assert "a link that loops" in refused["环.csv"] and "which does not exist" in refused["断.csv"]
