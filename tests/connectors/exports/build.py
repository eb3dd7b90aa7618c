"""Writes the hand-made exports of issue 17 and their truth: six systems the sample world does not have, in
styles none of its 29 sources uses, about people and houses of the sample world.

Every row below is written by hand: which real person (data_samples/truth/people.csv) and house, how the clerk
wrote the address, the ID number and the phone, and which values are deliberately bad and why. The script only
looks up a chosen person's name, ID number and phone in the truth, formats the files and writes each export's
``truth.csv`` (one line per delivered row: its expected outcome, the rule that quarantines it or its value, its
true house and the true person of every person it names). It never calls the sample generator.

Run ``.venv/bin/python tests/connectors/exports/build.py`` to rewrite the files; the committed files are its
output.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRUTH = HERE.parents[2] / "data_samples" / "truth"
TRUTH_COLUMNS = [
    "sheet",
    "row_number",
    "outcome",
    "rule",
    "column",
    "house_id",
    "person_id",
    "counterpart_id",
    "reporter_id",
    "note",
]


def _people() -> dict[str, dict[str, str]]:
    with (TRUTH / "people.csv").open(encoding="utf-8") as f:
        return {r["person_id"]: r for r in csv.DictReader(f)}


PEOPLE = _people()


def person(pid: str) -> dict[str, str]:
    return PEOPLE[pid]


@dataclass
class Truth:
    """One delivered row's expected outcome: staged; quarantined (the whole row, by ``rule``); or value (only the
    value of ``column`` is quarantined by ``rule``, the row is staged)."""

    sheet: str
    row_number: int
    outcome: str
    rule: str
    column: str
    house_id: str
    person_id: str
    counterpart_id: str = ""
    note: str = ""
    reporter_id: str = ""


Outcome = tuple[str, str, str, str]
"""(outcome, rule, column, why): how a row ends, as ``Truth`` says it."""
STAGED: Outcome = ("staged", "", "", "")


def expect(sheet: str, row_number: int, house: str, pid: str, outcome: Outcome | None = None, **more: str) -> Truth:
    """The truth of a delivered row about ``pid`` at ``house``: staged, unless ``outcome`` says otherwise; its why
    is the note unless ``more`` gives one (and the row's other people)."""
    ends, rule, column, why = outcome or STAGED
    return Truth(sheet, row_number, ends, rule, column, house, pid, **{"note": why, **more})


def write_lines(path: Path, lines: list[str], encoding: str, newline: str = "\r\n", bom: bool = False) -> None:
    """A text export: every line ended by ``newline`` (Windows systems write CRLF), after a byte order mark if ``bom``."""
    path.write_bytes((("\ufeff" if bom else "") + "".join(line + newline for line in lines)).encode(encoding))


def write_truth(name: str, rows: list[Truth]) -> None:
    with (HERE / name / "truth.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(TRUTH_COLUMNS)
        for t in rows:
            out.writerow([getattr(t, c) for c in TRUTH_COLUMNS])


def luhn(body: str) -> str:
    """A bank card number: ``body`` and its Luhn check digit."""
    total = 0
    for i, digit in enumerate(reversed(body)):
        d = int(digit) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def save_xlsx(book, path: Path) -> None:
    """Save an openpyxl workbook with the same bytes on every build: openpyxl stamps the save time in the zip and in
    docProps/core.xml."""
    import re
    import zipfile

    book.save(path)
    with zipfile.ZipFile(path) as saved:
        parts = [(info, saved.read(info)) for info in saved.infolist()]
    with zipfile.ZipFile(path, "w") as fixed_book:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2026-10-31T09:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, (2026, 10, 31, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed_book.writestr(fixed, data)


def sex_word(pid: str) -> str:
    return "男" if person(pid)["sex"] == "M" else "女"


# ---------------------------------------------------------------------------------------------------------------
# 1. committee_allowance: 雁荡居委会's WPS-saved .xls, one sheet per month (一月 二月 三月), a title row, a filler's
#    row, a header merged over two rows (发放情况 over 金额 and 发放日期), a 合计 row and a signature row.
# ---------------------------------------------------------------------------------------------------------------
ALLOWANCE = {
    # person, house, the address as the committee writes it (no city, district or 室; its own shorthand)
    "P0000474": ("310101023001000031", "瑞金二路54弄2号二楼亭子间"),
    "P0000475": ("310101023001000031", "瑞金二路54弄2号2楼亭子间"),
    "P0001341": ("310101023001000086", "瑞金二路60号瑞成新村1号楼3单元401"),
    "P0001620": ("310101023001000040", "陕西南路10弄2号灶披间"),
    "P0002172": ("310101023001000035", "陕西南路１０弄１号灶披间"),
    "P0002547": ("310101023001000053", "瑞金二路60号瑞成新村1号楼1单元101室"),
    "P0002548": ("310101023001000053", "卢湾区瑞金二路60号瑞成新村1-1-101"),
}
MONTHS = {
    "一月": ("2026.1.15", ["P0000474", "P0000475", "P0001341", "P0001620", "P0002172", "P0002547", "P0002548"]),
    "二月": ("2026.2.13", ["P0000474", "P0000475", "P0001341", "P0001620", "P0002172", "P0002547", "P0002548"]),
    "三月": ("2026.3.16", ["P0000474", "P0001341", "P0001620", "P0002172", "P0002547", "P0002548"]),  # 许欣 moved out
}


def committee_allowance() -> None:
    import xlwt

    name = "committee_allowance"
    book = xlwt.Workbook(encoding="utf-8")
    bold = xlwt.easyxf("font: bold on; align: horiz center, vert center")
    truth: list[Truth] = []
    for month, (paid_on, pids) in MONTHS.items():
        sheet = book.add_sheet(month)
        sheet.write_merge(0, 0, 0, 7, f"瑞金二路街道雁荡居委会2026年{month}高龄老人营养补贴发放表", bold)
        sheet.write(1, 0, "填报单位（盖章）：雁荡居委会")
        sheet.write(1, 6, "单位：元")
        for col, head in enumerate(["序号", "姓名", "性别", "身份证号码", "家庭住址"]):
            sheet.write_merge(2, 3, col, col, head, bold)
        sheet.write_merge(2, 2, 5, 6, "发放情况", bold)
        sheet.write(3, 5, "金额", bold)
        sheet.write(3, 6, "发放日期", bold)
        sheet.write_merge(2, 3, 7, 7, "备注", bold)
        total = 0
        for i, pid in enumerate(pids):
            house, address = ALLOWANCE[pid]
            p = person(pid)
            amount = 300 if p["birth_date"] < "1942" else 200
            id_number, date, note, bad = p["id_number"], paid_on, "", None
            if (month, pid) == ("二月", "P0001341"):  # the clerk pasted a number-formatted cell
                id_number = "3.10101E+17"
                bad = ("value", "transform_id_number", "身份证号码", "ID number mangled by Excel")
            if (month, pid) == ("三月", "P0002547"):  # no 32 March: part of the record key, the row cannot stand
                date = "2026.3.32"
                bad = ("quarantined", "transform_date", "发放情况/发放日期", "no such day")
            if (month, pid) == ("二月", "P0000475"):
                note = "本月由女儿代领"
            row = 4 + i
            values = [i + 1, p["name"], sex_word(pid), id_number, address, amount, date, note]
            for col, value in enumerate(values):
                sheet.write(row, col, value)
            total += amount
            truth.append(expect(month, row + 1, house, pid, bad))
        sheet.write(4 + len(pids), 0, "合计")
        sheet.write(4 + len(pids), 5, total)
        sheet.write(6 + len(pids), 0, "经办人：周敏    审核人：陈建国    2026年" + month[:-1] + "月")
    book.save(str(HERE / name / "高龄营养补贴发放表_雁荡居委会_2026.xls"))
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 2. grid_visits: a street system's GBK CSV of grid workers' visits. ID numbers carry a leading tab (what the
#    system writes to stop Excel mangling them) or an apostrophe; a cell may hold a mobile and a landline; the
#    grid is written WG37 by one worker and in full by the others.
# ---------------------------------------------------------------------------------------------------------------
GRID_VISITS = [
    # person, house, grid as written, address as written, ID as written ({} is the number), phone as written,
    # visit date, kind, record, expected (outcome, rule, column, why)
    (
        "P0000160",
        "310101023016000054",
        "310101023-WG37",
        "瑞金二路82弄1号102室",
        "\t{}",
        "{}",
        "2026-10-08",
        "出租房屋",
        "租住，已登记",
        None,
    ),
    (
        "P0000161",
        "310101023016000054",
        "310101023-WG37",
        "瑞金二路82弄1号102",
        "\t{}",
        "{}/021-64371188",
        "2026-10-08",
        "出租房屋",
        "同住",
        None,
    ),
    (
        "P0000206",
        "310101023016000051",
        "310101023-WG37",
        "瑞金二路80号永嘉花园1号楼401室",
        "\t{}",
        "{}",
        "2026-10-09",
        "出租房屋",
        "租客在家",
        None,
    ),
    (
        "P0000270",
        "310101023016000053",
        "WG37",
        "瑞金二路82弄1号101室",
        "\t{}",
        "{}",
        "2026-10-10",
        "人口核查",
        "核实户籍信息",
        ("value", "suite:event.grid_code_in_street", "网格", "grid code without its subdistrict"),
    ),
    (
        "P0000271",
        "310101023016000053",
        "310101023-WG37",
        "瑞金二路82弄1号101室",
        "'{}",
        "{} / 021-66325548",
        "2026-10-10",
        "人口核查",
        "家属在家",
        None,
    ),
    (
        "P0000273",
        "310101023016000053",
        "310101023-WG37",
        "黄浦区瑞金二路82弄一号101室",
        "\t{}",
        "{}",
        "2026-10-10",
        "关爱走访",
        "独居老人，身体尚可",
        None,
    ),
    (
        "P0000555",
        "310101023016000075",
        "310101023-WG37",
        "皋兰路72弄1号301室",
        "\t{}",
        "{}",
        "2026-10-12",
        "人口核查",
        "人户一致",
        None,
    ),
    (
        "P0000556",
        "310101023016000075",
        "WG37",
        "皋兰路72弄1号301",
        "\t{}",
        "{}/13916632210",
        "2026-10-12",
        "人口核查",
        "电话两个",
        ("value", "suite:event.grid_code_in_street", "网格", "grid code without its subdistrict"),
    ),
    (
        "P0000160",
        "310101023016000054",
        "310101023-WG37",
        "瑞金二路82弄1号102室",
        "'{}",
        "{}",
        "2026-10-20",
        "出租房屋",
        "复查，无变化",
        None,
    ),
    (
        "P0000206",
        "310101023016000051",
        "310101023-WG37",
        "瑞金二路80号永嘉花园1-401",
        "\t{}",
        "{}",
        "2026-10-21",
        "出租房屋",
        "合同到期续租",
        None,
    ),
    (
        "P0000270",
        "310101023016000053",
        "310101023-WG37",
        "瑞金二路82弄1号101室",
        "\t{}",
        "{}",
        "2026-10-35",
        "人口核查",
        "日期写错",
        ("quarantined", "transform_datetime", "走访日期", "no such day: the visit's date"),
    ),
    (
        "P0000555",
        "310101023016000075",
        "310101023-WG37",
        "皋兰路72弄1号301室",
        "\t{}",
        "{}",
        "2026-10-22",
        "关爱走访",
        "送温暖",
        None,
    ),
    (
        "P0000161",
        "310101023016000054",
        "310101023-WG37",
        "瑞金二路82弄1号102室",
        "\t310103198812251185",
        "{}",
        "2026-10-23",
        "出租房屋",
        "证件号末位抄错",
        ("value", "suite:event.id_number_checksum", "证件号码", "check character wrong (a copying slip)"),
    ),
    (
        "P0000271",
        "310101023016000053",
        "310101023-WG37",
        "瑞金二路８２弄１号１０１室",
        "\t{}",
        "{}",
        "2026-10-26",
        "关爱走访",
        "子女探望",
        None,
    ),
    (
        "P0000273",
        "310101023016000053",
        "310101023-WG37",
        "瑞金二路82弄1号101室",
        "'{}",
        "{}",
        "2026-10-28",
        "关爱走访",
        "血压偏高，已联系家庭医生",
        None,
    ),
    (
        "P0000556",
        "310101023016000075",
        "310101023-WG37",
        "皋兰路72弄1号301室",
        "\t{}",
        "{}",
        "2026-10-29",
        "人口核查",
        "无变化",
        None,
    ),
]


def grid_visits() -> None:
    name = "grid_visits"
    header = ["网格", "走访对象", "证件号码", "联系方式", "居住地址", "走访日期", "走访类型", "情况记录", "网格员"]
    lines = [",".join(header)]
    truth = []
    for n, (pid, house, grid, address, id_as, phone_as, day, kind, record, bad) in enumerate(GRID_VISITS, start=2):
        p = person(pid)
        cells = [
            grid,
            p["name"],
            id_as.format(p["id_number"]),
            phone_as.format(p["phone"]),
            address,
            day,
            kind,
            record,
            "沈佳怡",
        ]
        lines.append(",".join(f'"{c}"' if any(ch in c for ch in "\t/ ") else c for c in cells))
        truth.append(expect("", n, house, pid, bad))
    write_lines(HERE / name / "网格走访登记_202610.csv", lines, "gbk")
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 3. group_rental_cases: a 群租整治台账 as the street's system exports it, '|'-separated UTF-8 with a BOM, one row
#    per step of a case, the landlord and one tenant on every row.
# ---------------------------------------------------------------------------------------------------------------
CASES = [
    # case, house, address as written, landlord, steps: (step, date, tenant, result)
    (
        "QZ2026-031",
        "310101023009000048",
        "复兴中路37弄3号亭子间",
        "P0003002",
        [
            ("发现", "2026-09-02", "P0000011", "居民举报，一间住7人"),
            ("告知", "2026-09-04", "P0000014", "已发整改告知书"),
            ("整改", "2026-09-18", "P0000011", "拆除隔断，迁出4人"),
            ("复查", "2026-09-30", "P0000016", "符合要求，结案"),
        ],
    ),
    (
        "QZ2026-034",
        "310101023017000067",
        "长乐路68号茂名坊1号楼1单元502室",
        "P0003003",
        [
            ("发现", "2026-09-06", "P0000030", "网格巡查发现"),
            ("告知", "2026-09-08", "P0000030", "房东电话告知"),
            ("整改", "2026-09-31", "P0000032", "日期录错"),
            ("复查", "2026-10-12", "P0000033", "已整改"),
        ],
    ),
    (
        "QZ2026-040",
        "310101023008000019",
        "卢湾区进贤路73弄2号101",
        "P0000026",
        [
            ("发现", "2026-09-15", "P0000035", "12345转办"),
            ("告知", "2026-09-16", "P0000037", "告知书已签收"),
            ("整改", "2026-10-09", "P0000039", "整改中"),
        ],
    ),
    (
        "QZ2026-052",
        "310101023017000069",
        "巨鹿路30弄1号101室",
        "P0003013",
        [
            ("发现", "2026-10-03", "P0000163", "消防检查发现"),
            ("告知", "2026-10-05", "P0000165", "已告知"),
            ("整改", "2026-10-20", "P0000167", "拆除床位6张"),
            ("复查", "2026-10-27", "P0000170", "结案"),
        ],
    ),
]


def group_rental_cases() -> None:
    name = "group_rental_cases"
    header = [
        "案件编号",
        "环节",
        "日期",
        "房屋地址",
        "房东姓名",
        "房东证件号",
        "房东电话",
        "租客姓名",
        "租客证件号",
        "租客电话",
        "处置情况",
        "经办人",
    ]
    lines = ["|".join(header)]
    truth = []
    n = 1
    for case, house, address, landlord, steps in CASES:
        for step, day, tenant, result in steps:
            n += 1
            lord, ten = person(landlord), person(tenant)
            tenant_id, bad = ten["id_number"], None
            if (case, step) == ("QZ2026-034", "整改"):
                bad = ("quarantined", "transform_datetime", "日期", "no 31 September")
            if (case, step) == ("QZ2026-040", "告知"):  # the tenant's number typed with its last two digits swapped
                tenant_id = tenant_id[:-2] + tenant_id[-1] + tenant_id[-2]
                bad = (
                    "value",
                    "suite:event.id_number_checksum",
                    "租客证件号",
                    "tenant's ID number with two digits swapped",
                )
            cells = [
                case,
                step,
                day,
                address,
                lord["name"],
                lord["id_number"],
                lord["phone"],
                ten["name"],
                tenant_id,
                ten["phone"],
                result,
                "城运中心 王磊",
            ]
            lines.append("|".join(cells))
            truth.append(expect("", n, house, tenant, bad, counterpart_id=landlord))  # the tenant is the subject
    write_lines(HERE / name / "群租整治台账_202610.txt", lines, "utf-8", bom=True)
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 4. household_api: a JSON dump of a household API: an envelope, pinyin-initial keys, each household with its
#    head's fields and its members as a nested list.
# ---------------------------------------------------------------------------------------------------------------
HOUSEHOLDS = [
    # household number, house, address as the API holds it, registered on, members in order (head first)
    (
        "310101023000471",
        "310101023002000037",
        "思南路22号南昌苑1号楼3单元501室",
        "2016-04-12",
        ["P0000136", "P0000137", "P0000138", "P0000139"],
    ),
    (
        "310101023000722",
        "310101023005000069",
        "永嘉路8弄3号301室",
        "2009-11-03",
        ["P0000207", "P0000208", "P0000209", "P0000210"],
    ),
    ("310101023001083", "310101023015000068", "建德路58弄1号前楼", "0000-00-00", ["P0000312", "P0000313", "P0000314"]),
    (
        "310101023001371",
        "310101023006000077",
        "淮海中路62弄2号后楼",
        "2011-06-30",
        ["P0000386", "P0000387", "P0000388", "P0000389"],
    ),
    (
        "310101023002210",
        "310101023011000004",
        "茂名南路6弄2号102室",
        "2021-09-15",
        ["P0000608", "P0000609", "P0000610", "P0000611"],
    ),
    ("310101023000180", "310101023004000060", "进贤路51弄1号后楼", "2018-02-27", ["P0000060", "P0000061", "P0000062"]),
]


def household_api() -> None:
    name = "household_api"
    rows, truth = [], []
    for number, house, address, registered, members in HOUSEHOLDS:
        head = person(members[0])
        row = {
            "hh": number,
            "hzxm": head["name"],
            "xb": "1" if head["sex"] == "M" else "2",
            "hzsfz": head["id_number"],
            "lxdh": head["phone"],
            "zz": address,
            "djrq": registered,
            "cy": [
                {"xm": person(m)["name"], "sfz": person(m)["id_number"], "yhzgx": person(m)["relation"]}
                for m in members[1:]
            ],
        }
        bad = None
        if registered == "0000-00-00":  # the API's null date
            bad = ("value", "transform_date", "djrq", "the API writes 0000-00-00 for no date")
        rows.append(row)
        # json.explode reads each member as a row of its own after the household's, in reading order
        truth.append(expect("", len(truth) + 1, house, members[0], bad))
        for m in members[1:]:
            truth.append(
                expect("", len(truth) + 1, house, m, note=f"member {person(m)['relation']} of household {number}")
            )
    dump = {
        "code": "0000",
        "message": "查询成功",
        "data": {"pageNo": 1, "pageSize": 50, "total": len(rows), "rows": rows},
    }
    (HERE / name / "hjxx_20261101.json").write_text(json.dumps(dump, ensure_ascii=False, indent=1), encoding="utf-8")
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 5. allowance_ledger: the district's 老年综合津贴发放名册 (xlsx): two title rows, a header merged over two rows, a
#    hidden bank card column (Luhn-valid numbers), a totals row and two footnotes.
# ---------------------------------------------------------------------------------------------------------------
LEDGER = [
    # person, house, address as written, phone as written, card body (Luhn digit added), expected
    ("P0000051", "310101023014000024", "长乐路54号重庆坊1号楼301室", "{}", "622848001234567801", None),
    ("P0000052", "310101023014000024", "长乐路54号重庆坊1号楼301室", "{}/021-64451230", "622848001234567802", None),
    ("P0000378", "310101023006000080", "淮海中路62弄2号三层阁", "{}", "621700123400567803", None),
    ("P0000390", "310101023012000051", "重庆南路75号雁荡里1号楼2单元301室", "{}", "622202100110123404", None),
    ("P0000435", "310101023012000029", "重庆南路67号巨鹿苑1号楼1单元202室", "{}", "622588021100123405", None),
    ("P0000734", "310101023010000006", "重庆南路29弄1号101室", "021-63851266/{}", "622848001234567806", None),
    ("P0000846", "310101023012000007", "淮海中路80弄2号灶披间", "{}", "621700123400567807", None),
    ("P0000922", "310101023006000005", "淮海中路44弄2号101室", "{}", "622202100110123408", None),
    ("P0000021", "310101023017000080", "巨鹿路32号延庆公寓1号楼1单元302室", "{}", "622588021100123409", None),
    ("P0000120", "310101023003000054", "雁荡路27号南昌公寓1号楼1单元302室", "{}", "622848001234567810", None),
    ("P0000184", "310101023013000069", "延安中路60弄3号302室", "{}", "621700123400567811", None),
    ("P0000202", "310101023015000043", "建德路54号思南坊1号楼2单元301室", "{}", "622202100110123412", None),
    ("P0000203", "310101023015000043", "建德路54号思南坊1号楼2单元301室", "{}", "622588021100123413", None),
    ("P0000251", "310101023016000090", "皋兰路76弄3号301室", "{}", "622848001234567814", None),
    (
        "P0000284",
        "310101023015000003",
        "巨鹿路18弄2号101室",
        "{}",
        "621700123400567815",
        ("quarantined", "suite:person.id_number_checksum", "公民身份号码", "ID number's last digit copied wrong"),
    ),
    ("P0000319", "310101023008000068", "进贤路79号尚贤里1号楼2单元101室", "{}", "622202100110123416", None),
]


def allowance_ledger() -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    name = "allowance_ledger"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026年10月"
    sheet.append(["黄浦区老年综合津贴发放名册"])
    sheet.merge_cells("A1:J1")
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["发放月份：2026年10月", None, None, "街道：瑞金二路街道", None, None, None, None, "单位：元"])
    sheet.append(["序号", "领取人信息", None, None, "年龄段", "户籍地址", "联系电话", "银行卡号", "发放金额", "备注"])
    sheet.append([None, "姓名", "性别", "公民身份号码"])
    sheet.merge_cells("B3:D3")
    for col in "AEFGHIJ":
        sheet.merge_cells(f"{col}3:{col}4")
    sheet.column_dimensions["H"].hidden = True  # the bank card column the clerk hid before sending
    truth, total = [], 0
    for i, (pid, house, address, phone_as, card, bad) in enumerate(LEDGER, start=1):
        p = person(pid)
        age = 2026 - int(p["birth_date"][:4])
        band, amount = ("90周岁及以上", 600) if age >= 90 else ("80-89周岁", 300) if age >= 80 else ("70-79周岁", 150)
        id_number = p["id_number"]
        if bad and bad[0] == "quarantined":
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
        sheet.append(
            [
                i,
                p["name"],
                sex_word(pid),
                id_number,
                band,
                address,
                phone_as.format(p["phone"]),
                luhn(card),
                amount,
                "代领" if i == 7 else None,
            ]
        )
        total += amount
        truth.append(expect("2026年10月", 4 + i, house, pid, bad))
    sheet.append(["合计", None, None, None, None, None, None, None, total])
    sheet.append([])
    sheet.append(["注：1. 本名册由街道社区事务受理服务中心核对，发放金额按年龄段计算；"])
    sheet.append(["    2. 银行卡号仅供发放使用，不得外传。"])
    path = HERE / name / "老年综合津贴发放名册_202610.xlsx"
    save_xlsx(book, path)
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 6. police_extract: a police station's 居住登记 extract, fixed-width GB18030 without a header, sex as 1/2, a
#    birth date the station keeps to the month for some people (1950.01), a line cut short.
# ---------------------------------------------------------------------------------------------------------------
POLICE = [
    # registration number, person, house, address as written (the station's form), birth as written, expected
    ("DJ26100001", "P0000226", "310101023010000058", "重庆南路41号延庆里1号楼201室", "19510112", None),
    ("DJ26100002", "P0000320", "310101023009000078", "淮海中路74号瑞成小区1号楼3单元103室", "1951.02", "partial"),
    ("DJ26100003", "P0000391", "310101023012000051", "重庆南路75号雁荡里1号楼2单元301室", "19511003", None),
    ("DJ26100004", "P0000724", "310101023001000083", "瑞金二路60号瑞成新村1号楼3单元203室", "1951.11", "partial"),
    ("DJ26100005", "P0000725", "310101023001000083", "瑞金二路60号瑞成新村1号楼3单元203室", "19520606", None),
    ("DJ26100006", "P0000745", "310101023002000016", "思南路22号南昌苑1号楼1单元101室", "1950.07", "partial"),
    ("DJ26100007", "P0000821", "310101023017000025", "长乐路64弄3号客堂间", "19510522", None),
    ("DJ26100008", "P0000902", "310101023004000058", "进贤路51弄1号灶披间", "19511005", None),
    ("DJ26100009", "P0000908", "310101023004000002", "进贤路45弄1号201室", "19520803", "bad_id"),
    ("DJ26100010", "P0000936", "310101023009000073", "淮海中路74号瑞成小区1号楼2单元401室", "19520802", None),
    ("DJ26100011", "P0000991", "310101023017000042", "建德路60弄1号201室", "1952.04", "partial"),
    ("DJ26100012", "P0000996", "310101023009000008", "永嘉路42弄1号101室", "19511226", "short"),
    ("DJ26100013", "P0001014", "310101023010000017", "重庆南路31弄1号亭子间", "19501222", None),
    ("DJ26100014", "P0001046", "310101023006000062", "复兴中路23弄2号客堂间", "19520318", None),
]
POLICE_WIDTHS = [10, 4, 1, 18, 8, 30, 8]  # 登记号 姓名 性别 公民身份号码 出生日期 居住地址 登记日期


def police_extract() -> None:
    name = "police_extract"
    lines, truth = [], []
    for n, (number, pid, house, address, born, kind) in enumerate(POLICE, start=1):
        p = person(pid)
        id_number, bad = p["id_number"], None
        if kind == "partial":
            bad = ("staged", "", "", f"birth date kept to the month: {p['birth_date'][:7]}")
        if kind == "bad_id":  # a digit of the birth date typed wrong: the checksum fails
            id_number = id_number[:12] + "4" + id_number[13:]
            bad = (
                "value",
                "suite:person.id_number_checksum",
                "公民身份号码",
                "a digit of the ID number typed wrong; the person is still named",
            )
        values = [number, p["name"], "1" if p["sex"] == "M" else "2", id_number, born, address, "20261015"]
        line = "".join(
            v.ljust(w, "\u3000" if i in (1, 5) else " ")
            for i, (v, w) in enumerate(zip(values, POLICE_WIDTHS, strict=True))
        )
        if kind == "short":  # the extract's line was cut: its address ends early, the registration date is gone
            line = line[: sum(POLICE_WIDTHS[:5]) + 12]
            bad = ("quarantined", "unreadable_row", "", "line cut short")
        lines.append(line)
        truth.append(expect("", n, house, pid, bad))
    write_lines(HERE / name / "ZZDJ_20261031.txt", lines, "gb18030")
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 7. meal_assistance: a community canteen's 老年助餐登记 saved by LibreOffice (.ods): a title row, ID numbers typed
#    in groups with spaces or with a lower-case x, mobiles in full-width digits, a birth month (1945年3月).
# ---------------------------------------------------------------------------------------------------------------
MEALS = [
    # person, house, address as written, how the ID is typed, birth as written, registered on, expected
    ("P0000306", "310101023013000027", "进贤路89弄2号灶披间", "spaced", "1949年1月", "2026-09-01", None),
    ("P0000376", "310101023003000056", "雁荡路27号南昌公寓1号楼2单元102室", "plain", "1939年12月", "2026-09-01", None),
    ("P0000399", "310101023015000052", "巨鹿路22号锦江苑1-1-401", "spaced", "1933年9月", "2026-09-03", None),
    ("P0000417", "310101023016000033", "皋兰路60号嘉善新村1号楼3单元401室", "plain", "1949年12月", "2026-09-03", None),
    ("P0000433", "310101023008000046", "永嘉路40弄2号客堂间", "lower_x", "1937年11月", "2026-09-05", None),
    ("P0000434", "310101023008000046", "永嘉路40弄2号客堂间", "plain", "1940年3月", "2026-09-05", None),
    (
        "P0000449",
        "310101023002000068",
        "绍兴路44号嘉善坊1号楼1单元201室",
        "lower_x",
        "1948年3月",
        "2026-02-30",
        ("value", "transform_date", "登记日期", "no 30 February; the registration date is not the record key"),
    ),
    ("P0000461", "310101023003000085", "长乐路30弄2号301室", "spaced", "1949年4月", "2026-09-10", None),
    ("P0000462", "310101023003000085", "长乐路30弄2号301室", "lower_x", "1949年2月", "2026-09-10", None),
    ("P0000155", "310101023017000016", "长乐路64弄1号灶披间", "plain", "1949年5月", "2026-09-12", None),
    (
        "P0000097",
        "310101023005000012",
        "进贤路65号亚尔培里1号楼1单元201室",
        "checksum",
        "1946年9月",
        "2026-09-15",
        ("quarantined", "suite:person.id_number_checksum", "身份证号", "two digits of the number swapped: the key"),
    ),
    ("P0000085", "310101023004000099", "进贤路59弄2号三层阁", "plain", "1946年1月", "2026-09-15", None),
]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _ods_cell(value: str | int) -> str:
    from xml.sax.saxutils import escape

    if isinstance(value, int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def write_ods(path: Path, sheet: str, rows: list[list[str | int]]) -> None:
    """A one-sheet OpenDocument spreadsheet as LibreOffice stores it (mimetype first, uncompressed)."""
    import zipfile

    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = "".join("<table:table-row>" + "".join(map(_ods_cell, row)) + "</table:table-row>" for row in rows)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="{sheet}">{body}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as ods:
        fixed = (2026, 10, 31, 9, 0, 0)  # the same bytes on every build
        ods.writestr(zipfile.ZipInfo("mimetype", fixed), "application/vnd.oasis.opendocument.spreadsheet")
        for name, text in (("content.xml", content), ("META-INF/manifest.xml", manifest)):
            info = zipfile.ZipInfo(name, fixed)
            info.compress_type = zipfile.ZIP_DEFLATED
            ods.writestr(info, text)


def meal_assistance() -> None:
    name = "meal_assistance"
    rows: list[list[str | int]] = [
        ["瑞金二路街道长者食堂老年助餐登记表（2026年9月）"],
        ["序号", "姓名", "性别", "出生年月", "身份证号", "手机", "住址", "助餐点", "用餐方式", "登记日期"],
    ]
    truth = []
    for i, (pid, house, address, typed, born, registered, bad) in enumerate(MEALS, start=1):
        p = person(pid)
        id_number = p["id_number"]
        if typed == "spaced":
            id_number = f"{id_number[:6]} {id_number[6:14]} {id_number[14:]}"
        elif typed == "lower_x":
            id_number = id_number.lower()
        elif typed == "checksum":
            id_number = id_number[:14] + id_number[15] + id_number[14] + id_number[16:]
        phone = p["phone"].translate(FULL_WIDTH) if i % 3 == 0 else p["phone"]
        rows.append(
            [
                i,
                p["name"],
                sex_word(pid),
                born,
                id_number,
                phone,
                address,
                "瑞金二路长者食堂",
                "送餐上门" if i % 4 == 0 else "堂食",
                registered,
            ]
        )
        kept_to_the_month = ("staged", "", "", f"birth date kept to the month: {p['birth_date'][:7]}")
        truth.append(expect("助餐登记", 2 + i, house, pid, bad or kept_to_the_month))
    write_ods(HERE / name / "老年助餐登记_202609.ods", "助餐登记", rows)
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 8. property_complaints: a property company's complaint register saved from Excel as "Unicode text" (UTF-16 with
#    a BOM, tab-separated): the neighbour who complains and the neighbour complained about on one row, a complaint
#    text over two lines inside quotes, Excel's 2026/10/5 14:30 times, empty trailing cells kept as tabs.
# ---------------------------------------------------------------------------------------------------------------
COMPLAINTS = [
    # number, reported at, reporter, subject, subject's house, address as written, category, text, closed, expected
    (
        "WY-2610-001",
        "2026/10/3 8:15",
        "P0000001",
        "P0000082",
        "310101023015000074",
        "建德路58弄2号晒台",
        "漏水",
        "晒台积水渗到楼下客堂间\n天花板发霉",
        "2026/10/9 17:00",
        None,
    ),
    (
        "WY-2610-002",
        "2026/10/4 22:40",
        "P0001923",
        "P0002128",
        "310101023015000073",
        "建德路58弄2号亭子间",
        "噪音",
        "夜间装修噪音",
        "2026/10/5 10:20",
        None,
    ),
    (
        "WY-2610-003",
        "2026/10/6 9:05",
        "P0000198",
        "P0000312",
        "310101023015000068",
        "建德路58弄1号前楼",
        "堆物",
        "楼道堆放纸板\n影响通行",
        "2026/10/8 16:30",
        None,
    ),
    (
        "WY-2610-004",
        "2026/10/8 14:30",
        "P0000009",
        "P0000717",
        "310101023004000070",
        "进贤路51弄2号三层阁",
        "违章搭建",
        "三层阁外搭阳光棚",
        "",
        None,
    ),
    (
        "WY-2610-005",
        "",
        "P0001834",
        "P0002865",
        "310101023004000067",
        "进贤路51弄2号后楼",
        "油烟",
        "油烟直排天井",
        "2026/10/12 11:00",
        ("quarantined", "suite:event.occurred_at_required", "投诉时间", "no time of complaint: the event has no date"),
    ),
    (
        "WY-2610-006",
        "2026/10/11 20:10",
        "P0000771",
        "P0001797",
        "310101023009000044",
        "复兴中路37弄3号前厢房",
        "噪音",
        "深夜打麻将",
        "2026/10/12 9:30",
        None,
    ),
    (
        "WY-2610-007",
        "2026/10/13 7:50",
        "P0001545",
        "P0002789",
        "310101023017000076",
        "巨鹿路32号延庆公寓1-1-201",
        "漏水",
        "卫生间漏水至101室",
        "2026/10/20 15:00",
        None,
    ),
    (
        "WY-2610-008",
        "2026/10/15 23:05",
        "P0002561",
        "P0002831",
        "310101023017000083",
        "巨鹿路32号延庆公寓1号楼1单元402室",
        "噪音",
        "楼上拖动家具",
        "2026/10/32 10:00",
        ("value", "transform_datetime", "办结时间", "no 32 October: only the closing time is lost"),
    ),
    (
        "WY-2610-009",
        "2026/10/18 18:20",
        "P0000022",
        "P0002268",
        "310101023011000075",
        "延安中路48弄2号亭子间",
        "宠物",
        "狗夜间吠叫",
        "2026/10/19 10:00",
        None,
    ),
    (
        "WY-2610-010",
        "2026/10/21 10:45",
        "P0001096",
        "P0002648",
        "310101023011000071",
        "延安中路48弄2号前厢房",
        "堆物",
        "公共部位堆放杂物",
        "2026/10/23 14:00",
        None,
    ),
]


def property_complaints() -> None:
    name = "property_complaints"
    header = [
        "登记编号",
        "投诉时间",
        "投诉人",
        "投诉人电话",
        "被投诉人",
        "被投诉人电话",
        "涉及房屋",
        "投诉类别",
        "投诉内容",
        "处理结果",
        "办结时间",
        "",
        "",
    ]
    lines, truth, line = ["\t".join(header)], [], 2
    for number, at, reporter, subject, house, address, category, text, closed, bad in COMPLAINTS:
        rep, sub_ = person(reporter), person(subject)
        phone = sub_["phone"] + ("/63281234" if number.endswith("010") else "")
        result = "已办结" if closed else "处理中"
        text_cell = f'"{text}"' if "\n" in text else text  # Excel quotes a cell holding a line break
        cells = [
            number,
            at,
            rep["name"],
            rep["phone"],
            sub_["name"],
            phone,
            address,
            category,
            text_cell,
            result,
            closed,
            "",
            "",
        ]
        lines.append("\t".join(cells))
        truth.append(expect("", line, house, subject, bad, reporter_id=reporter))
        line += 1 + text.count("\n")
    write_lines(HERE / name / "物业投诉登记_202610.txt", lines, "utf-16-le", bom=True)
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 9. family_roster: a committee's 居民花名册 (xlsx), one sheet per lane; each family's 门牌 is one cell merged down
#    over its members' rows, the phone only on the head's row, birth dates as Excel dates (one typed as 1957.9).
# ---------------------------------------------------------------------------------------------------------------
FAMILIES = [
    # the door as written in the merged cell, house, members (head first)
    ("永嘉路8弄1号201室", "310101023005000063", ["P0000738", "P0000739"]),
    ("永嘉路8弄1号301", "310101023005000064", ["P0001230", "P0001231", "P0001232", "P0001233"]),
    ("永嘉路8弄2号101室", "310101023005000066", ["P0001316", "P0001317", "P0001318", "P0001319"]),
    ("永嘉路8弄3号101室", "310101023005000067", ["P0002551", "P0002552", "P0002553"]),
    ("永嘉路8弄3号201室", "310101023005000068", ["P0000426", "P0000427", "P0000428"]),
]


def family_roster() -> None:
    import datetime as dt

    import openpyxl

    name = "family_roster"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "永嘉路8弄"
    sheet.append(["南昌居委会居民花名册（永嘉路8弄）"])
    sheet.merge_cells("A1:H1")
    sheet.append(["门牌", "姓名", "与户主关系", "性别", "出生日期", "身份证号", "联系电话", "备注"])
    truth, row = [], 3
    for door, house, members in FAMILIES:
        first = row
        for pid in members:
            p = person(pid)
            born: object = dt.date.fromisoformat(p["birth_date"])
            id_number, note, bad = p["id_number"], "", None
            if pid == "P0001233":  # the clerk typed the father's birth month only
                born, bad = "1957.9", ("staged", "", "", "birth date kept to the month: 1957-09")
            if pid == "P0000427":  # a digit of the number (the record key) typed wrong
                id_number = id_number[:10] + "3" + id_number[11:]
                bad = (
                    "quarantined",
                    "suite:person.id_number_checksum",
                    "身份证号",
                    "the birth month in the number typed 31",
                )
            if pid == "P0001318":
                note = "新生儿"
            phone = p["phone"] if pid == members[0] else None
            sheet.append(
                [
                    door if pid == members[0] else None,
                    p["name"],
                    p["relation"],
                    sex_word(pid),
                    born,
                    id_number,
                    phone,
                    note or None,
                ]
            )
            sheet.cell(row, 5).number_format = "yyyy-mm-dd"
            truth.append(expect("永嘉路8弄", row, house, pid, bad))
            row += 1
        if row - first > 1:
            sheet.merge_cells(f"A{first}:A{row - 1}")
    path = HERE / name / "居民花名册_南昌居委会_202610.xlsx"
    save_xlsx(book, path)
    write_truth(name, truth)


# ---------------------------------------------------------------------------------------------------------------
# 10. care_platform: a vendor's home-care platform, semicolon-separated UTF-8 with English headers, ISO 8601 times
#     with their offset, +86 mobiles, two addresses written in English.
# ---------------------------------------------------------------------------------------------------------------
CARE_VISITS = [
    # visit, person, house, address as written, time, service, notes, expected
    (
        "V20261001",
        "P0000226",
        "310101023010000058",
        "重庆南路41号延庆里1号楼201室",
        "2026-10-01T09:30:00+08:00",
        "Home visit",
        "血压正常",
        None,
    ),
    (
        "V20261002",
        "P0000734",
        "310101023010000006",
        "Room 101, No. 1, Lane 29, Chongqing South Road",
        "2026-10-02T10:00:00+08:00",
        "Home visit",
        "needs a walker",
        None,
    ),
    (
        "V20261003",
        "P0001081",
        "310101023010000045",
        "香山路20弄1号101室",
        "2026-10-03T14:15:00+08:00",
        "Phone call",
        "已电话问候",
        None,
    ),
    (
        "V20261004",
        "P0001266",
        "310101023009000077",
        "淮海中路74号瑞成小区1号楼3单元102室",
        "2026-10-05T25:10:00+08:00",
        "Home visit",
        "时间录错",
        ("quarantined", "transform_datetime", "Visit Time", "no 25 o'clock: the visit has no time"),
    ),
    (
        "V20261005",
        "P0001401",
        "310101023010000038",
        "重庆南路33弄1号201室",
        "2026-10-08T09:00:00+08:00",
        "Meal delivery",
        "",
        None,
    ),
    (
        "V20261006",
        "P0001927",
        "310101023009000004",
        "淮海中路70弄1号202室",
        "2026-10-09T11:20:00+08:00",
        "Home visit",
        "家属在场",
        None,
    ),
    (
        "V20261007",
        "P0002365",
        "310101023009000009",
        "Room 201, No. 1, Lane 42, Yongjia Road",
        "2026-10-12T15:45:00+08:00",
        "Home visit",
        "",
        None,
    ),
    (
        "V20261008",
        "P0002521",
        "310101023010000051",
        "香山路20弄3号101室",
        "2026-10-15T10:30:00+08:00",
        "Phone call",
        "无人接听",
        None,
    ),
    (
        "V20261009",
        "P0002600",
        "310101023009000093",
        "淮海中路78号步高大楼1号楼402室",
        "2026-10-20T09:10:00+08:00",
        "Meal delivery",
        "",
        None,
    ),
    (
        "V20261010",
        "P0002853",
        "310101023010000067",
        "嘉善路58弄1号101室",
        "2026-10-22T16:00:00+08:00",
        "Home visit",
        "独居，精神好",
        None,
    ),
]


def care_platform() -> None:
    name = "care_platform"
    header = [
        "Visit ID",
        "Elder Name",
        "ID Number",
        "Mobile",
        "Home Address",
        "Visit Time",
        "Service Type",
        "Notes",
        "Caregiver",
    ]
    lines, truth = [";".join(header)], []
    for n, (visit, pid, house, address, at, service, notes, bad) in enumerate(CARE_VISITS, start=2):
        p = person(pid)
        mobile = f"+86 {p['phone'][:3]} {p['phone'][3:7]} {p['phone'][7:]}"
        lines.append(";".join([visit, p["name"], p["id_number"], mobile, address, at, service, notes, "Li Na"]))
        truth.append(expect("", n, house, pid, bad))
    write_lines(HERE / name / "care_visits_export_20261031.csv", lines, "utf-8", newline="\n")
    write_truth(name, truth)


EXPORTS = {
    "committee_allowance": committee_allowance,
    "grid_visits": grid_visits,
    "group_rental_cases": group_rental_cases,
    "household_api": household_api,
    "allowance_ledger": allowance_ledger,
    "police_extract": police_extract,
    "meal_assistance": meal_assistance,
    "property_complaints": property_complaints,
    "family_roster": family_roster,
    "care_platform": care_platform,
}


def main() -> None:
    for name, build in EXPORTS.items():
        (HERE / name).mkdir(exist_ok=True)
        build()
        print(name, sorted(p.name for p in (HERE / name).iterdir()))


if __name__ == "__main__":
    main()
