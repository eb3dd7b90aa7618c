"""The site's Vega bundle is made once per machine and versions: a new warehouse's site takes this machine's
cached copy, a change of version makes it again, and a cache that cannot be written costs only the time."""

import vl_convert

from warehouse.site.charts import write_vega_bundle
from warehouse.site.html import VEGA_SCRIPT


def bundling(monkeypatch) -> list[str]:
    """vl-convert's bundling (10 s) replaced by one that records each call and returns a script naming it."""
    calls = []

    def bundle(vl_version):
        calls.append(vl_version)
        return f"/* bundle {len(calls)} */"

    monkeypatch.setattr(vl_convert, "javascript_bundle", bundle)
    return calls


def test_a_new_site_takes_the_machines_copy_until_a_version_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    calls = bundling(monkeypatch)
    first = write_vega_bundle(tmp_path / "first")
    second = write_vega_bundle(tmp_path / "second")  # another warehouse's site, no previous one
    assert len(calls) == 1 and second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
    assert first.read_text(encoding="utf-8").endswith("/* bundle 1 */")
    kept = list((tmp_path / "cache" / "housekey").iterdir())
    assert len(kept) == 1 and kept[0].suffix == ".js"  # one file, no temporary left

    monkeypatch.setattr(vl_convert, "__version__", vl_convert.__version__ + ".next")
    third = write_vega_bundle(tmp_path / "third")
    assert len(calls) == 2 and third.read_text(encoding="utf-8").endswith("/* bundle 2 */")
    assert "next" in third.read_text(encoding="utf-8").splitlines()[0]


def test_the_previous_site_is_taken_and_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    (tmp_path / "not_a_folder").write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not_a_folder"))
    calls = bundling(monkeypatch)
    made = write_vega_bundle(tmp_path / "old")
    again = write_vega_bundle(tmp_path / "new")
    assert len(calls) == 2 and made.is_file() and again.is_file()  # nothing cached, nothing failed
    write_vega_bundle(tmp_path / "newer", previous=tmp_path / "old")
    assert len(calls) == 2 and (tmp_path / "newer" / VEGA_SCRIPT).read_text(encoding="utf-8") == made.read_text(
        encoding="utf-8"
    )
