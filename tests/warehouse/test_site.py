"""The report site the session's run wrote beside its warehouse, opened in a real headless Chromium
(tests/warehouse/browser.py): every kind of page renders its charts offline with no console error and speaks
Chinese, the Pareto draws every committee and grid, a house page names its residents masked."""

import re
import stat
from pathlib import Path

import duckdb
import pytest
from browser import Browser

from data_samples.generator.generate import SAMPLES
from schemas.clock import run_day
from warehouse.house_file import house_file
from warehouse.privacy import mask_name
from warehouse.site import site_path

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def site(full_warehouse: Path) -> Path:
    return site_path(full_warehouse)


@pytest.fixture(scope="module")
def con(full_warehouse: Path):
    connection = duckdb.connect(str(full_warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def browser():
    opened = Browser()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def lived_in(con) -> str:
    """A house with two or more residents on the run day."""
    return con.execute("""SELECT house_id FROM core.links WHERE link_kind = 'living' AND valid_to IS NULL
                          GROUP BY house_id HAVING count(*) >= 2 ORDER BY house_id LIMIT 1""").fetchone()[0]


def test_the_run_writes_the_site_beside_the_warehouse_owner_only(site, con):
    houses = {row[0] for row in con.execute("SELECT house_id FROM core.houses").fetchall()}
    assert {p.stem for p in (site / "houses").glob("*.html")} == houses | {"index"}
    for page in ("index.html", "lists.html", "pareto.html", "freshness.html", "quality_report.html"):
        assert (site / page).is_file(), page
    for path in [site, *site.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path  # names and addresses: the owner's only


def test_no_page_reaches_for_the_network(site):
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), page


@pytest.mark.parametrize(
    "page",
    ["index.html", "lists.html", "pareto.html", "freshness.html", "quality_report.html", "houses/index.html", "house"],
)
def test_every_kind_of_page_renders_offline_without_a_console_error(site, browser, lived_in, page):
    path = site / ("houses" / Path(f"{lived_in}.html") if page == "house" else page)
    rendered = browser.render(path)
    assert rendered.errors == []
    assert rendered.remote == []
    assert CHINESE.search(rendered.text)
    assert rendered.drawn == rendered.charts  # every chart place holds the SVG Vega drew
    if page in ("index.html", "pareto.html", "freshness.html"):
        assert rendered.charts > 0


def test_the_pareto_draws_the_subdistrict_every_committee_and_grid_with_counts_and_shares(site, browser, con):
    scopes = con.execute("SELECT count(DISTINCT (scope, scope_code)) FROM marts.complaint_pareto").fetchone()[0]
    rendered = browser.render(site / "pareto.html")
    assert rendered.charts == rendered.drawn == scopes
    truth = duckdb.connect()
    largest, complaints = (
        truth.execute(f"""SELECT category, count(*) AS n FROM read_csv('{SAMPLES / "truth" / "events.csv"}',
                                            all_varchar=true) WHERE kind = 'complaint'
                                            GROUP BY category ORDER BY n DESC, category LIMIT 1""").fetchone()
    )
    drawn = rendered.svg_text.splitlines()
    assert largest in drawn and str(complaints) in drawn  # the count written on its bar, not only on hover
    assert "80%" in drawn and "累计占比 cumulative %" in drawn  # the cumulative-share axis


def test_the_overview_draws_heinrichs_pyramid_from_the_hotspots(site, browser, con):
    serious, minor = con.execute("SELECT sum(serious_events), sum(minor_events) FROM marts.hotspots").fetchone()
    drawn = browser.render(site / "index.html").svg_text.splitlines()
    assert any(line.startswith("海因里希金字塔 Heinrich's pyramid (1 : ") for line in drawn)
    assert f"{serious:,}" in drawn and f"{minor:,}" in drawn


def test_freshness_goes_by_the_datas_own_date(site, browser, con):
    rendered = browser.render(site / "freshness.html")
    newest = con.execute(
        "SELECT max(observed_on) FROM meta.deliveries WHERE source = 'grid_patrols' AND status = 'loaded'"
    ).fetchone()[0]
    row = next(line for line in rendered.text.splitlines() if line.startswith("grid_patrols\t"))  # its table row
    assert str(newest) in row


def test_a_house_page_names_its_residents_masked(site, browser, con, lived_in):
    record = house_file(con, lived_in, run_day())
    rendered = browser.render(site / "houses" / f"{lived_in}.html")
    assert record.house["canonical_address"] in rendered.text
    assert len(record.residents) >= 2
    for person in record.residents:
        assert mask_name(person["name"]) in rendered.text
        assert len(person["name"]) < 2 or person["name"] not in rendered.text
    for tag in record.tags:
        assert tag["name_zh"] in rendered.text


def test_a_missing_browser_fails_saying_how_to_install_it(monkeypatch):
    import browser

    monkeypatch.setattr(browser, "BROWSER", "no-such-browser")
    with pytest.raises(
        pytest.fail.Exception, match="apt-get install -y --no-install-recommends chromium-headless-shell"
    ):
        browser.executable()


def test_the_browser_sees_console_errors_missing_scripts_and_remote_requests(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        '<!doctype html><meta charset="utf-8"><body>坏页面<script src="vega/missing.js"></script>'
        '<script>console.error("画不出来"); undefinedFunction();</script><img src="https://example.invalid/x.png">',
        encoding="utf-8",
    )
    rendered = browser.render(page)
    assert any("画不出来" in error for error in rendered.errors)
    assert any("undefinedFunction" in error for error in rendered.errors)
    assert any("missing.js" in error or "ERR_FILE_NOT_FOUND" in error for error in rendered.errors)
    assert rendered.remote == ["https://example.invalid/x.png"]
