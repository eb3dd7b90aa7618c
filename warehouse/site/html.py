"""The site's page shell and tables: one style, one navigation bar, every value escaped (a source's text is data)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from html import escape

import altair as alt

VEGA_SCRIPT = "vega/vega-embed.js"
"""The Vega, Vega-Lite and vega-embed bundle, written once into the site (no network on a government desk)."""

STYLE = """body{font:14px/1.5 "Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei",system-ui,sans-serif;margin:0;color:#222}
nav{background:#2c3e50;padding:.5em 2em}nav a{color:#fff;margin-right:1.5em;text-decoration:none}main{padding:1em 2em}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}.figures{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}
.figure{border:1px solid #ddd;border-radius:4px;padding:.5em 1em;min-width:8em}.figure b{display:block;font-size:1.6em}
.bad{color:#a00}.ok{color:#070}small,.note{color:#666}.charts{display:flex;flex-wrap:wrap;gap:2em}"""

PAGES = (
    ("index.html", "总览 Overview"),
    ("lists.html", "三张清单 Lists"),
    ("pareto.html", "帕累托 Pareto"),
    ("freshness.html", "数据新鲜度 Freshness"),
    ("houses/index.html", "一房一档 Houses"),
    ("quality_report.html", "数据质量 Quality"),
)


def page(title: str, body: str, depth: int = 0, charts: bool = False) -> str:
    """A whole page; ``depth`` folders below the site's root (house pages are one down), with the Vega bundle
    when it draws ``charts``."""
    up = "../" * depth
    nav = "".join(f'<a href="{up}{href}">{escape(label)}</a>' for href, label in PAGES)
    script = f'<script src="{up}{VEGA_SCRIPT}"></script>' if charts else ""
    return (
        f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style>{script}</head>\n<body><nav>{nav}</nav><main>\n<h1>{escape(title)}</h1>\n{body}\n"
        "</main></body></html>\n"
    )


def table(headings: Sequence[str], rows: Iterable[Sequence], links: dict[int, str] | None = None) -> str:
    """A table of ``rows``; numbers right-aligned and grouped, None empty; column ``i`` of ``links`` is a link to
    the page its template names (``{}`` is the value)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if isinstance(value, bool):
                cells.append(f"<td>{'是' if value else ''}</td>")
            elif isinstance(value, int | float):
                cells.append(f'<td class="n">{value:,}</td>')
            elif isinstance(value, dt.datetime):
                cells.append(f"<td>{value:%Y-%m-%d %H:%M}</td>")
            elif links and i in links and value is not None:
                cells.append(f'<td><a href="{escape(links[i].format(value))}">{escape(str(value))}</a></td>')
            else:
                cells.append(f"<td>{'' if value is None else escape(str(value))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body) or f'<tr><td colspan={len(headings)}>无 none</td></tr>'}</table>"


def figures(items: Iterable[tuple[str, int]]) -> str:
    """Headline counts in boxes."""
    return (
        '<div class="figures">'
        + "".join(f'<div class="figure"><b>{n:,}</b>{escape(label)}</div>' for label, n in items)
        + "</div>"
    )


def embed(chart: alt.TopLevelMixin | dict, element_id: str) -> str:
    """A chart (or its Vega-Lite spec) drawn by vega-embed into its own element as SVG; a failure shows in the
    browser's console."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    spec = json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c")  # no </script> from the data
    options = json.dumps({"actions": False, "renderer": "svg"})
    return (
        f'<div class="chart" id="{element_id}"></div><script>vegaEmbed("#{element_id}", {spec}, {options})'
        ".catch(console.error);</script>"
    )
