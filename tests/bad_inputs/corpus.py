"""The bad-input corpus: malformed and hostile deliveries, each with what must become of it.

Every case is a source of its own (``bad_<case>``, a person ledger with the columns of ``HEADER``)
whose landing folder holds the hostile file(s) next to one good delivery of two rows. A case ends
one of two ways, and test_corpus.py checks it through the real pipeline:

- ``failed``: the file is recorded as a failed delivery, with an error naming it (and ``reason``);
- ``loaded``: all ``rows`` of the file are accounted for, ``quarantined`` of them with a reason
  containing ``reason``, the rest staged; ``raw`` lists values that must land exactly as written.

- ``ignored`` or ``waiting``: the file is not read (not a delivery, or maybe still being written)
  and the landing's note names it with ``reason``; a waiting file is offered again on a later run.

A file with bad rows also holds ten good ones (``MOSTLY_GOOD``), so that the bad rows stay under the
share at which the quality gate holds a whole delivery and each bad row meets its own fate.

Either way the run goes on, the good delivery lands, and delivered = staged + quarantined.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from hostile_files import (
    GOOD_ROWS,
    HEADER,
    Cached,
    Folder,
    Fresh,
    Link,
    Pipe,
    Serial,
    csv_text,
    fixed_width_text,
    jsonl_text,
    ods,
    person,
    random_bytes,
    resident_id,
    rezipped,
    with_flipped_sheet_bytes,
    with_padded_sheet,
    with_unused_shared_strings,
    xls,
    xlsx,
    xlsx_all_sheets_hidden,
    xlsx_merged_title_and_header,
    xlsx_shared_strings,
    xlsx_typed,
    xlsx_with_cached_formulas,
)

WIDTHS = [4, 18, 10, 4]
DROP = "'; DROP TABLE meta.deliveries; --"
MEGABYTE_NOTE = "长" * 2**20


@dataclass(frozen=True)
class Case:
    name: str
    format: Literal["csv", "excel", "json", "jsonl", "fixed_width"]
    files: Callable[[], dict[str, bytes | Link]]
    outcome: Literal["failed", "loaded", "ignored", "waiting"]
    reason: str = ""
    """Text the error (failed), every quarantine reason (loaded) or the landing's note on the file
    (ignored, waiting: not read, so not a delivery) must contain."""
    rows: int = 0
    """Rows the hostile file holds: every one must be delivered, then staged or quarantined."""
    quarantined: int = 0
    values_quarantined: int = 0
    """Values quarantined alone: their rows are staged with the value NULL."""
    raw: dict[str, list[str | None]] = field(default_factory=dict)
    """Raw column -> the hostile file's values in row order, exactly as they must land."""
    spec: dict = field(default_factory=dict)
    """Spec fields that differ from the default ledger's."""
    staged: dict[str, list[str | None]] = field(default_factory=dict)
    """Canonical column -> the hostile file's staged values in row order, as text."""
    notes: str = ""
    """Text the delivery's notes must contain (what the reader corrected or skipped)."""
    row_reason: str = ""
    """Text the reasons of rows quarantined whole must contain, when it is not ``reason`` (a value
    quarantined alone can leave its row failing a rule of the quality gate)."""


def _csv(rows, header=HEADER, encoding="utf-8", sep=",") -> bytes:
    return csv_text(rows, header, sep).encode(encoding)


MOSTLY_GOOD = GOOD_ROWS * 5
FORMULAS = ["=1+1", '=HYPERLINK("http://x.example/a","点此")', "=cmd|' /C calc'!A0"]
FORMULA_ROWS = [
    person(n, serial=s, note=f) for n, s, f in zip(["张三", "李四", "王五"], [1, 2, 3], FORMULAS, strict=False)
]
NOTED_AT = {
    "columns": {
        "姓名": {"to": "name"},
        "身份证号": {"to": "id_number"},
        "出生日期": {"to": "birth_date"},
        "备注": {"to": "note"},
        "登记日期": {"to": "noted_at"},
    }
}
"""The ledger with a date column more: when the fact was recorded."""
WORKBOOKS_ONLY = {"files": "*.xlsx"}
CSV_ONLY = {"files": "*.csv"}
ERRORS = ["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!"]
OLD_ID = "310101800101123"
"""A 15-digit resident ID number (issued before 1999), as a number in a workbook it keeps every digit."""
ZW_NAMES = ["张\u200b三", "\u202e李四", "\ufeff王五\u2066"]
GOOD_IDS = [r[1] for r in MOSTLY_GOOD]
INVALID_DATES = [
    *MOSTLY_GOOD,
    ["李四", resident_id("1975-06-30", 456), "1975-02-30", None],
    ["王五", resident_id("1990-01-01", 789), "昨天", None],
]
MANGLED_IDS = [*MOSTLY_GOOD, ["李四", "3.10101E+17", "1975-06-30", None]]

