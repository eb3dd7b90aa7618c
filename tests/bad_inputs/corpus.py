"""The bad-input corpus: malformed and hostile deliveries, each with what must become of it.

Every case is a source of its own (``bad_<case>``, a person ledger with the columns of ``HEADER``)
whose landing folder holds the hostile file(s) next to one good delivery of two rows. A case ends
one of two ways, and test_corpus.py checks it through the real pipeline:

- ``failed``: the file is recorded as a failed delivery, with an error naming it (and ``reason``);
- ``loaded``: all ``rows`` of the file are accounted for, ``quarantined`` of them with a reason
  containing ``reason``, the rest staged; ``raw`` lists values that must land exactly as written.

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
    GOOD_ROWS, HEADER, Link, csv_text, fixed_width_text, jsonl_text, person, random_bytes, resident_id, rezipped,
    with_flipped_sheet_bytes, with_padded_sheet, with_unused_shared_strings, xls, xlsx,
    xlsx_all_sheets_hidden, xlsx_merged_title_and_header, xlsx_shared_strings, xlsx_with_cached_formulas,
)

WIDTHS = [4, 18, 10, 4]
DROP = "'; DROP TABLE meta.deliveries; --"
MEGABYTE_NOTE = "长" * 2**20


@dataclass(frozen=True)
class Case:
    name: str
    format: Literal["csv", "excel", "json", "jsonl", "fixed_width"]
    files: Callable[[], dict[str, bytes | Link]]
    outcome: Literal["failed", "loaded"]
    reason: str = ""
    """Text the error (failed) or every quarantine reason (loaded) must contain."""
    rows: int = 0
    """Rows the hostile file holds: every one must be delivered, then staged or quarantined."""
    quarantined: int = 0
    values_quarantined: int = 0
    """Values quarantined alone: their rows are staged with the value NULL."""
    raw: dict[str, list[str | None]] = field(default_factory=dict)
    """Raw column -> the hostile file's values in row order, exactly as they must land."""
    spec: dict = field(default_factory=dict)
    """Spec fields that differ from the default ledger's."""


def _csv(rows, header=HEADER, encoding="utf-8", sep=",") -> bytes:
    return csv_text(rows, header, sep).encode(encoding)


MOSTLY_GOOD = GOOD_ROWS * 5
FORMULAS = ["=1+1", '=HYPERLINK("http://x.example/a","点此")', "=cmd|' /C calc'!A0"]
FORMULA_ROWS = [person(n, serial=s, note=f) for n, s, f in zip(["张三", "李四", "王五"], [1, 2, 3], FORMULAS)]
INVALID_DATES = [*MOSTLY_GOOD, ["李四", resident_id("1975-06-30", 456), "1975-02-30", None],
                 ["王五", resident_id("1990-01-01", 789), "昨天", None]]
MANGLED_IDS = [*MOSTLY_GOOD, ["李四", "3.10101E+17", "1975-06-30", None]]

