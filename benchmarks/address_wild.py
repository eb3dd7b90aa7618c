"""The hand-written wild set (issue 16): real clerk and resident writing matched against a small real-road register.

``measure(folder)`` loads ``register.csv`` as ``core.houses``, matches every ``input`` of ``addresses.yaml``
and counts against each entry's ``expect`` (a house_id, ``review`` or ``out_of_area``):

- ``wrong_house``: a house given that is not the expected one (for ``review`` and ``out_of_area`` entries
  every house given is wrong), listed in ``wrong`` with input, expected, got and reason;
- ``house_found`` and ``house_recall``: the expected house given, over the entries ``naming_a_house``;
- ``out_of_area_recognised`` (and its ``_share``): ``match_level == 'out_of_area'`` on out-of-area entries;
- ``review_sent`` (and its ``_share``): no house, not out of area, and ``needs_review`` or a level below room and door;
- ``sent_out_of_area``: entries inside the subdistrict (a house or ``review``) called ``out_of_area``: records lost;
- ``missed``: entries that got no wrong house but not what they expect either.

Run: ``.venv/bin/python -m benchmarks.address_wild [--json]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb
import yaml

from resolution.address.batch import match_addresses
from resolution.address.register import Register
from warehouse.database import quote_literal

WILD = Path(__file__).resolve().parent.parent / "tests" / "resolution" / "wild"
NOT_A_HOUSE = ("review", "out_of_area")


def load_entries(folder: Path = WILD) -> list[dict]:
    """The wild set's entries: input, expect, style."""
    return yaml.safe_load((folder / "addresses.yaml").read_text(encoding="utf-8"))


def load_register(folder: Path = WILD) -> Register:
    """The wild register as the matcher sees a warehouse's: ``core.houses``, every column text."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA core")
    path = quote_literal(str(folder / "register.csv"))
    con.execute(f"CREATE TABLE core.houses AS SELECT * FROM read_csv({path}, all_varchar = true)")
    return Register.from_warehouse(con)


def _sent_to_review(match) -> bool:
    if match.house_id is not None or match.match_level == "out_of_area":  # out of area is no review: the row leaves
        return False
    return match.needs_review or match.match_level not in ("room", "door")


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def measure(folder: Path = WILD) -> dict:
    """Every figure of the wild set, with the entries given a wrong house and those missed."""
    entries = load_entries(folder)
    matches = match_addresses([entry["input"] for entry in entries], load_register(folder))
    wrong, missed = [], []
    found = recognised = sent = 0
    for entry, match in zip(entries, matches, strict=True):
        expect = entry["expect"]
        row = {
            "input": entry["input"],
            "expected": expect,
            "got": match.house_id or match.match_level,
            "reason": match.match_reason,
        }
        if match.house_id is not None and match.house_id != expect:
            wrong.append(row)
        elif expect == "out_of_area" and match.match_level == "out_of_area":
            recognised += 1
        elif expect == "review" and _sent_to_review(match):
            sent += 1
        elif match.house_id is not None:  # the expected house
            found += 1
        else:
            missed.append(row)
    sent_out = sum(row["expected"] != "out_of_area" and row["got"] == "out_of_area" for row in missed)
    naming = sum(entry["expect"] not in NOT_A_HOUSE for entry in entries)
    out_of_area = sum(entry["expect"] == "out_of_area" for entry in entries)
    review = sum(entry["expect"] == "review" for entry in entries)
    return {
        "addresses": len(entries),
        "naming_a_house": naming,
        "out_of_area": out_of_area,
        "review": review,
        "wrong_house": len(wrong),
        "house_found": found,
        "house_recall": _share(found, naming),
        "out_of_area_recognised": recognised,
        "out_of_area_recognised_share": _share(recognised, out_of_area),
        "review_sent": sent,
        "review_sent_share": _share(sent, review),
        "sent_out_of_area": sent_out,
        "wrong": wrong,
        "missed": missed,
    }


def print_report(report: dict) -> None:
    print(f"wild set: {report['addresses']} addresses, {report['naming_a_house']} name a house")
    print(f"  wrong house            {report['wrong_house']}")
    print(
        f"  house recall           {report['house_recall']:.3f} ({report['house_found']} of {report['naming_a_house']})"
    )
    print(
        f"  out of area recognised {report['out_of_area_recognised_share']:.3f} "
        f"({report['out_of_area_recognised']} of {report['out_of_area']})"
    )
    print(f"  review sent            {report['review_sent_share']:.3f} ({report['review_sent']} of {report['review']})")
    print(f"  in area, sent out      {report['sent_out_of_area']}")
    for title in ("wrong", "missed"):
        print(f"{title}:")
        for row in report[title]:
            print(f"  {row['input']}  expected {row['expected']}  got {row['got']}  ({row['reason']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folder", type=Path, default=WILD, help="a folder with register.csv and addresses.yaml")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    report = measure(args.folder)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
