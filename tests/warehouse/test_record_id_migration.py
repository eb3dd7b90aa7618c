"""The record-key migration step gives existing raw and quarantine rows the key landing gives new ones."""

import importlib
import textwrap

from connectors.readers import Delivered, Part, Unreadable
from connectors.spec import load_spec
from warehouse.database import connect
from warehouse.raw import land

SPEC = """
    name: residents
    title: 实有人口
    owner: 公安分局
    level: D
    format: excel
    files: "*.xlsx"
    record_kind: person
    columns:
      姓名: {to: name}
"""


def test_rows_landed_before_the_key_get_the_key_landing_gives(tmp_path):
    (tmp_path / "residents.yaml").write_text(textwrap.dedent(SPEC), encoding="utf-8")
    spec = load_spec(tmp_path / "residents.yaml")
    delivered = Delivered(
        [
            Part(["姓名", "_record_id"], [["张三", "x"], ["李四", "y"]], [2, 3], sheet="雁荡"),
            Part(["姓名"], [["王五"]], [2]),
        ],
        unreadable=[Unreadable(4, "too many fields", "赵六,多余", "雁荡")],
    )
    con = connect(tmp_path / "wh.duckdb")
    land(con, spec, delivered, "a.xlsx", "e" * 64, 10)
    keys = "SELECT _record_id, _record_id_2 FROM raw.residents ORDER BY ALL"
    landed, quarantined = (
        con.execute(keys).fetchall(),
        con.execute("SELECT record_id FROM quality.quarantine").fetchall(),
    )
    # the warehouse as a release before the key left it: the delivered header under its own name, no keys
    con.execute("ALTER TABLE raw.residents DROP COLUMN _record_id")
    con.execute("ALTER TABLE raw.residents RENAME COLUMN _record_id_2 TO _record_id")
    con.execute("ALTER TABLE quality.quarantine DROP COLUMN record_id")

    importlib.import_module("warehouse.migrations.0002_record_id").migrate(con)
    assert con.execute(keys).fetchall() == landed and {aside for _, aside in landed} == {None, "x", "y"}
    assert con.execute("SELECT record_id FROM quality.quarantine").fetchall() == quarantined
