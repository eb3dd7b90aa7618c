"""The quality report: one HTML page per run, for the people who answer for the data.

For each source: its deliveries with pass rates (and which were held), freshness against the
spec's ``freshness_days``, and the rules that failed most with example values, masked by
warehouse/privacy.py as the analyst copy masks them (ID numbers, phones, names, birth dates; dates
stay readable). Written owner-only to ``quality_report.html`` next to the warehouse on every ``housekey run``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from html import escape
from pathlib import Path

import duckdb

from connectors.spec import SourceSpec
from quality.gate import HELD_RULE, THRESHOLD_RULE
from schemas.clock import run_day
from warehouse import catalogue
from warehouse.database import quote_name
from warehouse.freshness import Freshness, source_freshness
from warehouse.privacy import mask_quarantined, mask_rejected, mask_text

REPORT_FILE = "quality_report.html"
EXAMPLES = 3


def describe(freshness: Freshness) -> tuple[str, str]:
    """The source's freshness in words, and the page's class for it."""
    if freshness.last_observed_on is None:
        return "never delivered", "bad"
    age, expected = freshness.age_days, freshness.freshness_days
    if late := freshness.late_by:
        return f"late by {late} days (last {age} days ago, expected every {expected})", "bad"
    return f"on time (last {age} days ago, expected every {expected})", "ok"


_STATE_ZH = {"ok": "按时", "bad": "逾期"}


def _freshness_html(spec: SourceSpec, freshness: Freshness, deliveries: list[tuple]) -> str:
    """Freshness in both senses: by the day the data describe (what the promise is about), and by load time."""
    fresh, fresh_class = describe(freshness)
    label = "从未交付" if freshness.last_observed_on is None else _STATE_ZH[fresh_class]
    basis = (
        f"its column {spec.business_date_column}"
        if spec.business_date_column
        else "the date in its file names or, without one, the load day: the spec names no date column"
    )
    loaded = max((d[1] for d in deliveries), default=None)
    described = freshness.last_observed_on
    return (
        f"<span class='{fresh_class}'>{label} {escape(fresh)}</span>"
        + (f"; the data describe up to {described:%Y-%m-%d} (by {escape(basis)})" if described else "")
        + (f", last loaded {loaded:%Y-%m-%d}" if loaded else "")
    )


def _deliveries(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    rows = con.execute(f"""
        WITH quarantined AS (
            SELECT delivery_id, count(*) AS quarantined FROM quality.quarantined_rows GROUP BY delivery_id),
        held AS (SELECT delivery_id, note FROM meta.validations WHERE rule = '{THRESHOLD_RULE}' AND NOT success)
        SELECT d.source, d.file_name, d.loaded_at, d.status, d.rows_delivered, coalesce(q.quarantined, 0), h.note
        FROM meta.deliveries d LEFT JOIN quarantined q USING (delivery_id) LEFT JOIN held h USING (delivery_id)
        ORDER BY d.source, d.loaded_at, d.file_name""").fetchall()
    by_source: dict[str, list[tuple]] = {}
    for source, *rest in rows:
        by_source.setdefault(source, []).append(tuple(rest))
    return by_source


def _failing_rules(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    rows = con.execute(
        f"""
        SELECT source, rule, column_name, count(*) AS rows, any_value(reason),
               list(struct_pack(value, file_name, sheet, row_number) ORDER BY file_name, row_number)[1:{EXAMPLES}],
               is_row_kept
        FROM quality.quarantine WHERE rule <> ? GROUP BY ALL ORDER BY source, rows DESC""",
        [HELD_RULE],
    ).fetchall()
    by_source: dict[str, list[tuple]] = {}
    for source, *rest in rows:
        by_source.setdefault(source, []).append(tuple(rest))
    return by_source


def _partial_dates(con: duckdb.DuckDBPyConnection, sources) -> dict[str, int]:
    """Per source, staged rows with a date written to the month or year only (kept as such: _date_precision)."""
    counts = {}
    for source in sources:
        if "_date_precision" in catalogue.columns(con, "staging", source):
            table = f"staging.{quote_name(source)}"
            counts[source] = con.execute(f"SELECT count(*) FROM {table} WHERE _date_precision IS NOT NULL").fetchone()[
                0
            ]
    return counts


def _partial_note(partial: int) -> str:
    if not partial:
        return ""
    return f" {partial:,} rows give a date to the month or year only: kept as such (staging's _date_precision), not as a day."


def _source_section(
    spec: SourceSpec, deliveries: list[tuple], rules: list[tuple], freshness: Freshness, partial: int = 0
) -> str:
    body = []
    for file_name, loaded_at, status, delivered, quarantined, held in deliveries:
        staged = 0 if held else delivered - quarantined
        rate = f"{staged / delivered:.1%}" if delivered and status == "loaded" else "–"
        state = "held" if held else status
        body.append(
            f"<tr class='{'bad' if held or status == 'failed' else ''}'><td>{escape(mask_text(file_name))}</td>"
            f"<td>{loaded_at:%Y-%m-%d %H:%M}</td><td>{escape(state)}</td><td>{delivered:,}</td>"
            f"<td>{staged:,}</td><td>{quarantined:,}</td><td>{rate}</td><td>{escape(mask_text(held) or '')}</td></tr>"
        )
    top = []
    for rule, column, count, reason, examples, value_only in rules[:5]:
        shown = "; ".join(
            f"{escape(mask_quarantined(rule, column, e['value']) or '')} <span class='where'>({escape(mask_text(e['file_name']) or '')}"
            f"{', ' + escape(mask_text(e['sheet'])) if e['sheet'] else ''}{', row ' + str(e['row_number']) if e['row_number'] else ''})</span>"
            for e in examples
        )
        top.append(
            f"<tr><td>{escape(rule)}</td><td>{escape(mask_text(column) or '')}</td><td>{'value' if value_only else 'row'}</td><td>{count:,}</td>"
            f"<td>{escape(mask_rejected(reason) or '')}</td><td>{shown}</td></tr>"
        )
    delivered = sum(d[3] for d in deliveries if d[2] == "loaded")
    staged = sum(0 if d[5] else d[3] - d[4] for d in deliveries if d[2] == "loaded")
    rate = f"{staged / delivered:.1%}" if delivered else "–"
    return f"""
