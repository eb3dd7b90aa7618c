"""The subdistrict's pages: the overview (committees, grids, counts, the three lists, hotspots and Heinrich's
pyramid), the lists in full, the Pareto of every committee and grid, and source freshness."""

from __future__ import annotations

import duckdb

from warehouse.marts.lists import load_lists
from warehouse.marts.pareto import pareto_chart
from warehouse.privacy import mask_name
from warehouse.site.charts import committee_chart, freshness_chart, heinrich_pyramid
from warehouse.site.html import embed, figures, page, table

LIST_TITLES = {"problem": "问题清单 problem list", "need": "需求清单 need list", "service": "服务清单 service list"}
HOTSPOTS_SHOWN = 20
PARETO_OF = "pareto.html#pareto-{}"
"""A committee's or grid's Pareto chart, by its code."""
AREA_FIGURES = {
    "houses": "房屋 houses",
    "residents": "居民 residents",
    "elderly": "老人 elderly",
    "elderly_living_alone": "独居老人 living alone",
    "businesses": "企业 businesses",
    "complaints": "投诉 complaints",
    "patrol_findings": "巡查发现 patrol findings",
    "serious_events": "严重事件 serious events",
    "open_problems": "待办问题 open problems",
    "early_warnings": "预警 early warnings",
}
"""marts.committee_stats' and marts.grid_stats' columns the overview shows, with their headings."""
HOTSPOT_COLUMNS = {
    "hotspot_rank": "排名 rank",
    "target_kind": "类型 kind",
    "target_name": "名称 name",
    "committee_code": "居委会 committee",
    "grid_code": "网格 grid",
    "events": "事件 events",
    "minor_events": "轻微 minor",
    "serious_events": "严重 serious",
    "is_early_warning": "预警 warning",
    "last_event_at": "最近 last event",
}

LIST_COLUMNS = {
    "entity": "对象 entity",
    "name": "名称 name",
    "address": "地址 address",
    "house_id": "房屋 house",
    "committee_name": "居委会 committee",
    "grid_code": "网格 grid",
    "item": "事项 item",
    "department": "责任部门 department",
    "listed_since": "列入日期 since",
}
SCOPE_HEADINGS = {"subdistrict": "全街道 Subdistrict", "committee": "居委会 Per committee", "grid": "网格 Per grid"}
FRESHNESS_HEADINGS = (
    "数据源 source",
    "名称 title",
    "提供部门 owner",
    "应每几天 expected days",
    "最新数据日期 newest data",
    "距今天数 age days",
    "逾期 late",
    "最近加载 last loaded",
    "最早数据日期 oldest data",
    "交付 deliveries",
    "入库行 rows staged",
    "隔离行 rows quarantined",
)


def _list_names() -> list[str]:
    return list(load_lists())


def overview(con: duckdb.DuckDBPyConnection) -> str:
    """index.html: the subdistrict on one page."""
    figures_sql = ", ".join(AREA_FIGURES)
    totals = con.execute(f"SELECT {', '.join(f'sum({c})' for c in AREA_FIGURES)} FROM marts.committee_stats").fetchone()
    listed = {name: con.execute(f"SELECT count(*) FROM marts.{name}_list").fetchone()[0] for name in _list_names()}
    committees = con.execute(
        f"SELECT committee_code, committee_name, {figures_sql} FROM marts.committee_stats ORDER BY committee_code"
    ).fetchall()
    grids = con.execute(f"SELECT grid_code, {figures_sql} FROM marts.grid_stats ORDER BY grid_code").fetchall()
    counts = ", ".join(
        f"(SELECT count(*) FROM marts.{n}_list l WHERE l.committee_code = c.committee_code)" for n in listed
    )
    per_list = con.execute(
        f"SELECT committee_name, {counts} FROM marts.committee_stats c ORDER BY committee_code"
    ).fetchall()
    serious, minor = con.execute("SELECT sum(serious_events), sum(minor_events) FROM marts.hotspots").fetchone()
    hotspots = con.execute(
        f"SELECT {', '.join(HOTSPOT_COLUMNS)} FROM marts.hotspots ORDER BY hotspot_rank LIMIT {HOTSPOTS_SHOWN}"
    ).fetchall()
    as_of = con.execute("SELECT max(as_of) FROM marts.committee_stats").fetchone()[0]
    chosen = [list(AREA_FIGURES).index(c) + 2 for c in ("complaints", "patrol_findings", "serious_events")]
    by_committee = committee_chart([(c[1], *(c[i] for i in chosen)) for c in committees])
    body = f"""<p class="note">数据日 run day {as_of}。姓名只显示姓氏 (names masked as 张*), as in the quality report.</p>
{figures(zip(AREA_FIGURES.values(), totals, strict=True))}
{figures((LIST_TITLES.get(name, name), n) for name, n in listed.items())}
<h2>居委会 Committees</h2>
{embed(by_committee, "committees")}
{table(("代码 code", "居委会 committee", *AREA_FIGURES.values()), committees, {0: PARETO_OF})}
<h2>三张清单 The three lists per committee</h2>
{table(("居委会 committee", *(LIST_TITLES.get(n, n) for n in listed)), per_list)}
<p><a href="lists.html">全部清单 every entry of the lists</a></p>
<h2>热点 Hotspots</h2>
{embed(heinrich_pyramid(serious or 0, minor or 0), "pyramid")}
<p class="note">预警 early warning: 轻微事件堆积而尚无严重事件 minor events piling up with no serious one yet.</p>
{table(HOTSPOT_COLUMNS.values(), hotspots)}
<h2>网格 Grids</h2>
{table(("网格 grid", *AREA_FIGURES.values()), grids, {0: PARETO_OF})}
<p><a href="pareto.html">投诉帕累托图 Pareto per committee and grid</a> ·
<a href="freshness.html">数据新鲜度 source freshness</a> · <a href="quality_report.html">数据质量报告 quality report</a> ·
<a href="houses/index.html">一房一档 house files</a></p>"""
    return page("街道总览 Subdistrict overview", body, charts=True)


