"""After a kill between landing and staging, the landed rows are pending, not lost: the accounting still
balances, and the next run stages them."""

import textwrap

from connectors.spec import load_registry
from warehouse.accounting import row_accounts
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.staging import stage

SPEC = """
    name: residents
    title: 实有人口
    owner: 派出所
    level: S
    format: csv
    files: "*.csv"
    record_kind: person
    columns:
      姓名: {to: name}
      出生日期: {to: birth_date}
"""


def test_rows_landed_but_not_staged_are_pending_until_the_next_run_stages_them(tmp_path):
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "residents.yaml").write_text(textwrap.dedent(SPEC), encoding="utf-8")
    spec = load_registry(tmp_path / "sources")["residents"]
    folder = tmp_path / "landing" / "residents"
    folder.mkdir(parents=True)
    good = "".join(f"人{i},1980-01-0{i}\n" for i in range(1, 6))
    # one row without its required name (quarantined whole), one date that is no date (the value alone)
    (folder / "a.csv").write_text(f"姓名,出生日期\n{good},1980-01-09\n李四,不详\n", encoding="utf-8")
    with connect(tmp_path / "wh.duckdb") as con:
        land_source(con, spec, tmp_path / "landing")
        stage(con, spec)
        (folder / "b.csv").write_text(
            "姓名,出生日期\n王五,1990-03-04\n赵六,1991-05-06\n钱七,1992-07-08\n", encoding="utf-8"
        )
        land_source(con, spec, tmp_path / "landing")  # ... and the run is killed here, before staging
        (account,) = row_accounts(con, ["residents"])
        assert (account.delivered, account.staged, account.quarantined, account.pending) == (10, 6, 1, 3)
        assert account.balanced
        stage(con, spec)  # the next run
        (account,) = row_accounts(con, ["residents"])
        assert (account.delivered, account.staged, account.quarantined, account.pending) == (10, 9, 1, 0)
        assert account.balanced
