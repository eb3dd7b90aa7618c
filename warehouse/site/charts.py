"""The site's charts besides the Pareto (warehouse/marts/pareto.py): Heinrich's pyramid of the hotspots, source
freshness by the data's own date, and events per committee; and the Vega bundle they need, written once."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd

from warehouse.site.html import VEGA_SCRIPT


def write_vega_bundle(site: Path, previous: Path | None = None) -> Path:
    """Vega, Vega-Lite (the version altair writes) and vega-embed in one script in the site, from vl-convert's
    bundle: pages load it relatively and never reach for a CDN. Bundling takes 10 s, so a copy made by the same
    versions (its first line names them) is taken instead: the ``previous`` site's, or this machine's cache's."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    versions = f"// vega {vl_convert.get_vega_version()}, vega-lite {vl_version_for_vl_convert()}, "
    versions += f"vega-embed {vl_convert.get_vega_embed_version()} (vl-convert {vl_convert.__version__})\n"
    path = site / VEGA_SCRIPT
    path.parent.mkdir(parents=True, exist_ok=True)
    cached = _cache() / f"vega-embed-{hashlib.sha256(versions.encode()).hexdigest()[:16]}.js"
    for old in (previous / VEGA_SCRIPT if previous else None, cached):
        if old and old.is_file():
            with old.open(encoding="utf-8") as script:
                if script.readline() == versions:
                    shutil.copyfile(old, path)
                    return path
    path.write_text(versions + vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert()), encoding="utf-8")
    try:  # kept for the next new warehouse on this machine; a cache that cannot be written only costs the 10 s again
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cached.parent, delete=False) as keeping:
            shutil.copyfile(path, keeping.name)
        os.replace(keeping.name, cached)  # whole or absent: another process may read it meanwhile
    except OSError:
        pass
    return path


def _cache() -> Path:
    """This machine's cache of housekey's derived files: ``$XDG_CACHE_HOME/housekey`` (``~/.cache/housekey``)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "housekey"


def heinrich_pyramid(serious: int, minor: int) -> alt.LayerChart:
    """Heinrich's pyramid of the hotspots' events: the serious ones on top of the minor ones, each level as wide
    as its count (a sliver stays visible), and the ratio in the title (Heinrich's was 1 : 29)."""
    levels = [("严重事件 serious events", serious), ("轻微事件 minor events", minor)]
    widest = max(minor, serious, 1)
    frame = pd.DataFrame(
        [
            {"level": name, "order": i, "count": n, "half": max(n, widest * 0.02) / 2}
            for i, (name, n) in enumerate(levels)
        ]
    )
    y = alt.Y("level:N", sort=alt.EncodingSortField("order", op="min"), title=None)
    bars = (
        alt.Chart(frame)
        .transform_calculate(left="-datum.half")
        .mark_bar()
        .encode(
            alt.X("left:Q", axis=None),
            alt.X2("half:Q"),
            y,
            alt.Color("level:N", legend=None, scale=alt.Scale(range=["#c0392b", "#e67e22"])),
        )
    )
    labels = (  # beside each level's right edge: inside a sliver of a bar a number cannot be read
        alt.Chart(frame)
        .mark_text(fontSize=13, fontWeight="bold", align="left", dx=4)
        .encode(alt.X("half:Q", axis=None), y, alt.Text("count:Q", format=","))
    )
    ratio = f"1 : {minor / serious:,.0f}" if serious else "no serious event"
    return alt.layer(bars, labels).properties(
        title=f"海因里希金字塔 Heinrich's pyramid ({ratio})", width=420, height=110
    )


FRESHNESS_STATES = {"按时 on time": "#27ae60", "逾期 late": "#c0392b", "从未交付 never delivered": "#7f8c8d"}


def freshness_chart(rows: list[tuple[str, int | None, int, bool]]) -> alt.LayerChart:
    """Per source (name, age in days of its newest data by the data's own date, expected every so many days,
    late as marts.source_freshness judges it): a bar for the age coloured by its state, a tick at the expectation."""
    states = list(FRESHNESS_STATES)
    frame = pd.DataFrame(
        [
            {"source": s, "age": age, "expected": expected, "state": states[2 if age is None else int(bool(late))]}
            for s, age, expected, late in rows
        ]
    )
    y = alt.Y("source:N", sort=None, title=None)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            alt.X("age:Q", title="数据日期距今天数 days since the data's own date"),
            y,
            alt.Color(
                "state:N",
                scale=alt.Scale(domain=states, range=list(FRESHNESS_STATES.values())),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=["source:N", "state:N", "age:Q", "expected:Q"],
        )
    )
    expected = alt.Chart(frame).mark_tick(color="#2c3e50", thickness=2, size=14).encode(alt.X("expected:Q"), y)
    return alt.layer(bars, expected).properties(title="数据新鲜度 freshness", width=480, height=16 * len(rows))


def committee_chart(rows: list[tuple[str, int, int, int]]) -> alt.FacetChart:
    """Complaints, patrol findings and serious events per committee (name, complaints, findings, serious), one
    row each on its own scale: patrols find fifty times what residents complain of."""
    kinds = ("投诉 complaints", "巡查发现 patrol findings", "严重事件 serious events")
    frame = pd.DataFrame(
        [
            {"committee": name, "kind": kind, "order": k, "events": n}
            for name, *counts in rows
            for k, (kind, n) in enumerate(zip(kinds, counts, strict=True))
        ]
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            alt.X("committee:N", title="居委会 committee", sort=None, axis=alt.Axis(labelAngle=-40)),
            alt.Y("events:Q", title="件数 events", axis=alt.Axis(tickMinStep=1)),
            alt.Color("kind:N", legend=None),
            tooltip=["committee:N", "kind:N", "events:Q"],
        )
        .properties(width=36 * max(len(rows), 1), height=110)
        .facet(row=alt.Row("kind:N", title=None, sort=alt.EncodingSortField("order", op="min")))
        .resolve_scale(y="independent")
        .properties(title="各居委会事件 events per committee")
    )
