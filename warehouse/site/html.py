"""The site's page shell and tables: one style, one navigation bar, every value escaped (a source's text is data)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the house pages' writer processes start without altair (and pandas): a second saved each
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


@functools.lru_cache(maxsize=8)
def _nav(up: str) -> str:
    """The navigation bar of a page ``up`` (``../`` per folder) below the site's root."""
    return "".join(f'<a href="{up}{href}">{escape(label)}</a>' for href, label in PAGES)


def page(title: str, body: str, depth: int = 0, charts: bool = False) -> str:
    """A whole page; ``depth`` folders below the site's root (house pages are one down), with the Vega bundle
    when it draws ``charts``."""
    up = "../" * depth
    script = f'<script src="{up}{VEGA_SCRIPT}"></script>' if charts else ""
    return (
        f'<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{STYLE}</style>{script}</head>\n<body><nav>{_nav(up)}</nav><main>\n<h1>{escape(title)}</h1>\n{body}\n"
        "</main></body></html>\n"
    )


_ESCAPED = re.compile("[&<>\"']").search
"""Whether text needs ``escape``: nearly every cell's does not, and its five replacements are skipped."""


def _escaped(text: str) -> str:
    return escape(text) if _ESCAPED(text) else text


def _cell(value: object, link: str | None) -> str:
    """One cell: a yes, a grouped number, a minute, a link to the page ``link`` names, or escaped text."""
    if isinstance(value, bool):
        return f"<td>{'是' if value else ''}</td>"
    if isinstance(value, int | float):
        return f'<td class="n">{value:,}</td>'
    if isinstance(value, dt.datetime):
        return f"<td>{value:%Y-%m-%d %H:%M}</td>"
    if link is not None and value is not None:
        return f'<td><a href="{escape(link.format(value))}">{escape(str(value))}</a></td>'
    return f"<td>{'' if value is None else _escaped(str(value))}</td>"


def _number(value: float) -> str:
    return f'<td class="n">{value:,}</td>'


def _minute(value: dt.datetime) -> str:
    if value.tzinfo is None and value.year >= 1000:  # isoformat writes what strftime does, several times faster
        return f"<td>{value.isoformat(' ', 'minutes')}</td>"
    return f"<td>{value:%Y-%m-%d %H:%M}</td>"


_PLAIN_CELLS = {  # what _cell gives a value of exactly these types, without its chain of isinstance tests
    bool: lambda value: "<td>是</td>" if value else "<td></td>",
    int: _number,
    float: _number,
    dt.datetime: _minute,
    dt.date: lambda value: f"<td>{value.isoformat()}</td>",
}


def _unlinked(value: object) -> str:
    """A cell that is no link and no text."""
    if value is None:
        return "<td></td>"
    plain = _PLAIN_CELLS.get(type(value))
    return _cell(value, None) if plain is None else plain(value)


@functools.lru_cache(maxsize=64)
def _head(headings: tuple[str, ...]) -> str:
    return "".join(f"<th>{escape(h)}</th>" for h in headings)


def _linked(row: Sequence, links: dict[int, str]) -> list[str]:
    """The cells of a row of a table with links."""
    cells = []
    for i, value in enumerate(row):
        if type(value) is str and i not in links:
            cells.append(f"<td>{_escaped(value)}</td>")
        elif value is None:
            cells.append("<td></td>")
        elif (plain := _PLAIN_CELLS.get(type(value))) is not None and i not in links:
            cells.append(plain(value))
        else:
            cells.append(_cell(value, links.get(i)))
    return cells


def table(headings: Iterable[str], rows: Iterable[Sequence], links: dict[int, str] | None = None) -> str:
    """A table of ``rows``; numbers right-aligned and grouped, None empty; column ``i`` of ``links`` is a link to
    the page its template names (``{}`` is the value). The site writes some 150,000 of them (six per house): plain
    text, the common cell, takes a short path, and each heading row is escaped once."""
    headings = tuple(headings)
    if links:
        body = [f"<tr>{''.join(_linked(row, links))}</tr>" for row in rows]
    else:  # the house pages' tables: text cells inline, without a call each
        body = [
            "<tr>"
            + "".join(
                [
                    (f"<td>{escape(v)}</td>" if _ESCAPED(v) else f"<td>{v}</td>") if type(v) is str else _unlinked(v)
                    for v in row
                ]
            )
            + "</tr>"
            for row in rows
        ]
    return (
        f"<table><tr>{_head(headings)}</tr>"
        f"{''.join(body) or f'<tr><td colspan={len(headings)}>无 none</td></tr>'}</table>"
    )


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