def lists_page(con: duckdb.DuckDBPyConnection) -> str:
    """lists.html: every entry of the problem, need and service lists; a person's name masked."""
    sections = []
    for name in _list_names():
        rows = con.execute(f"""SELECT {", ".join(LIST_COLUMNS)} FROM marts.{name}_list
                               ORDER BY committee_code, grid_code, address, item""").fetchall()
        shown = [(e, mask_name(n) if e == "person" else n, *rest) for e, n, *rest in rows]
        heading = f"<h2 id='{name}'>{LIST_TITLES.get(name, name)} <small>{len(rows):,}</small></h2>"
        sections.append(heading + table(LIST_COLUMNS.values(), shown, {3: "houses/{}.html"}))
    return page("三张清单 Problem, need and service lists", "".join(sections))


def pareto_page(con: duckdb.DuckDBPyConnection) -> str:
    """pareto.html: the complaint Pareto of the subdistrict, each committee and each grid."""
    rows = con.execute("""SELECT scope, scope_code, scope_name, category, complaints, cumulative_share, is_vital_few
                          FROM marts.complaint_pareto
                          ORDER BY list_position(['subdistrict', 'committee', 'grid'], scope), scope_code, category_rank""").fetchall()
    scopes: dict[tuple[str, str, str], list] = {}
    for scope, code, name, *bar in rows:
        title = name if scope == "subdistrict" else f"{name}（{code}）" if scope == "committee" else f"网格 grid {code}"
        scopes.setdefault((scope, code, title), []).append(tuple(bar))
    sections, heading = [], None
    for (scope, code, title), bars in scopes.items():
        if scope != heading:
            heading = scope
            sections.append(f"<h2>{SCOPE_HEADINGS[scope]}</h2>")
        sections.append(embed(pareto_chart(title, bars), f"pareto-{code}"))
    body = (
        "<p>深色为关键少数：按件数从多到少累计达到80%的原因 (the vital few: the causes, largest first, that make up "
        "80% of complaints). 折线为累计占比 (the line is the cumulative share, right axis).</p>" + "".join(sections)
    )
    return page("投诉原因帕累托图 Complaint Pareto", body, charts=True)


def freshness_page(con: duckdb.DuckDBPyConnection) -> str:
    """freshness.html: each source's newest data by its own date (meta.deliveries.observed_on) against its
    expectation, and when it was loaded."""
    rows = con.execute("""SELECT f.source, f.title, f.owner, f.freshness_days, f.last_observed_on, f.age_days, f.is_stale,
                                 f.last_delivery_at, d.first_observed_on, f.deliveries, f.rows_staged, f.rows_quarantined
                          FROM marts.source_freshness f
                          LEFT JOIN (SELECT source, min(observed_on) AS first_observed_on FROM meta.deliveries WHERE status = 'loaded'
                                     GROUP BY source) d USING (source)
                          ORDER BY f.is_stale DESC, f.age_days DESC NULLS FIRST, f.source""").fetchall()
    late = [r for r in rows if r[6]]
    body = f"""<p>按数据自身日期 by the data's own date (<code>meta.deliveries.observed_on</code>), not the load time:
a file loaded today can hold data weeks old. <b class="{"bad" if late else "ok"}">{len(late)} of {len(rows)}</b>
sources late.</p>
{embed(freshness_chart([(r[0], r[5], r[3], r[6]) for r in rows]), "freshness")}
{table(FRESHNESS_HEADINGS, rows)}"""
    return page("数据新鲜度 Source freshness", body, charts=True)
