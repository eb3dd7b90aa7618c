"""The site's table cells written the fast way read as the plain way would write them (warehouse/site/html.py)."""

import datetime as dt
from html import escape

from warehouse.site.html import table


def test_a_minute_reads_as_strftime_writes_it_naive_early_or_with_a_zone():
    times = [
        dt.datetime(2026, 11, 1, 9, 5, 59, 999),
        dt.datetime(999, 1, 2, 3, 4),  # strftime writes no leading zero, isoformat would
        dt.datetime(2026, 11, 1, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))),  # isoformat would add +08:00
    ]
    for value in times:
        assert table(["t"], [(value,)]) == f"<table><tr><th>t</th></tr><tr><td>{value:%Y-%m-%d %H:%M}</td></tr></table>"


def test_text_is_escaped_only_where_it_must_be_and_other_cells_keep_their_form():
    texts = ["瑞金二路48弄3号101", "<script>", "A & B", 'say "hi"', "it's", ""]
    written = table(["x"], [(t,) for t in texts])
    assert (
        written == "<table><tr><th>x</th></tr>" + "".join(f"<tr><td>{escape(t)}</td></tr>" for t in texts) + "</table>"
    )
    row = (None, True, False, 1234567, 2.5, dt.date(2026, 11, 1))
    expected = '<td></td><td>是</td><td></td><td class="n">1,234,567</td><td class="n">2.5</td><td>2026-11-01</td>'
    assert table(["a"] * 6, [row]) == f"<table><tr>{'<th>a</th>' * 6}</tr><tr>{expected}</tr></table>"
    assert table(["h", "a"], [("H1", "<b>")], {0: "{}.html"}) == (
        '<table><tr><th>h</th><th>a</th></tr><tr><td><a href="H1.html">H1</a></td><td>&lt;b&gt;</td></tr></table>'
    )
    assert table(["a", "b"], []) == "<table><tr><th>a</th><th>b</th></tr><tr><td colspan=2>无 none</td></tr></table>"
