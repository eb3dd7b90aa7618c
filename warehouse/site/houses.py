"""The house pages (一房一档): one per house, the house file of warehouse/house_file.py as HTML, and their index.

A page names residents as the quality report does (surname and a star, docs/privacy.md): the site is a report
that people read over a shoulder; ``housekey house`` on the private warehouse shows the full name to its owner.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from html import escape
from pathlib import Path

import duckdb

from warehouse.fingerprint import REPO_ROOT, code_digest, digest
from warehouse.house_file import TIE_NAMES, HouseFile, house_file_inputs, house_files
from warehouse.privacy import mask_name, mask_text
from warehouse.site.html import page, table

_status = functools.lru_cache(maxsize=65536)(mask_text)
"""An event's status as the site shows it, each distinct text masked once (16 of them over 281,755 events at 50,000 people)."""
BATCH = 5000
"""Houses whose files are read at once: each part of a house file is one query per batch (a scan of its table)."""
WRITERS = min(2, os.cpu_count() or 1)
"""Processes that read, render and write batches of house pages side by side, each on its own read-only connection."""
HOUSE_FIELDS = (
    ("canonical_address", "标准地址 address"),
    ("committee_name", "居委会 committee"),
    ("grid_code", "网格 grid"),
    ("compound", "小区 compound"),
    ("house_kind", "类型 kind"),
    ("area_m2", "面积 m²"),
)


def house_page(record: HouseFile) -> str:
    """One house's page as of ``record.on``."""
    house = record.house
    facts = table(("项目 field", "值 value"), [(label, house.get(key)) for key, label in HOUSE_FIELDS])
    people = table(
        ("人员 person", "姓名 name", "关系 tie", "自 from", "至 to", "当日 holds that day", "来源 sources"),
        [
            (
                p["person_id"],
                mask_name(p["name"]),
                TIE_NAMES.get(p["link_kind"], p["link_kind"]),
                p["valid_from"],
                p["valid_to"],
                p["holds"],
                ", ".join(p["sources"] or ()),
            )
            for p in record.people
        ],
    )
    businesses = table(
        ("企业 business", "名称 name", "招牌 sign", "类别 category", "注册 registered", "已注销 deregistered"),
        [
            (b["business_id"], b["legal_name"], b["sign_name"], b["category"], b["registered_on"], b["is_deregistered"])
            for b in record.businesses
        ],
    )
    events = table(
        ("时间 when", "来源 source", "类别 category", "状态 status", "严重程度 severity", "办结 closed"),
        [
            (e["occurred_at"], e["source"], e["category"], _status(e["status"]), e["severity"], e["closed_at"])
            for e in record.events
        ],
    )
    tags = table(
        ("标签 tag", "名称 name", "含义 meaning", "自 since"),
        [(t["tag_code"], t["name_zh"], t["name_en"], t["since"]) for t in record.tags],
    )
    sources = table(("数据源 source", "记录 records"), [(s["source"], s["records"]) for s in record.sources])
    residents = ", ".join(mask_name(p["name"]) or p["person_id"] for p in record.residents) or "无 nobody"
    body = f"""<p class="note">{escape(house["house_id"])} · 截至 as of {record.on} · 现住 living there: {escape(residents)}</p>
{facts}<h2>人员 People, now and before</h2>{people}<h2>企业 Businesses</h2>{businesses}
<h2>事件 Events</h2>{events}<h2>标签 Tags</h2>{tags}<h2>数据来源 Sources that know it</h2>{sources}"""
    return page(f"一房一档 {house['canonical_address']}", body, depth=1)


PAGE_CODE = (
    REPO_ROOT / "warehouse" / "site",
    REPO_ROOT / "warehouse" / "house_file.py",
    REPO_ROOT / "warehouse" / "privacy.py",
)
"""What makes a page from its house's rows: a change of it, or of the day, writes every page again."""


def write_house_pages(
    warehouse: Path, folder: Path, on: dt.date, writers: int = WRITERS, previous: Path | None = None
) -> int:
    """houses/<house_id>.html for every house and houses/index.html by committee and grid, read from the
    ``warehouse`` file (which no connection may hold open for writing) by ``writers`` processes (one: this one
    alone); how many houses. A house whose rows are those of its page in the ``previous`` pages' folder, on the same
    day and code, keeps that page (a hard link): a delivery writes the pages of the houses it touched."""
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        houses = con.execute("""SELECT house_id, canonical_address, committee_name, grid_code FROM core.houses
                                ORDER BY committee_code, grid_code, canonical_address""").fetchall()
        inputs = house_file_inputs(con, on)
    basis = digest(on, code_digest(PAGE_CODE))
    kept = _kept(previous, basis, inputs)
    for house_id in kept:
        _keep(previous / f"{house_id}.html", folder / f"{house_id}.html")
    changed = [h for h, *_ in houses if h not in kept]
    if len(changed) <= BATCH:  # starting processes (a second or more each) pays off from two batches on
        writers = 1
    batches = _batches(changed, writers)
    write = functools.partial(write_batch, warehouse, folder, on)
    if writers < 2:
        for batch in batches:
            write(batch)
    else:  # spawned, not forked: a fork would inherit the caller's DuckDB threads and connections
        with ProcessPoolExecutor(writers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for _ in pool.map(write, batches):
                pass
    index = table(("房屋 house", "标准地址 address", "居委会 committee", "网格 grid"), houses, {0: "{}.html"})
    (folder / "index.html").write_text(page("一房一档 House files", index, depth=1), encoding="utf-8")
    inputs_path(folder).write_text(json.dumps({"basis": basis, "houses": inputs}), encoding="utf-8")
    return len(houses)


def inputs_path(folder: Path) -> Path:
    """Beside the house pages' folder: the day and code they were made by, and per house the hash of its rows."""
    return folder.with_name(folder.name + ".inputs.json")


def _kept(previous: Path | None, basis: str, inputs: dict[str, int]) -> set[str]:
    """The houses whose page in ``previous`` was made of the rows they hold now, by the same day and code."""
    if previous is None or not inputs_path(previous).is_file():
        return set()
    try:
        made = json.loads(inputs_path(previous).read_text(encoding="utf-8"))
    except ValueError:  # unreadable: every page is written again
        return set()
    if made.get("basis") != basis:
        return set()
    before = made.get("houses") or {}
    return {h for h, rows in inputs.items() if before.get(h) == rows and (previous / f"{h}.html").is_file()}


def _keep(page: Path, target: Path) -> None:
    """The previous site's page in the new one: the same file, or a copy where links are refused."""
    try:
        os.link(page, target)
    except OSError:
        shutil.copyfile(page, target)


def _batches(house_ids: list[str], writers: int) -> list[list[str]]:
    """``house_ids`` in batches of at most BATCH, as many for each writer and all of a size: no writer is left
    alone with a last batch."""
    count = -(-len(house_ids) // BATCH)
    count += -count % writers
    size = max(-(-len(house_ids) // max(count, 1)), 1)
    return [house_ids[start : start + size] for start in range(0, len(house_ids), size)]


def write_batch(warehouse: Path, folder: Path, on: dt.date, house_ids: list[str]) -> None:
    """The pages of ``house_ids``, read on a connection of their own."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for house_id, record in house_files(con, house_ids, on).items():
            (folder / f"{house_id}.html").write_text(house_page(record), encoding="utf-8")