<section id="{escape(spec.name)}">
  <h2>{escape(spec.name)} <small>{escape(spec.title)} · {escape(spec.owner)} · {escape(spec.record_kind)}</small></h2>
  <p>通过率 Pass rate <b>{rate}</b> ({staged:,} of {delivered:,} delivered rows staged).
     时效 Freshness: {_freshness_html(spec, freshness, deliveries)}.{_partial_note(partial)}</p>
  <table><tr><th>交付 delivery</th><th>入库 loaded</th><th>状态 status</th><th>交付行 delivered</th><th>入库行 staged</th>
  <th>隔离行 quarantined rows</th><th>通过率 pass rate</th><th>暂扣原因 held because</th></tr>{
        "".join(body) or "<tr><td colspan=8>尚无交付 no delivery yet</td></tr>"
    }</table>
  {
        "<h3>最常失败的规则 Rules failed most</h3><table><tr><th>规则 rule</th><th>列 column</th><th>隔离 costs the</th>"
        "<th>数量 how many</th><th>原因 reason</th><th>示例 examples</th></tr>" + "".join(top) + "</table>"
        if top
        else "<p>无隔离 No row quarantined.</p>"
    }
</section>"""


_STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:.5em 0 1em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}
.bad{color:#a00}.ok{color:#070}tr.bad td{background:#fee}small{color:#666;font-weight:normal}.where{color:#777}"""


def render(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec], now: date | None = None) -> str:
    """The report's HTML, freshness as of ``now`` (default the run day)."""
    now = now or run_day()
    deliveries, rules, freshness = _deliveries(con), _failing_rules(con), source_freshness(con, registry, now)
    partial = _partial_dates(con, registry)
    overview = []
    for name in registry:
        mine = deliveries.get(name, [])
        fresh, fresh_class = describe(freshness[name])
        label = "从未交付" if freshness[name].last_observed_on is None else _STATE_ZH[fresh_class]
        held = sum(1 for d in mine if d[5])
        overview.append(
            f"<tr><td><a href='#{escape(name)}'>{escape(name)}</a></td><td>{len(mine)}</td>"
            f"<td class='{'bad' if held else ''}'>{held}</td>"
            f"<td>{sum(r[2] for r in rules.get(name, []) if not r[5]):,}</td><td class='{fresh_class}'>{label} {escape(fresh)}</td></tr>"
        )
    sections = "".join(
        _source_section(spec, deliveries.get(name, []), rules.get(name, []), freshness[name], partial.get(name, 0))
        for name, spec in registry.items()
    )
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>数据质量报告 housekey quality report</title>
<style>{_STYLE}</style></head><body>
<h1>数据质量报告 Quality report</h1><p>运行日 Run day {now:%Y-%m-%d}. 身份证号、电话、姓名、出生日期已脱敏 (ID numbers, phones,
names and birth dates are masked). 时效按数据所述日期计 (freshness counts the day the data describe, not the day it was loaded).</p>
<table><tr><th>来源 source</th><th>交付 deliveries</th><th>暂扣 held</th><th>规则隔离行 rows quarantined by a rule</th><th>时效 freshness</th></tr>
{"".join(overview)}</table>{sections}</body></html>"""


def report_path(warehouse: Path) -> Path:
    """Where a run writes the report: next to the warehouse file."""
    return warehouse.with_name(REPORT_FILE)


def write_report(con: duckdb.DuckDBPyConnection, registry: Mapping[str, SourceSpec], path: Path) -> Path:
    """Write the report to ``path`` (replacing it in one rename) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = path.with_suffix(".html.new")
    fresh.unlink(missing_ok=True)
    fresh.touch(mode=0o600)  # owner-only: failing values and file names are personal data too
    fresh.write_text(render(con, registry), encoding="utf-8")
    fresh.replace(path)
    return path
