"""marts.complaint_pareto: the Pareto of complaint causes for the subdistrict, each committee and each grid,
and a chart file (HTML with inline SVG, no dependency) to find "the vital few".

A cause is the work order's category. The vital few are the causes, largest first, that together
make up the first 80% of complaints (the cause that crosses 80% is one of them).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import duckdb

from warehouse.marts.roles import event_sources

VITAL_SHARE = 0.8

PARETO_SQL = f"""
CREATE OR REPLACE TABLE marts.complaint_pareto AS
WITH
-- citizens' complaints (every complaint channel of the registry); patrols and checks are the city looking
complaints AS (
    SELECT category, committee_code, committee_name, grid_code FROM marts.events
    WHERE list_contains($complaints::VARCHAR[], source) AND category IS NOT NULL
),
-- the same complaints counted in each scope they fall in
scoped AS (
    SELECT 'subdistrict' AS scope, 'all' AS scope_code, '全街道' AS scope_name, category FROM complaints
    UNION ALL SELECT 'committee', committee_code, any_value(committee_name) OVER (PARTITION BY committee_code), category
        FROM complaints WHERE committee_code IS NOT NULL
    UNION ALL SELECT 'grid', grid_code, grid_code, category FROM complaints WHERE grid_code IS NOT NULL
),
counted AS (
    SELECT scope, scope_code, any_value(scope_name) AS scope_name, category, count(*) AS complaints
    FROM scoped GROUP BY scope, scope_code, category
),
ranked AS (
    SELECT *, row_number() OVER w AS category_rank,
           complaints / sum(complaints) OVER (PARTITION BY scope, scope_code) AS share,
           sum(complaints) OVER w / sum(complaints) OVER (PARTITION BY scope, scope_code) AS cumulative_share
    FROM counted
    WINDOW w AS (PARTITION BY scope, scope_code ORDER BY complaints DESC, category ROWS UNBOUNDED PRECEDING)
)
SELECT scope, scope_code, scope_name, category_rank, category, complaints, round(share, 4) AS share,
       round(cumulative_share, 4) AS cumulative_share, cumulative_share - share < {VITAL_SHARE} AS is_vital_few
FROM ranked ORDER BY scope, scope_code, category_rank
"""


def build_complaint_pareto(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)build marts.complaint_pareto from marts.events; returns its row count."""
    con.execute(PARETO_SQL, event_sources("complaints"))
    return con.execute("SELECT count(*) FROM marts.complaint_pareto").fetchone()[0]


def pareto_svg(title: str, rows: list[tuple[str, int, float, bool]], width: int = 640, height: int = 260) -> str:
    """One Pareto chart: bars of complaints per cause (vital few darker) and the cumulative-share line."""
    left, right, top, bottom = 40, 40, 28, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    most = max(n for _, n, _, _ in rows)
    step = plot_w / len(rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-size="11">',
        f'<text x="{left}" y="16" font-size="13">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#333"/>',
    ]
    points = []
    for i, (category, n, cumulative, vital) in enumerate(rows):
        x, bar_h = left + i * step, plot_h * n / most
        parts.append(
            f'<rect x="{x + step * 0.1:.1f}" y="{top + plot_h - bar_h:.1f}" width="{step * 0.8:.1f}" '
            f'height="{bar_h:.1f}" fill="{"#c0392b" if vital else "#95a5a6"}"><title>{escape(category)}: {n}</title></rect>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{top + plot_h + 14}" text-anchor="end" '
            f'transform="rotate(-40 {x + step / 2:.1f} {top + plot_h + 14})">{escape(category)}</text>'
        )
        points.append(f"{x + step / 2:.1f},{top + plot_h * (1 - cumulative):.1f}")
    vital_y = top + plot_h * (1 - VITAL_SHARE)
    parts += [
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#2c3e50" stroke-width="2"/>',
        f'<line x1="{left}" y1="{vital_y:.1f}" x2="{left + plot_w}" y2="{vital_y:.1f}" stroke="#2c3e50" stroke-dasharray="4 3"/>',
        f'<text x="{left + plot_w + 4}" y="{vital_y + 4:.1f}">80%</text>',
        f'<text x="4" y="{top + 8}">{most}</text>',
        "</svg>",
    ]
    return "\n".join(parts)


def write_pareto_chart(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Write the Pareto charts of the subdistrict and of every committee to one HTML file."""
    rows = con.execute("""SELECT scope_code, scope_name, category, complaints, cumulative_share, is_vital_few
                              FROM marts.complaint_pareto WHERE scope IN ('subdistrict', 'committee')
                              ORDER BY scope DESC, scope_code, category_rank""").fetchall()
    scopes: dict[tuple[str, str], list] = {}
    for code, name, *bar in rows:
        scopes.setdefault((code, name if code == "all" else f"{name}（{code}）"), []).append(bar)
    charts = [f"<section>{pareto_svg(title, bars)}</section>" for (_, title), bars in scopes.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '<!doctype html>\n<html lang="zh"><meta charset="utf-8"><title>投诉原因帕累托图</title>\n'
        "<h1>投诉原因帕累托图</h1>\n<p>深色为关键少数：按件数从多到少累计达到80%的原因。</p>\n"
        + "\n".join(charts)
        + "\n</html>\n",
        encoding="utf-8",
    )
    return path
