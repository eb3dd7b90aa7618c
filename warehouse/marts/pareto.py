"""marts.complaint_pareto: the Pareto of complaint causes for the subdistrict, each committee and each grid,
and its chart (Vega-Lite through altair, drawn on the report site's Pareto page) to find "the vital few".

A cause is the work order's category. The vital few are the causes, largest first, that together
make up the first 80% of complaints (the cause that crosses 80% is one of them).
"""

from __future__ import annotations

import copy
import functools

import altair as alt
import duckdb

from warehouse.marts.roles import event_sources

VITAL_SHARE = 0.8
VITAL_FEW, OTHERS = "关键少数 vital few", "其他 others"

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


def pareto_chart(title: str, rows: list[tuple[str, int, float, bool]]) -> dict:
    """The Vega-Lite spec of one Pareto chart of (cause, complaints, cumulative share, vital few) rows, largest
    first: bars with their counts written on them (vital few darker) on the left axis, the cumulative share and the
    80% line on the right."""
    spec = copy.deepcopy(_pareto_template())
    spec["data"] = {
        "values": [
            {"rank": i, "cause": c, "complaints": n, "cumulative": cum, "group": VITAL_FEW if v else OTHERS}
            for i, (c, n, cum, v) in enumerate(rows)
        ]
    }
    spec["title"], spec["width"] = title, max(240, 34 * len(rows))
    if (most := max(n for _, n, _, _ in rows)) < 6:  # whole complaints: no 0.5 tick (Vega drops tickMinStep here)
        for layer in spec["layer"][0]["layer"]:  # the bars and their counts
            layer["encoding"]["y"].setdefault("axis", {})["tickCount"] = most
    return spec


@functools.cache
def _pareto_template() -> dict:
    """The chart without its rows, made once: altair takes half a second to build a layered chart, and the report
    site draws one per committee and grid."""
    x = alt.X(
        "cause:N", sort=alt.EncodingSortField("rank", op="min"), title="投诉原因 cause", axis=alt.Axis(labelAngle=-40)
    )
    colour = alt.Color(
        "group:N",
        scale=alt.Scale(domain=[VITAL_FEW, OTHERS], range=["#c0392b", "#95a5a6"]),
        legend=alt.Legend(title=None, orient="top"),
    )
    bars = alt.Chart().mark_bar().encode(x, alt.Y("complaints:Q", title="投诉件数 complaints"), colour)
    counts = bars.mark_text(dy=-6, fontSize=10, color="#222").encode(text="complaints:Q")
    share = alt.Y(
        "cumulative:Q", title="累计占比 cumulative %", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])
    )
    line = (
        alt.Chart()
        .mark_line(point=True, color="#2c3e50")
        .encode(x, share, tooltip=["cause:N", alt.Tooltip("cumulative:Q", format=".0%")])
    )
    vital = alt.Chart(alt.InlineData(values=[{"cumulative": VITAL_SHARE}])).mark_rule(strokeDash=[4, 3]).encode(y=share)
    chart = alt.layer(alt.layer(bars, counts), alt.layer(line, vital), data=alt.InlineData(values=[]))
    return chart.resolve_scale(y="independent").properties(height=220).to_dict()
