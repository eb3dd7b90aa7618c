"""A bad delivery fails alone: the run goes on, other files and sources land, the failure names the file."""

import io
import textwrap
import zipfile

import duckdb
from dagster import DagsterInstance, materialize

from connectors.spec import load_registry
from pipelines.definitions import source_assets, warehouse_resources

SPEC = """
    name: {name}
    title: 台账
    owner: 居委会
    level: S
    format: {format}
    files: "{glob}"
    record_kind: person
    columns:
      姓名: {{to: name}}
"""


def _truncated_xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>" * 200)
        book.writestr("xl/workbook.xml", "<workbook>" * 200)
    return buffer.getvalue()[:300]


def test_bad_files_fail_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("HOUSEKEY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    sources = tmp_path / "sources"
    sources.mkdir()
    files = {
        ("ledger", "excel", "*.xlsx"): {"2026-11.xlsx": _truncated_xlsx()},
        ("contacts", "csv", "*.csv"): {
            "a.csv": b"\x00\x01\x02PK\x03\x04" * 50,
            "b.csv": "姓名\n张三\n".encode("gbk"),
            "c.csv": b"",
            "d.csv": "姓名\n".encode(),
        },
        ("visits", "jsonl", "*.jsonl"): {"v.jsonl": '{"姓名": "王五"}\n'.encode()},
    }
    for (name, fmt, glob), deliveries in files.items():
        (sources / f"{name}.yaml").write_text(textwrap.dedent(SPEC.format(name=name, format=fmt, glob=glob)))
        folder = tmp_path / "landing" / name
        folder.mkdir(parents=True)
        for file_name, content in deliveries.items():
            (folder / file_name).write_bytes(content)

    result = materialize(
        source_assets(load_registry(sources)), resources=warehouse_resources(), instance=DagsterInstance.ephemeral()
    )
    assert result.success
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        statuses = dict(con.execute("SELECT file_name, status FROM meta.deliveries").fetchall())
        assert statuses == {
            "2026-11.xlsx": "failed",
            "a.csv": "failed",
            "b.csv": "loaded",
            "c.csv": "failed",
            "d.csv": "loaded",
            "v.jsonl": "loaded",
        }
        reasons = dict(con.execute("SELECT file_name, reason FROM quality.quarantine").fetchall())
        assert all(name in reasons[name] for name in ("2026-11.xlsx", "a.csv", "c.csv"))
        assert "binary" in reasons["a.csv"] and "empty" in reasons["c.csv"]
        assert con.execute("SELECT name FROM staging.contacts").fetchall() == [("张三",)]
        assert con.execute("SELECT name FROM staging.visits").fetchall() == [("王五",)]