CASES = [
    # --- workbooks ---
    Case("xlsx_truncated", "excel", lambda: {"名册.xlsx": xlsx(GOOD_ROWS)[:900]}, "failed", "not a readable workbook"),
    Case("xlsx_not_a_zip", "excel", lambda: {"名册.xlsx": random_bytes(4000)}, "failed", "not a readable workbook"),
    Case(
        "xlsx_flipped_bytes",
        "excel",
        lambda: {"名册.xlsx": with_flipped_sheet_bytes(xlsx(GOOD_ROWS * 20))},
        "failed",
        "名册",
    ),
    Case(
        "xlsx_broken_sheet_xml",
        "excel",
        lambda: {
            "名册.xlsx": rezipped(xlsx(GOOD_ROWS), {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c"})
        },
        "failed",
        "名册",
    ),
    Case("xlsx_empty_file", "excel", lambda: {"名册.xlsx": b""}, "failed", "empty"),
    Case("csv_named_xlsx", "excel", lambda: {"名册.xlsx": _csv(GOOD_ROWS)}, "failed", "not a readable workbook"),
    Case("xls_named_xlsx", "excel", lambda: {"名册.xlsx": xls(GOOD_ROWS)}, "loaded", rows=2),
    Case("xlsx_named_xls", "excel", lambda: {"名册.xls": xlsx(GOOD_ROWS[:1])}, "loaded", rows=1),
    Case(
        "xlsx_huge_shared_strings",
        "excel",
        lambda: {"名册.xlsx": with_unused_shared_strings(xlsx_shared_strings([person("王五", serial=9)]), 100_000)},
        "loaded",
        rows=1,
    ),
    Case(
        "xlsx_zip_bomb_ish",
        "excel",
        lambda: {"名册.xlsx": with_padded_sheet(xlsx([person("王五", serial=9)]), 40)},
        "loaded",
        rows=1,
    ),
    Case(
        "xlsx_enormous_cell",
        "excel",
        lambda: {"名册.xlsx": xlsx([person("王五", serial=9, note=MEGABYTE_NOTE)])},
        "loaded",
        rows=1,
        raw={"备注": [MEGABYTE_NOTE[:32767]]},
    ),  # Excel's limit: as Excel shows it
    Case(
        "xlsx_formulas_without_values",
        "excel",
        lambda: {"名册.xlsx": xlsx(FORMULA_ROWS)},
        "loaded",
        rows=3,
        raw={"备注": FORMULAS},
    ),
    Case(
        "xlsx_formulas_with_values",
        "excel",
        lambda: {"名册.xlsx": xlsx_with_cached_formulas()},
        "loaded",
        rows=3,
        raw={"备注": ["2", "点此", "0"]},
    ),
    Case(
        "xlsx_duplicate_and_empty_headers",
        "excel",
        lambda: {"名册.xlsx": xlsx([[*person("王五", serial=9), "甲", "乙"]], header=[*HEADER, "姓名", None])},
        "loaded",
        rows=1,
        raw={"姓名_2": ["甲"], "列6": ["乙"]},
    ),
    Case("xlsx_header_only", "excel", lambda: {"名册.xlsx": xlsx([])}, "loaded", rows=0),
    Case(
        "xlsx_mangled_ids",
        "excel",
        lambda: {"名册.xlsx": xlsx([*MOSTLY_GOOD, ["王五", 310101197506304563, "1975-06-30", None]])},
        "loaded",
        "mangled by Excel",
        rows=11,
        values_quarantined=1,
        raw={"身份证号": [r[1] for r in MOSTLY_GOOD] + ["3.10101E+17"]},
    ),
    Case(
        "xlsx_invalid_dates",
        "excel",
        lambda: {"名册.xlsx": xlsx(INVALID_DATES)},
        "loaded",
        "not a date",
        rows=12,
        values_quarantined=2,
    ),
    Case(
        "xlsx_control_characters",
        "excel",
        lambda: {"名册.xlsx": xlsx_shared_strings([person("王五", serial=9, note="响铃\x07转义\x1b")])},
        "loaded",
        rows=1,
        raw={"备注": ["响铃\x07转义\x1b"]},
    ),
    Case("xlsx_only_hidden_sheets", "excel", lambda: {"名册.xlsx": xlsx_all_sheets_hidden()}, "failed", "hidden"),
    Case(
        "xlsx_merged_title_and_header",
        "excel",
        lambda: {"名册.xlsx": xlsx_merged_title_and_header()},
        "loaded",
        rows=2,
        raw={"备注_2": ["补充", "补充"]},
    ),
    Case(
        "xlsx_sql_in_sheet_name",
        "excel",
        lambda: {"名册.xlsx": xlsx([person("王五", serial=9)], sheet="x'; DROP TABLE raw.x;--")},
        "loaded",
        rows=1,
        raw={"_sheet": ["x'; DROP TABLE raw.x;--"]},
    ),
    Case(
        "xlsx_sql_in_column_name",
        "excel",
        lambda: {"名册.xlsx": xlsx([[*person("王五", serial=9), "x"]], header=[*HEADER, DROP])},
        "loaded",
        rows=1,
        raw={DROP: ["x"]},
    ),
    # --- delimited text ---
    Case(
        "csv_gbk_declared_utf8",
        "csv",
        lambda: {"名册.csv": _csv(GOOD_ROWS * 5, encoding="gbk")},
        "failed",
        "does not read as utf-8",
        spec={"encoding": "utf-8"},
    ),
    Case(
        "csv_utf8_declared_gbk",
        "csv",
        lambda: {"名册.csv": _csv([person("王五居民委员会", serial=9)] * 5)},
        "failed",
        "it is UTF-8",
        spec={"encoding": "gbk"},
    ),
    Case(
        "csv_utf16_without_bom",
        "csv",
        lambda: {"名册.txt": csv_text([person("王五", serial=9)], sep="\t").encode("utf-16-le")},
        "loaded",
        rows=1,
    ),
    Case(
        "csv_mixed_encodings",
        "csv",
        lambda: {
            "名册.csv": _csv(GOOD_ROWS * 10)
            + _csv([person("王五", serial=9)], header=[]).replace("王五".encode(), "王五".encode("gbk"))
        },
        "loaded",
        "undecodable",
        rows=21,
        quarantined=1,
    ),
    Case("csv_binary_data", "csv", lambda: {"名册.csv": random_bytes(5000)}, "failed", "名册.csv"),
    Case("csv_pdf_named_csv", "csv", lambda: {"名册.csv": b"%PDF-1.7\n" + random_bytes(500)}, "failed", "PDF"),
    Case(
        "csv_enormous_cell",
        "csv",
        lambda: {"名册.csv": _csv([person("王五", serial=9, note=MEGABYTE_NOTE)])},
        "loaded",
        rows=1,
        raw={"备注": [MEGABYTE_NOTE]},
    ),
    Case(
        "csv_formula_cells",
        "csv",
        lambda: {"名册.csv": _csv(FORMULA_ROWS[:1] + [person("赵六", serial=4, note="@SUM(1+1)")])},
        "loaded",
        rows=2,
        raw={"备注": ["=1+1", "@SUM(1+1)"]},
    ),
    Case(
        "csv_duplicate_and_empty_headers",
        "csv",
        lambda: {"名册.csv": _csv([[*person("王五", serial=9), "甲", "乙"]], header=[*HEADER, "姓名", " "])},
        "loaded",
        rows=1,
        raw={"姓名_2": ["甲"], "列6": ["乙"]},
    ),
    Case("csv_header_only", "csv", lambda: {"名册.csv": _csv([])}, "loaded", rows=0),
    Case("csv_empty_file", "csv", lambda: {"名册.csv": b""}, "failed", "empty"),
    Case("csv_blank_lines_only", "csv", lambda: {"名册.csv": b" \r\n\r\n\t\r\n"}, "failed", "empty"),
    Case(
        "csv_invalid_dates",
        "csv",
        lambda: {"名册.csv": _csv(INVALID_DATES)},
        "loaded",
        "not a date",
        rows=12,
        values_quarantined=2,
    ),
    Case(
        "csv_future_birth_date",
        "csv",
        lambda: {"名册.csv": _csv([*MOSTLY_GOOD, person("未来", "2099-01-01", 11)])},
        "loaded",
        "birth date",
        rows=11,
        values_quarantined=1,
    ),
    Case(
        "csv_control_characters",
        "csv",
        lambda: {"名册.csv": _csv(GOOD_ROWS * 20 + [person("王五", serial=9, note="响铃\x07转义\x1b退格\x08")])},
        "loaded",
        rows=41,
    ),
    Case(
        "csv_nul_byte",
        "csv",
        lambda: {"名册.csv": _csv(GOOD_ROWS * 20 + [person("王五", serial=9, note="空\x00字")])},
        "loaded",
        "NUL",
        rows=41,
        quarantined=1,
    ),
    Case(
        "csv_sql_in_column_names",
        "csv",
        lambda: {
            "名册.csv": _csv([[*person("王五", serial=9), "1", "2", "3"]], header=[*HEADER, DROP, 'a"b', "_row_number"])
        },
        "loaded",
        rows=1,
        raw={DROP: ["1"], 'a"b': ["2"], "_row_number_2": ["3"]},
    ),
    Case(
        "csv_ragged_rows",
        "csv",
        lambda: {"名册.csv": _csv(MOSTLY_GOOD) + "王五,x\r\n赵六,1,2,3,4,5\r\n".encode()},
        "loaded",
        "fields",
        rows=12,
        quarantined=2,
    ),
    Case(
        "csv_stray_quotes",
        "csv",
        lambda: {
            "名册.csv": _csv([*MOSTLY_GOOD, person('王"五', serial=9)])
            + f'赵六,{resident_id("1980-01-01", 5)},"1980-01-01,\r\n'.encode()
        },
        "loaded",
        "unterminated quote",
        rows=12,
        quarantined=1,
        raw={"姓名": ["张三", "李四"] * 5 + ['王"五']},
    ),
    Case(
        "csv_bom_in_the_middle",
        "csv",
        lambda: {"名册.csv": codecs.BOM_UTF8 + _csv(MOSTLY_GOOD) + codecs.BOM_UTF8 + _csv([person("王五", serial=9)])},
        "loaded",
        "not an ID number",
        rows=12,
        values_quarantined=1,
    ),
    Case(
        "csv_excel_mangled_ids",
        "csv",
        lambda: {"名册.csv": _csv(MANGLED_IDS)},
        "loaded",
        "mangled by Excel",
        rows=11,
        values_quarantined=1,
    ),
    Case(
        "csv_old_mac_line_ends", "csv", lambda: {"名册.csv": _csv(GOOD_ROWS).replace(b"\r\n", b"\r")}, "loaded", rows=2
    ),
    # --- file names and links in the landing folder ---
    Case("name_with_newline", "csv", lambda: {"名册\n2026-11.csv": _csv([person("王五", serial=9)])}, "loaded", rows=1),
    Case("name_very_long", "csv", lambda: {"名" * 80 + ".csv": _csv([person("王五", serial=9)])}, "loaded", rows=1),
    Case(
        "name_with_dots_and_backslashes",
        "csv",
        lambda: {"名册..\\..\\etc\\passwd": _csv([person("王五", serial=9)])},
        "loaded",
        rows=1,
    ),
    Case(
        "name_with_sql",
        "csv",
        lambda: {"x'; DROP TABLE meta.deliveries; --.csv": _csv([person("王五", serial=9)])},
        "loaded",
        rows=1,
    ),
    Case(
        "link_out_of_the_landing_folder", "csv", lambda: {"名册.csv": Link("secret.csv")}, "failed", "not a file inside"
    ),
    Case("link_to_nothing", "csv", lambda: {"名册.csv": Link("no/such/file.csv")}, "failed", "not a file inside"),
    # --- JSON ---
    Case("json_not_a_list", "json", lambda: {"名册.json": '{"姓名": "王五"}'.encode()}, "failed", "no list of records"),
    Case(
        "json_records_not_objects",
        "json",
        lambda: {"名册.json": ('[1, "x", null, ' + ",".join(jsonl_text(MOSTLY_GOOD * 2).splitlines()) + "]").encode()},
        "loaded",
        "not a JSON object",
        rows=23,
        quarantined=3,
    ),
    Case("json_nested_too_deep", "json", lambda: {"名册.json": b"[" * 100_000 + b"]" * 100_000}, "failed", "deep"),
    Case(
        "json_duplicate_keys",
        "json",
        lambda: {"名册.json": '[{"姓名": "王五", "姓名": "王伍", "身份证号": "310101198001010093"}]'.encode()},
        "loaded",
        rows=1,
        raw={"姓名": ["王五"], "姓名_2": ["王伍"]},
    ),
    Case(
        "json_odd_numbers_and_sql_keys",
        "json",
        lambda: {
            "名册.json": (
                '[{{"姓名": "王五", "{}": NaN, "身份证号": 310101198001010093, "备注": 1e999999}}]'.format(
                    DROP.replace('"', "")
                )
            ).encode()
        },
        "loaded",
        rows=1,
        raw={DROP: ["NaN"], "身份证号": ["310101198001010093"], "备注": ["1e999999"]},
    ),
    Case(
        "jsonl_one_bad_line",
        "jsonl",
        lambda: {"名册.jsonl": (jsonl_text(MOSTLY_GOOD) + '{"姓名": "王五", \n' + jsonl_text(GOOD_ROWS)).encode()},
        "loaded",
        "not valid JSON",
        rows=13,
        quarantined=1,
    ),
    Case(
        "jsonl_nested_too_deep_line",
        "jsonl",
        lambda: {"名册.jsonl": (jsonl_text(MOSTLY_GOOD) + "[" * 100_000 + "\n").encode()},
        "loaded",
        "deep",
        rows=11,
        quarantined=1,
    ),
    # --- fixed width ---
    Case(
        "fixed_width_short_and_long_lines",
        "fixed_width",
        lambda: {
            "名册.txt": (
                fixed_width_text(MOSTLY_GOOD, WIDTHS)
                + "王五  3101\n"
                + fixed_width_text([person("赵六", serial=8, note="备注过长的行")], WIDTHS)
            ).encode()
        },
        "loaded",
        "characters, layout has",
        rows=12,
        quarantined=2,
    ),
    Case("fixed_width_binary", "fixed_width", lambda: {"名册.txt": random_bytes(3000, seed=7)}, "failed", "名册.txt"),
    # --- numbers that are no dates (issue 14): never a crash, never 9999-12-31, never the 1 of 1e400 ---
    Case(
        "json_infinity_and_huge_dates",
        "json",
        lambda: {
            "名册.json": (
                "["
                + ",".join(jsonl_text(MOSTLY_GOOD * 3).splitlines())
                + ","
                + ",".join(
                    '{{"姓名": "王五", "身份证号": "{}", "出生日期": {}}}'.format(resident_id("1980-01-01", 9), literal)
                    for literal in ("Infinity", "-Infinity", "NaN", "1e400")
                )
                + "]"
            ).encode()
        },
        "loaded",
        "not a date",
        rows=34,
        values_quarantined=4,
    ),
    Case(
        "jsonl_infinity_dates",
        "jsonl",
        lambda: {
            "名册.jsonl": (
                jsonl_text(MOSTLY_GOOD * 2)
                + '{"姓名": "王五", "出生日期": Infinity}\n'
                + '{"姓名": "赵六", "出生日期": -1e999}\n'
            ).encode()
        },
        "loaded",
        "not a date",
        rows=22,
        values_quarantined=2,
        raw={"出生日期": [r[2] for r in MOSTLY_GOOD * 2] + ["Infinity", "-1e999"]},
    ),
    Case(
        "csv_infinity_as_text_dates",
        "csv",
        lambda: {
            "名册.csv": _csv(
                [
                    *MOSTLY_GOOD * 2,
                    ["王五", resident_id("1980-01-01", 9), "infinity", None],
                    ["赵六", resident_id("1980-01-01", 8), "-Infinity", None],
                ]
            )
        },
        "loaded",
        "not a date",
        rows=22,
        values_quarantined=2,
    ),
    Case(
        "json_number_dates_as_serials",
        "json",
        lambda: {
            "名册.json": (
                "["
                + ",".join(jsonl_text(MOSTLY_GOOD).splitlines())
                + ',{{"姓名": "王五", "身份证号": "{}", "出生日期": 29221}}]'.format(resident_id("1980-01-01", 9))
            ).encode()
        },
        "loaded",
        rows=11,
        staged={"birth_date": [r[2] for r in MOSTLY_GOOD] + ["1980-01-01"]},
    ),
    # --- limits: named failures in linear time, bounded memory ---
    Case(
        "xlsx_stray_cell_in_xfd",
        "excel",
        lambda: {"名册.xlsx": xlsx_typed(GOOD_ROWS, far=(1, 16383, "x"))},
        "failed",
        "cell XFD2: past the limit of 1,000 columns",
    ),
    Case(
        "xlsx_stray_cell_far_down",
        "excel",
        lambda: {"名册.xlsx": xlsx_typed(GOOD_ROWS, far=(1_048_575, 3, "x"))},
        "failed",
        "max_cells",
        spec={"limits": {"max_cells": 1_000_000}},
    ),
    Case(
        "xlsx_header_too_wide",
        "excel",
        lambda: {"名册.xlsx": xlsx_typed([], header=[*HEADER, *(f"列{i}" for i in range(1200))])},
        "failed",
        "past the limit of 1,000 columns",
    ),
    Case(
        "csv_header_too_wide",
        "csv",
        lambda: {"名册.csv": _csv(GOOD_ROWS, header=[*HEADER, *[""] * 2000])},
        "failed",
        "2,004 columns, past the limit of 1,000",
    ),
    Case(
        "csv_header_line_too_long",
        "csv",
        lambda: {"名册.csv": ("姓名" * 3000 + "\r\n").encode() + _csv(GOOD_ROWS, header=[])},
        "failed",
        "line 1 (the header) has 6,002 characters",
        spec={"limits": {"max_line_chars": 5000}},
    ),
    Case(
        "csv_data_line_too_long",
        "csv",
        lambda: {"名册.csv": _csv([*MOSTLY_GOOD, person("王五", serial=9, note="长" * 6000)])},
        "loaded",
        "max_line_chars",
        rows=11,
        quarantined=1,
        spec={"limits": {"max_line_chars": 5000}},
    ),
    Case(
        "csv_cell_too_long_across_lines",
        "csv",
        lambda: {
            "名册.csv": _csv(MOSTLY_GOOD)
            + ('王五,{},1980-01-01,"{}"\r\n'.format(resident_id("1980-01-01", 9), "长行\r\n" * 600)).encode()
        },
        "loaded",
        "max_cell_chars",
        rows=11,
        quarantined=1,
        spec={"limits": {"max_cell_chars": 2000}},
    ),
    Case(
        "csv_thousand_repeated_headers",
        "csv",
        lambda: {"名册.csv": _csv([[*person("王五", serial=9), *["x"] * 900]], header=[*HEADER, *["备注"] * 900])},
        "loaded",
        rows=1,
        raw={"备注_2": ["x"], "备注_901": ["x"]},
    ),
    Case(
        "json_cell_too_long",
        "json",
        lambda: {
            "名册.json": (
                "["
                + ",".join(jsonl_text([*MOSTLY_GOOD, person("王五", serial=9, note="长" * 3000)]).splitlines())
                + "]"
            ).encode()
        },
        "loaded",
        "max_cell_chars",
        rows=11,
        quarantined=1,
        spec={"limits": {"max_cell_chars": 2000}},
    ),
    Case(
        "json_too_many_keys",
        "json",
        lambda: {"名册.json": ("[" + ",".join(f'{{"k{i}": 1}}' for i in range(1500)) + "]").encode()},
        "failed",
        "more than 1,000 distinct keys",
    ),
    Case(
        "json_a_key_repeated_ten_thousand_times",
        "json",
        lambda: {"名册.json": ('[{"姓名": "王五", ' + ", ".join(['"x": 1'] * 10_000) + "}]").encode()},
        "failed",
        "max_columns",
    ),
    Case(
        "jsonl_line_too_long",
        "jsonl",
        lambda: {"名册.jsonl": (jsonl_text([*MOSTLY_GOOD, person("王五", serial=9, note="长" * 6000)])).encode()},
        "loaded",
        "max_line_chars",
        rows=11,
        quarantined=1,
        spec={"limits": {"max_line_chars": 5000}},
    ),
    Case(
        "fixed_width_line_too_long",
        "fixed_width",
        lambda: {"名册.txt": (fixed_width_text(MOSTLY_GOOD, WIDTHS) + "长" * 6000 + "\n").encode()},
        "loaded",
        "max_line_chars",
        rows=11,
        quarantined=1,
        spec={"limits": {"max_line_chars": 5000}},
    ),
    # --- links that loop or lead nowhere useful ---
    Case(
        "link_loop", "csv", lambda: {"名册.csv": Link("landing/bad_link_loop/名册.csv")}, "failed", "a link that loops"
    ),
    Case(
        "link_to_the_source_folder",
        "csv",
        lambda: {"名册.csv": Link("landing/bad_link_to_the_source_folder")},
        "failed",
        "not a file inside",
    ),
    # --- headers ---
    Case(
        "xlsx_header_on_row_40",
        "excel",
        lambda: {
            "名册.xlsx": xlsx_typed(
                GOOD_ROWS,
                above=[
                    ["2026年11月 居民名册"],
                    [None],
                    ["填报单位：瑞金二路街道", None, "单位：人"],
                    *[[f"说明第{i}条", "见附件"] for i in range(36)],
                ],
            )
        },
        "loaded",
        rows=2,
        raw={"姓名": ["张三", "李四"]},
        notes="header at row 40",
    ),
    Case(
        "xlsx_header_nowhere",
        "excel",
        lambda: {"名册.xlsx": xlsx_typed(GOOD_ROWS, header=["居民", "证件", "生日", "附注"])},
        "failed",
        "no row among the first 100 names at least half of the spec's columns",
    ),
    Case(
        "xlsx_header_below_row_100",
        "excel",
        lambda: {"名册.xlsx": xlsx_typed(GOOD_ROWS, above=[[f"说明第{i}条", "见附件"] for i in range(120)])},
        "failed",
        "no row among the first 100",
    ),
    # --- Excel's cached error values: kept as their text, quarantined as values with their place ---
    Case(
        "xlsx_cached_error_values",
        "excel",
        lambda: {
            "名册.xlsx": xlsx_typed(
                [
                    *MOSTLY_GOOD,
                    *(
                        [f"错{i}", resident_id("1980-01-01", i), "1980-01-01", Cached("=NA()", e)]
                        for i, e in enumerate(ERRORS)
                    ),
                ]
            )
        },
        "loaded",
        "Excel error value",
        rows=17,
        values_quarantined=7,
        raw={"备注": [r[3] for r in MOSTLY_GOOD] + ERRORS},
        notes="7 cells hold an Excel error value",
    ),
    Case(
        "xlsx_error_in_name_id_and_date",
        "excel",
        lambda: {
            "名册.xlsx": xlsx_typed(
                [
                    *MOSTLY_GOOD,
                    [
                        Cached("=VLOOKUP(1,A:A,2,0)", "#N/A"),
                        resident_id("1980-01-01", 9),
                        Cached("=1/0", "#DIV/0!"),
                        "无",
                    ],
                    ["赵六", Cached("=A1+", "#REF!"), "1980-01-01", "无"],
                ]
            )
        },
        "loaded",
        "Excel error value",
        rows=12,
        values_quarantined=2,
        quarantined=1,
        row_reason="name is required",
        staged={"name": ["张三", "李四"] * 5 + ["赵六"]},
    ),
    # --- a boolean is not a name ---
    Case(
        "xlsx_boolean_as_name",
        "excel",
        lambda: {"名册.xlsx": xlsx_typed([*MOSTLY_GOOD, [True, resident_id("1980-01-01", 9), "1980-01-01", True]])},
        "loaded",
        "is not a name",
        rows=11,
        values_quarantined=1,
        quarantined=1,
        row_reason="name is required",
        raw={"姓名": ["张三", "李四"] * 5 + ["TRUE"], "备注": [r[3] for r in MOSTLY_GOOD] + ["TRUE"]},
    ),
    Case(
        "csv_false_as_name",
        "csv",
        lambda: {"名册.csv": _csv([*MOSTLY_GOOD, ["FALSE", resident_id("1980-01-01", 9), "1980-01-01", None]])},
        "loaded",
        "is not a name",
        rows=11,
        values_quarantined=1,
        quarantined=1,
        row_reason="name is required",
    ),
    # --- invisible characters: cleaned from headers and values, and said ---
    Case(
        "csv_zero_width_and_bidi_in_names",
        "csv",
        lambda: {"名册.csv": _csv([person(n, serial=i) for i, n in enumerate(ZW_NAMES)])},
        "loaded",
        rows=3,
        raw={"姓名": ZW_NAMES},
        staged={"name": ["张三", "李四", "王五"]},
        notes="column '姓名': 3 values with invisible",
    ),
    Case(
        "csv_zero_width_space_in_header",
        "csv",
        lambda: {"名册.csv": _csv(GOOD_ROWS, header=["姓名", "身份\u200b证号", "出生日期", "备注"])},
        "loaded",
        rows=2,
        staged={"id_number": [r[1] for r in GOOD_ROWS]},
        notes="invisible characters removed",
    ),
    Case(
        "xlsx_rtl_override_in_header_and_id",
        "excel",
        lambda: {
            "名册.xlsx": xlsx_typed(
                [["张三", "\u202d" + GOOD_ROWS[0][1] + "\u202c", "1980-01-01", None]],
                header=["\u200f姓名", "身份证号", "出生日期", "备注"],
            )
        },
        "loaded",
        rows=1,
        staged={"name": ["张三"], "id_number": [GOOD_ROWS[0][1]]},
        notes="header '\\u200f姓名' of column 1",
    ),
    Case(
        "json_zero_width_in_key_and_value",
        "json",
        lambda: {
            "名册.json": (
                '[{{"姓\ufeff名": "王\u200c五", "身份证号": "{}"}}]'.format(resident_id("1980-01-01", 9))
            ).encode()
        },
        "loaded",
        rows=1,
        staged={"name": ["王五"]},
        notes="invisible characters removed",
    ),
    Case(
        "csv_header_of_only_invisible_characters",
        "csv",
        lambda: {"名册.csv": _csv([[*person("王五", serial=9), "x"]], header=[*HEADER, "\u200b\u200b"])},
        "loaded",
        rows=1,
        raw={"列5": ["x"]},
    ),
    # --- every file in the landing folder is loaded, failed, or named as ignored or waiting ---
    Case(
        "xlsm_workbook",
        "excel",
        lambda: {"名册.xlsm": xlsx([person("王五", serial=9)])},
        "loaded",
        rows=1,
        spec=WORKBOOKS_ONLY,
    ),
    Case(
        "ods_workbook",
        "excel",
        lambda: {"名册.ods": ods([person("王五", serial=9)])},
        "loaded",
        rows=1,
        spec=WORKBOOKS_ONLY,
        raw={"姓名": ["王五"]},
    ),
    Case(
        "xls_beside_an_xlsx_glob",
        "excel",
        lambda: {"名册.xls": xls([person("王五", serial=9)])},
        "loaded",
        rows=1,
        spec=WORKBOOKS_ONLY,
    ),
    Case(
        "folder_named_like_a_file", "csv", lambda: {"名册.csv": Folder()}, "ignored", "a folder named like a delivery"
    ),
    Case(
        "file_of_another_pattern",
        "csv",
        lambda: {"名册.txt": _csv(GOOD_ROWS)},
        "ignored",
        "does not match the source's files pattern '*.csv'",
        spec=CSV_ONLY,
    ),
    Case("office_lock_file", "excel", lambda: {"~$名册.xlsx": b"\x05lock"}, "ignored", "an Office lock file"),
    Case("hidden_file", "csv", lambda: {".名册.csv": _csv(GOOD_ROWS)}, "ignored", "a hidden file"),
    Case("named_pipe", "csv", lambda: {"名册.csv": Pipe()}, "ignored", "not a regular file"),
    # --- a file still being written is not read yet ---
    Case(
        "csv_still_being_written",
        "csv",
        lambda: {"名册.csv": Fresh(_csv(GOOD_ROWS)[:40])},
        "waiting",
        "modified 5 s ago, less than the 60 s",
    ),
    Case(
        "csv_without_its_ready_marker",
        "csv",
        lambda: {"名册.csv": _csv(GOOD_ROWS)},
        "waiting",
        "completion marker '名册.csv.ok' is not there yet",
        spec={"ready_marker": "{name}.ok"},
    ),
    Case(
        "csv_with_its_ready_marker",
        "csv",
        lambda: {"名册.csv": _csv([person("王五", serial=9)]), "名册.csv.ok": b""},
        "loaded",
        rows=1,
        spec={"ready_marker": "{name}.ok"},
    ),
    Case(
        "xlsx_still_being_written_under_a_shorter_settle_time",
        "excel",
        lambda: {"名册.xlsx": Fresh(xlsx(GOOD_ROWS))},
        "waiting",
        "less than the 30 s",
        spec={"settle_seconds": 30},
    ),
    # --- numbers Excel keeps, and the day it invented ---
    Case(
        "xlsx_15_digit_id_numbers_as_numbers",
        "excel",
        lambda: {"名册.xlsx": xlsx_typed([*MOSTLY_GOOD, ["老王", int(OLD_ID), "1980-01-01", None]])},
        "loaded",
        rows=11,
        raw={"身份证号": GOOD_IDS + [OLD_ID]},
        staged={"id_number": GOOD_IDS + [OLD_ID]},
    ),
    Case(
        "xlsx_serial_days_59_60_61",
        "excel",
        lambda: {
            "名册.xlsx": xlsx_typed(
                [
                    *MOSTLY_GOOD,
                    *([f"序{d}", resident_id("1980-01-01", d), "1980-01-01", "无", Serial(d)] for d in (59, 60, 61)),
                ],
                header=[*HEADER, "登记日期"],
            )
        },
        "loaded",
        "serial day 60",
        rows=13,
        values_quarantined=1,
        spec=NOTED_AT,
        notes="the 1900-02-29 that never was",
        raw={"登记日期": [None] * 10 + ["1900-02-28", "1900-02-29", "1900-03-01"]},
        staged={"noted_at": [None] * 10 + ["1900-02-28", None, "1900-03-01"]},  # day 60's row kept without it
    ),
    # --- Excel's separator hint ---
    Case(
        "csv_sep_hint",
        "csv",
        lambda: {"名册.csv": b"sep=,\r\n" + _csv(MOSTLY_GOOD)},
        "loaded",
        rows=10,
        notes="Excel's separator hint",
        raw={"姓名": ["张三", "李四"] * 5},
    ),
    Case(
        "csv_sep_hint_semicolon",
        "csv",
        lambda: {"名册.csv": b"sep=;\r\n" + _csv(GOOD_ROWS, sep=";")},
        "loaded",
        rows=2,
        notes="'sep=;'",
        raw={"身份证号": [r[1] for r in GOOD_ROWS]},
    ),
    Case(
        "csv_sep_hint_quoted_with_bom",
        "csv",
        lambda: {"名册.csv": codecs.BOM_UTF8 + b'"sep=,"\r\n' + _csv(GOOD_ROWS)},
        "loaded",
        rows=2,
        notes="separator hint",
    ),
    # --- more of the real world ---
    Case(
        "csv_boolean_note_is_kept",
        "csv",
        lambda: {"名册.csv": _csv([person("王五", serial=9, note="TRUE")])},
        "loaded",
        rows=1,
        staged={"note": ["TRUE"]},
    ),
    Case(
        "csv_full_width_digits_in_id",
        "csv",
        lambda: {
            "名册.csv": _csv([*MOSTLY_GOOD, ["王五", "３１０１０１１９８００１０１００９Ｘ", "1980-01-01", None]])
        },
        "loaded",
        "check character",  # read as 31010119800101009X, whose check character is wrong: the value alone
        rows=11,
        values_quarantined=1,
    ),
    Case(
        "csv_newline_inside_a_quoted_name",
        "csv",
        lambda: {
            "名册.csv": _csv(GOOD_ROWS)
            + ('"王\r\n五",{},1980-01-01,\r\n'.format(resident_id("1980-01-01", 9))).encode()
        },
        "loaded",
        rows=3,
        raw={"姓名": ["张三", "李四", "王\r\n五"]},
    ),
    Case(
        "csv_excel_error_text_in_date",
        "csv",
        lambda: {"名册.csv": _csv([*MOSTLY_GOOD, ["王五", resident_id("1980-01-01", 9), "#VALUE!", None]])},
        "loaded",
        "Excel error value #VALUE!",
        rows=11,
        values_quarantined=1,
    ),
]


GOOD_FILES = {
    "csv": ("good.csv", lambda encoding: _csv(GOOD_ROWS, encoding=encoding)),
    "excel": ("good.xlsx", lambda _: xlsx(GOOD_ROWS)),
    "json": ("good.json", lambda encoding: ("[" + ",".join(jsonl_text(GOOD_ROWS).splitlines()) + "]").encode(encoding)),
    "jsonl": ("good.jsonl", lambda encoding: jsonl_text(GOOD_ROWS).encode(encoding)),
    "fixed_width": ("good.txt", lambda encoding: fixed_width_text(GOOD_ROWS, WIDTHS).encode(encoding)),
}
"""The good delivery every case's source also receives, in the spec's encoding, which must land
whatever the hostile file does."""

assert len({case.name for case in CASES}) == len(CASES)
