"""Build docs/examples/老年综合津贴发放名册_202611.xlsx, the messy ledger docs/onboarding.md walks through.

A committee clerk's Excel ledger as the 老年综合津贴 office receives it: a title row and a 填报单位 row
above a header merged over two rows (发放信息 spans four columns), a 合计 row and footnotes below the
data, the bank card column hidden, and one ID number typed as a number (Excel kept 3.10101E+17). Its people are the sample world's residents aged 65 or more
(data_samples/truth), so `housekey run` finds their houses and people. Run from the repository root:

    .venv/bin/python docs/examples/allowance_ledger.py
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment

ROOT = Path(__file__).resolve().parents[2]
LEDGER = Path(__file__).with_name("老年综合津贴发放名册_202611.xlsx")
ROWS = 24
MANGLED = 7
"""The row whose ID number the clerk typed as a number: Excel keeps 3.10101E+17 of it."""
PAID_ON = date(2026, 11, 1)
BANDS = ((100, "100岁以上", 600), (90, "90-99岁", 350), (80, "80-89岁", 180), (70, "70-79岁", 150), (65, "65-69岁", 75))
"""Age from, band and monthly yuan of Shanghai's 老年综合津贴."""
BANKS = ("上海农商银行瑞金支行", "中国工商银行上海瑞金二路支行", "交通银行上海淮海中路支行")


def card_number(rng: random.Random) -> str:
    """A 19-digit bank card number whose last digit is its Luhn check digit (what makes it a card)."""
    body = "622202" + "".join(rng.choice("0123456789") for _ in range(12))
    total = 0
    for i, digit in enumerate(reversed(body)):
        d = int(digit) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str(-total % 10)


def elderly() -> list[dict]:
    """Sample residents aged 65 or more on PAID_ON, with their house's address and committee."""
    with open(ROOT / "data_samples/truth/houses.csv", encoding="utf-8") as f:
        houses = {h["house_id"]: h for h in csv.DictReader(f)}
    with open(ROOT / "data_samples/landing/address_register/标准地址库_202611.csv", encoding="utf-8-sig") as f:
        committees = {r["居委会代码"]: r["居委会名称"] for r in csv.DictReader(f)}
    with open(ROOT / "data_samples/truth/people.csv", encoding="utf-8") as f:
        people = [
            p | {"house": houses[p["home_house_id"]]}
            for p in csv.DictReader(f)
            if p["home_house_id"] in houses and p["id_number"][:6].startswith("31") and p["birth_date"] <= "1961-11-01"
        ]
    for person in people:
        person["committee"] = committees[person["house"]["committee_code"]]
    return people


def build() -> Path:
    rng = random.Random(17)
    chosen = sorted(rng.sample(elderly(), ROWS), key=lambda p: p["house"]["house_id"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2026年11月"
    sheet.append(["黄浦区瑞金二路街道老年综合津贴发放名册（2026年11月）"])
    sheet.merge_cells("A1:M1")
    sheet.append(["填报单位：瑞金二路街道社区事务受理服务中心", None, None, None, None, None, None, None, "单位：元"])
    top = ["序号", "姓名", "性别", "公民身份号码", "出生年月", "户籍地址", "联系电话", "所属居委", "发放信息"]
    sheet.append(top + [None, None, None, "备注"])
    sheet.append([None] * 8 + ["津贴档次", "发放金额", "开户行", "银行卡号", None])
    for column in "ABCDEFGHM":
        sheet.merge_cells(f"{column}3:{column}4")
    sheet.merge_cells("I3:L3")
    total = 0
    for i, person in enumerate(chosen, start=1):
        born = date.fromisoformat(person["birth_date"])
        age = PAID_ON.year - born.year - ((PAID_ON.month, PAID_ON.day) < (born.month, born.day))
        _, band, amount = next(b for b in BANDS if age >= b[0])
        total += amount
        sheet.append(
            [
                i,
                person["name"],
                "男" if person["sex"] == "M" else "女",
                float(person["id_number"]) if i == MANGLED else person["id_number"],
                born.strftime("%Y.%m.%d"),
                person["house"]["address"].removeprefix("上海市黄浦区"),
                person["phone"],
                person["committee"],
                band,
                amount,
                rng.choice(BANKS),
                card_number(rng),
                "新增" if i % 9 == 0 else None,
            ]
        )
    sheet.append(["合计", None, None, None, None, None, None, None, None, total])
    sheet.append(["注：1. 津贴按月发放至本人银行卡；2. 本名册经居委会核对，街道审核后报区民政局。"])
    sheet.append(["填表人：周敏", None, None, None, "审核人：陆建华", None, None, None, "填报日期：2026年11月5日"])
    sheet.column_dimensions["L"].hidden = True
    for row in sheet.iter_rows(min_row=3, max_row=4):
        for cell in row:
            cell.alignment = Alignment(horizontal="center", vertical="center")
    book.properties.creator = book.properties.lastModifiedBy = "housekey docs"
    book.save(LEDGER)
    return LEDGER


if __name__ == "__main__":
    print(build())
