"""Run summaries in meta.runs and meta.run_sources, from real runs on real files."""

import textwrap

import pytest
from dagster import AssetKey, asset, instance_for_test, materialize

from connectors.spec import load_registry
from pipelines.definitions import source_assets, warehouse_resources
from warehouse.database import connect
from warehouse.runs import record_run, summarise_run, summary_lines

SPEC = """
    name: {name}
    title: 名单
    owner: 民政科
    level: S
    format: csv
    files: "*.csv"
    record_kind: person
    record_key: [公民身份号码]  # the key: a row whose ID number is no ID number is quarantined whole
    columns:
      姓名: {{to: name}}
      公民身份号码: {{to: id_number}}
"""


@pytest.fixture
def world(tmp_path, monkeypatch):
    """Two sources: contacts (a good file with a row whose ID number is no ID number, a binary file) and visits."""
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    sources = tmp_path / "sources"
    sources.mkdir()
    deliveries = {
        "contacts": {
            "a.csv": ("姓名,公民身份号码\n" + "张三,\n" * 5 + "李四,身份证遗失\n").encode(),
            "b.csv": b"\x00\x01\x02PK\x03\x04" * 50,
        },
        "visits": {"v.csv": "姓名,公民身份号码\n王五,\n".encode()},
    }
    for name, files in deliveries.items():
        (sources / f"{name}.yaml").write_text(textwrap.dedent(SPEC.format(name=name)), encoding="utf-8")
        folder = tmp_path / "landing" / name
        folder.mkdir(parents=True)
        for file_name, content in files.items():
            (folder / file_name).write_bytes(content)
    with instance_for_test() as instance:
        yield load_registry(sources), instance


def run_and_record(registry, instance, assets=None):
    result = materialize(
        assets or source_assets(registry),
        resources=warehouse_resources(),
        instance=instance,
        tags={"housekey/command": "run"},
        raise_on_error=False,
    )
    with connect() as con:
        summary = summarise_run(instance, result.run_id, registry, con)
        record_run(con, summary)
    return summary


def test_a_run_records_its_figures_per_source(world):
    registry, instance = world
    summary = run_and_record(registry, instance)
    assert (summary.trigger, summary.status) == ("command:run", "success")
    with connect(read_only=True) as con:
        rows = {
            row[0]: row[1:]
            for row in con.execute(
                "SELECT source, status, files, rows_delivered, rows_landed, rows_quarantined, rows_staged, failed_step,"
                " failed_file FROM meta.run_sources WHERE run_id = ?",
                [summary.run_id],
            ).fetchall()
        }
        assert rows == {
            "contacts": (
                "failed",
                1,
                6,
                6,
                1,
                5,
                "raw",
                "b.csv",
            ),  # a row with no ID number in its ID number: quarantined
            "visits": ("ok", 1, 1, 1, 0, 1, None, None),
        }
        run = con.execute(
            "SELECT trigger, status, sources, rows_landed, rows_quarantined, failures, failure_messages, as_of::VARCHAR"
            " FROM meta.runs"
        ).fetchall()
        assert run == [("command:run", "success", 2, 7, 1, 1, [str(summary.failures[0])], "2026-11-01")]
    assert str(summary.failures[0]).startswith("contacts, file b.csv, step raw: ")
    assert all(part.seconds > 0 for part in summary.sources)


def test_a_second_run_counts_only_its_own_deliveries(world, tmp_path):
    registry, instance = world
    run_and_record(registry, instance)
    (tmp_path / "landing" / "visits" / "w.csv").write_text("姓名,公民身份号码\n赵六,\n钱七,\n")
    second = run_and_record(registry, instance)
    figures = {part.source: (part.files, part.rows_landed, part.status) for part in second.sources}
    assert figures == {"contacts": (0, 0, "failed"), "visits": (1, 2, "ok")}  # a failed file is tried again
    with connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.runs").fetchone() == (2,)


def test_recording_a_run_twice_keeps_one_summary(world):
    registry, instance = world
    summary = run_and_record(registry, instance)
    with connect() as con:
        record_run(con, summary)
        assert con.execute("SELECT count(*) FROM meta.runs").fetchone() == (1,)
        assert con.execute("SELECT count(*) FROM meta.run_sources").fetchone() == (2,)


def test_a_crashed_step_names_its_source_and_step_and_what_waited(world):
    registry, instance = world

    @asset(key=["raw", "visits"])
    def crashing() -> None:
        raise OSError("disk full while landing")

    @asset(key=["staging", "visits"], deps=[AssetKey(["raw", "visits"])])
    def waiting() -> None:
        pass

    summary = run_and_record(registry, instance, [crashing, waiting])
    (visits,) = summary.sources
    assert (summary.status, visits.status) == ("failure", "failed")
    assert [str(failure) for failure in summary.failures] == [
        "visits, step raw__visits: OSError: disk full while landing"
    ]
    lines = summary_lines(summary)
    assert lines[0].startswith(f"run {summary.run_id[:8]} (command:run), as of 2026-11-01: failure")
    assert lines[-1] == "✗ visits, step raw__visits: OSError: disk full while landing"


def test_a_run_whose_delivery_is_held_says_held_and_counts_the_held_sources(world, tmp_path):
    registry, instance = world
    run_and_record(registry, instance)
    (tmp_path / "landing" / "visits" / "w.csv").write_text("姓名,公民身份号码\n赵六,遗失\n钱七,补办中\n孙八,\n")
    summary = run_and_record(registry, instance)  # 2 of 3 rows with no ID number in their key: above 20%, held
    parts = {part.source: part for part in summary.sources}
    assert (summary.status, summary.held_sources) == ("held", 1)
    assert (parts["visits"].status, parts["contacts"].status) == ("held", "failed")
    assert "visits: delivery w.csv held, not staged: 2 of 3 rows (67%) failed" in parts["visits"].note
    with connect(read_only=True) as con:
        assert con.execute(
            "SELECT status, held_sources FROM meta.runs WHERE run_id = ?", [summary.run_id]
        ).fetchall() == [("held", 1)]
        assert con.execute(
            "SELECT status, message FROM meta.run_sources WHERE run_id = ? AND source = 'visits'", [summary.run_id]
        ).fetchone() == ("held", parts["visits"].note)
    assert summary_lines(summary)[0].startswith(
        f"run {summary.run_id[:8]} (command:run), as of 2026-11-01: held (1 held)"
    )
