"""A changes file re-sent under its name with more lines adds only the new lines: the sample's real October
12345 export, exported again with three more work orders (and once with an earlier order changed)."""

import os
import shutil

import openpyxl
import pytest

from connectors.spec import load_registry
from data_samples.generator.generate import SAMPLES
from warehouse.accounting import row_accounts
from warehouse.database import connect
from warehouse.intake import land_source
from warehouse.staging import stage

OCTOBER = "12345工单_瑞金二路街道_202610.xlsx"
SETTLED = 1_700_000_000  # a modification time long past: the file is complete


@pytest.fixture
def hotline(tmp_path, monkeypatch):
    monkeypatch.setenv("HOUSEKEY_LANDING", str(tmp_path / "landing"))
    folder = tmp_path / "landing" / "hotline_12345"
    folder.mkdir(parents=True)
    shutil.copy2(SAMPLES / "landing" / "hotline_12345" / OCTOBER, folder / OCTOBER)
    spec = load_registry()["hotline_12345"]
    con = connect(tmp_path / "wh.duckdb")

    def run() -> None:
        land_source(con, spec)
        stage(con, spec)

    def resend(change) -> None:
        """Export October again under its name, ``change`` applied to its sheet."""
        book = openpyxl.load_workbook(folder / OCTOBER)
        change(book.worksheets[0])
        book.save(folder / OCTOBER)
        os.utime(folder / OCTOBER, (SETTLED, SETTLED))

    yield run, resend, con
    con.close()


def three_more(sheet) -> None:
    last = [cell.value for cell in sheet[sheet.max_row]]
    for n in range(1, 4):
        sheet.append([f"261031{n:05d}", *last[1:]])


def staged(con) -> tuple[int, int]:
    return con.execute("SELECT count(*), count(DISTINCT event_ref) FROM staging.hotline_12345").fetchone()


def test_a_resent_changes_file_lands_only_its_new_rows(hotline):
    run, resend, con = hotline
    run()
    (before,) = con.execute("SELECT rows_delivered FROM meta.deliveries").fetchone()
    assert staged(con) == (before, before)
    resend(three_more)
    run()
    rows = con.execute("SELECT rows_delivered, rows_resent, notes FROM meta.deliveries ORDER BY loaded_at").fetchall()
    assert [r[:2] for r in rows] == [(before, 0), (3, before)]
    assert f"{before:,} rows already loaded there, not landed again" in rows[1][2]
    assert staged(con) == (before + 3, before + 3)  # no work order twice
    landed = con.execute(
        "SELECT _row_number FROM raw.hotline_12345 WHERE _delivery_id = "
        "(SELECT delivery_id FROM meta.deliveries ORDER BY loaded_at DESC LIMIT 1) ORDER BY 1"
    ).fetchall()
    assert landed == [(before + 2,), (before + 3,), (before + 4,)]  # the file's own rows, after the header
    (account,) = row_accounts(con, ["hotline_12345"])
    assert account.balanced and (account.delivered, account.resent) == (before + 3, before)


def test_a_changed_earlier_row_of_a_resent_file_is_quarantined_not_loaded_twice(hotline):
    run, resend, con = hotline
    run()
    (before,) = con.execute("SELECT rows_delivered FROM meta.deliveries").fetchone()

    def changed_and_more(sheet) -> None:
        sheet.cell(row=3, column=10).value = "重新处理：已办结。"  # row 3's 处理结果 rewritten
        three_more(sheet)

    resend(changed_and_more)
    run()
    ((row, column, rule, reason),) = con.execute(
        "SELECT row_number, column_name, rule, reason FROM quality.quarantine WHERE rule = 'resent_row_changed'"
    ).fetchall()
    assert (row, column, rule) == (3, "处理结果", "resent_row_changed")
    assert reason.startswith(f"row 3 of the re-sent {OCTOBER} differs from the row delivery hotline_12345:")
    assert staged(con) == (before + 3, before + 3)
    assert con.execute(
        "SELECT rows_delivered, rows_quarantined, rows_resent FROM meta.deliveries ORDER BY loaded_at DESC LIMIT 1"
    ).fetchone() == (4, 1, before - 1)
    (account,) = row_accounts(con, ["hotline_12345"])
    assert account.balanced