CASES = [
    # --- workbooks ---
    Case("xlsx_truncated", "excel", lambda: {"名册.xlsx": xlsx(GOOD_ROWS)[:900]}, "failed", "not a readable workbook"),
    Case("xlsx_not_a_zip", "excel", lambda: {"名册.xlsx": random_bytes(4000)}, "failed", "not a readable workbook"),
    Case("xlsx_flipped_bytes", "excel", lambda: {"名册.xlsx": with_flipped_sheet_bytes(xlsx(GOOD_ROWS * 20))},
         "failed", "名册"),
    Case("xlsx_broken_sheet_xml", "excel",
         lambda: {"名册.xlsx": rezipped(xlsx(GOOD_ROWS), {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row><c"})},
         "failed", "名册"),
    Case("xlsx_empty_file", "excel", lambda: {"名册.xlsx": b""}, "failed", "empty"),
    Case("csv_named_xlsx", "excel", lambda: {"名册.xlsx": _csv(GOOD_ROWS)}, "failed", "not a readable workbook"),
    Case("xls_named_xlsx", "excel", lambda: {"名册.xlsx": xls(GOOD_ROWS)}, "loaded", rows=2),
    Case("xlsx_named_xls", "excel", lambda: {"名册.xls": xlsx(GOOD_ROWS[:1])}, "loaded", rows=1),
    Case("xlsx_huge_shared_strings", "excel",
         lambda: {"名册.xlsx": with_unused_shared_strings(xlsx_shared_strings([person("王五", serial=9)]), 100_000)}, "loaded", rows=1),
    Case("xlsx_zip_bomb_ish", "excel", lambda: {"名册.xlsx": with_padded_sheet(xlsx([person("王五", serial=9)]), 40)},
         "loaded", rows=1),
    Case("xlsx_enormous_cell", "excel", lambda: {"名册.xlsx": xlsx([person("王五", serial=9, note=MEGABYTE_NOTE)])},
         "loaded", rows=1, raw={"备注": [MEGABYTE_NOTE[:32767]]}),  # Excel's limit: as Excel shows it
    Case("xlsx_formulas_without_values", "excel", lambda: {"名册.xlsx": xlsx(FORMULA_ROWS)}, "loaded", rows=3,
         raw={"备注": FORMULAS}),
    Case("xlsx_formulas_with_values", "excel", lambda: {"名册.xlsx": xlsx_with_cached_formulas()}, "loaded", rows=3,
         raw={"备注": ["2", "点此", "0"]}),
    Case("xlsx_duplicate_and_empty_headers", "excel",
         lambda: {"名册.xlsx": xlsx([[*person("王五", serial=9), "甲", "乙"]], header=[*HEADER, "姓名", None])},
         "loaded", rows=1, raw={"姓名_2": ["甲"], "列6": ["乙"]}),
    Case("xlsx_header_only", "excel", lambda: {"名册.xlsx": xlsx([])}, "loaded", rows=0),
    Case("xlsx_mangled_ids", "excel",
         lambda: {"名册.xlsx": xlsx([*MOSTLY_GOOD, ["王五", 310101197506304563, "1975-06-30", None]])},
         "loaded", "mangled by Excel", rows=11, values_quarantined=1,
         raw={"身份证号": [r[1] for r in MOSTLY_GOOD] + ["3.10101E+17"]}),
    Case("xlsx_invalid_dates", "excel", lambda: {"名册.xlsx": xlsx(INVALID_DATES)}, "loaded", "not a date",
         rows=12, quarantined=2),
    Case("xlsx_control_characters", "excel", lambda: {"名册.xlsx": xlsx_shared_strings([person("王五", serial=9, note="响铃\x07转义\x1b")])}, "loaded", rows=1,
         raw={"备注": ["响铃\x07转义\x1b"]}),
    Case("xlsx_only_hidden_sheets", "excel", lambda: {"名册.xlsx": xlsx_all_sheets_hidden()}, "failed", "hidden"),
    Case("xlsx_merged_title_and_header", "excel", lambda: {"名册.xlsx": xlsx_merged_title_and_header()}, "loaded",
         rows=2, raw={"备注_2": ["补充", "补充"]}),
    Case("xlsx_sql_in_sheet_name", "excel", lambda: {"名册.xlsx": xlsx([person("王五", serial=9)], sheet="x'; DROP TABLE raw.x;--")},
         "loaded", rows=1, raw={"_sheet": ["x'; DROP TABLE raw.x;--"]}),
    Case("xlsx_sql_in_column_name", "excel",
         lambda: {"名册.xlsx": xlsx([[*person("王五", serial=9), "x"]], header=[*HEADER, DROP])},
         "loaded", rows=1, raw={DROP: ["x"]}),
    # --- delimited text ---
    Case("csv_gbk_declared_utf8", "csv", lambda: {"名册.csv": _csv(GOOD_ROWS * 5, encoding="gbk")}, "failed",
         "does not read as utf-8", spec={"encoding": "utf-8"}),
    Case("csv_utf8_declared_gbk", "csv", lambda: {"名册.csv": _csv([person("王五居民委员会", serial=9)] * 5)}, "failed",
         "it is UTF-8", spec={"encoding": "gbk"}),
    Case("csv_utf16_without_bom", "csv",
         lambda: {"名册.txt": csv_text([person("王五", serial=9)], sep="\t").encode("utf-16-le")}, "loaded", rows=1),
    Case("csv_mixed_encodings", "csv",
         lambda: {"名册.csv": _csv(GOOD_ROWS * 10) + _csv([person("王五", serial=9)], header=[]).replace(
             "王五".encode(), "王五".encode("gbk"))}, "loaded", "undecodable", rows=21, quarantined=1),
    Case("csv_binary_data", "csv", lambda: {"名册.csv": random_bytes(5000)}, "failed", "名册.csv"),
    Case("csv_pdf_named_csv", "csv", lambda: {"名册.csv": b"%PDF-1.7\n" + random_bytes(500)}, "failed", "PDF"),
    Case("csv_enormous_cell", "csv", lambda: {"名册.csv": _csv([person("王五", serial=9, note=MEGABYTE_NOTE)])},
         "loaded", rows=1, raw={"备注": [MEGABYTE_NOTE]}),
    Case("csv_formula_cells", "csv", lambda: {"名册.csv": _csv(FORMULA_ROWS[:1] + [person("赵六", serial=4, note="@SUM(1+1)")])},
         "loaded", rows=2, raw={"备注": ["=1+1", "@SUM(1+1)"]}),
    Case("csv_duplicate_and_empty_headers", "csv",
         lambda: {"名册.csv": _csv([[*person("王五", serial=9), "甲", "乙"]], header=[*HEADER, "姓名", " "])},
         "loaded", rows=1, raw={"姓名_2": ["甲"], "列6": ["乙"]}),
    Case("csv_header_only", "csv", lambda: {"名册.csv": _csv([])}, "loaded", rows=0),
    Case("csv_empty_file", "csv", lambda: {"名册.csv": b""}, "failed", "empty"),
    Case("csv_blank_lines_only", "csv", lambda: {"名册.csv": b" \r\n\r\n\t\r\n"}, "failed", "empty"),
    Case("csv_invalid_dates", "csv", lambda: {"名册.csv": _csv(INVALID_DATES)}, "loaded", "not a date",
         rows=12, quarantined=2),
    Case("csv_future_birth_date", "csv",
         lambda: {"名册.csv": _csv([*MOSTLY_GOOD, person("未来", "2099-01-01", 11)])},
         "loaded", "birth date", rows=11, quarantined=1),
    Case("csv_control_characters", "csv",
         lambda: {"名册.csv": _csv(GOOD_ROWS * 20 + [person("王五", serial=9, note="响铃\x07转义\x1b退格\x08")])},
         "loaded", rows=41),
    Case("csv_nul_byte", "csv", lambda: {"名册.csv": _csv(GOOD_ROWS * 20 + [person("王五", serial=9, note="空\x00字")])},
         "loaded", "NUL", rows=41, quarantined=1),
    Case("csv_sql_in_column_names", "csv",
         lambda: {"名册.csv": _csv([[*person("王五", serial=9), "1", "2", "3"]], header=[*HEADER, DROP, 'a"b', "_row_number"])},
         "loaded", rows=1, raw={DROP: ["1"], 'a"b': ["2"], "_row_number_2": ["3"]}),
    Case("csv_ragged_rows", "csv",
         lambda: {"名册.csv": _csv(MOSTLY_GOOD) + "王五,x\r\n赵六,1,2,3,4,5\r\n".encode()}, "loaded", "fields",
         rows=12, quarantined=2),
    Case("csv_stray_quotes", "csv",
         lambda: {"名册.csv": _csv([*MOSTLY_GOOD, person('王"五', serial=9)]) + f'赵六,{resident_id("1980-01-01", 5)},"1980-01-01,\r\n'.encode()},
         "loaded", "unterminated quote", rows=12, quarantined=1, raw={"姓名": ["张三", "李四"] * 5 + ['王"五']}),
    Case("csv_bom_in_the_middle", "csv",
         lambda: {"名册.csv": codecs.BOM_UTF8 + _csv(MOSTLY_GOOD) + codecs.BOM_UTF8 + _csv([person("王五", serial=9)])},
         "loaded", "not an ID number", rows=12, quarantined=1),
    Case("csv_excel_mangled_ids", "csv", lambda: {"名册.csv": _csv(MANGLED_IDS)}, "loaded", "mangled by Excel",
         rows=11, values_quarantined=1),
    Case("csv_old_mac_line_ends", "csv", lambda: {"名册.csv": _csv(GOOD_ROWS).replace(b"\r\n", b"\r")}, "loaded",
         rows=2),
    # --- file names and links in the landing folder ---
    Case("name_with_newline", "csv", lambda: {"名册\n2026-11.csv": _csv([person("王五", serial=9)])}, "loaded", rows=1),
    Case("name_very_long", "csv", lambda: {"名" * 80 + ".csv": _csv([person("王五", serial=9)])}, "loaded", rows=1),
    Case("name_with_dots_and_backslashes", "csv", lambda: {"名册..\\..\\etc\\passwd": _csv([person("王五", serial=9)])},
         "loaded", rows=1),
    Case("name_with_sql", "csv", lambda: {"x'; DROP TABLE meta.deliveries; --.csv": _csv([person("王五", serial=9)])},
         "loaded", rows=1),
    Case("link_out_of_the_landing_folder", "csv", lambda: {"名册.csv": Link("secret.csv")}, "failed", "not a file inside"),
    Case("link_to_nothing", "csv", lambda: {"名册.csv": Link("no/such/file.csv")}, "failed", "not a file inside"),
    # --- JSON ---
    Case("json_not_a_list", "json", lambda: {"名册.json": '{"姓名": "王五"}'.encode()}, "failed",
         "no list of records"),
    Case("json_records_not_objects", "json",
         lambda: {"名册.json": ("[1, \"x\", null, " + ",".join(jsonl_text(MOSTLY_GOOD * 2).splitlines()) + "]").encode()},
         "loaded", "not a JSON object", rows=23, quarantined=3),
    Case("json_nested_too_deep", "json", lambda: {"名册.json": b"[" * 100_000 + b"]" * 100_000}, "failed", "deep"),
    Case("json_duplicate_keys", "json",
         lambda: {"名册.json": '[{"姓名": "王五", "姓名": "王伍", "身份证号": "310101198001010093"}]'.encode()},
         "loaded", rows=1, raw={"姓名": ["王五"], "姓名_2": ["王伍"]}),
    Case("json_odd_numbers_and_sql_keys", "json",
         lambda: {"名册.json": ('[{"姓名": "王五", "%s": NaN, "身份证号": 310101198001010093, "备注": 1e999999}]' % DROP.replace(
             '"', "")).encode()}, "loaded", rows=1,
         raw={DROP: ["NaN"], "身份证号": ["310101198001010093"], "备注": ["1e999999"]}),
    Case("jsonl_one_bad_line", "jsonl",
         lambda: {"名册.jsonl": (jsonl_text(MOSTLY_GOOD) + '{"姓名": "王五", \n' + jsonl_text(GOOD_ROWS)).encode()},
         "loaded", "not valid JSON", rows=13, quarantined=1),
    Case("jsonl_nested_too_deep_line", "jsonl",
         lambda: {"名册.jsonl": (jsonl_text(MOSTLY_GOOD) + "[" * 100_000 + "\n").encode()}, "loaded", "deep",
         rows=11, quarantined=1),
    # --- fixed width ---
    Case("fixed_width_short_and_long_lines", "fixed_width",
         lambda: {"名册.txt": (fixed_width_text(MOSTLY_GOOD, WIDTHS) + "王五  3101\n"
                             + fixed_width_text([person("赵六", serial=8, note="备注过长的行")], WIDTHS)).encode()},
         "loaded", "characters, layout has", rows=12, quarantined=2),
    Case("fixed_width_binary", "fixed_width", lambda: {"名册.txt": random_bytes(3000, seed=7)}, "failed", "名册.txt"),
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
