"""The canonical record kinds load whole: every column a type and its full description."""

import pytest

from schemas.record_kinds import RECORD_KINDS, load_record_kinds, record_kind_columns


def test_every_description_is_whole():
    assert record_kind_columns("event")["event_type"]["description"].endswith("visit, ...)")
    assert all(set(record_kind_columns(kind)["address"]) == {"type", "description"} for kind in RECORD_KINDS)


def test_a_description_cut_by_an_unquoted_comma_is_refused(tmp_path):
    path = tmp_path / "record_kinds.yaml"
    path.write_text("house:\n  columns:\n    note: {type: text, description: free text (measures, remarks)}\n")
    with pytest.raises(ValueError, match=r"house\.note must be \{type, description\}"):
        load_record_kinds(path)
