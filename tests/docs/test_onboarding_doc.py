"""docs/onboarding.md's spec reference is the spec's code: one row per field of SourceSpec (nested options
and a column entry's fields included) and per `transform` value, none missing and none left over."""

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from connectors.spec import SourceSpec, Transform

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "onboarding.md"


def _models(annotation) -> typing.Iterator[type[BaseModel]]:
    """The models inside a field's type: Optional[X], list[X] and dict[str, X] included."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def spec_fields(model: type[BaseModel] = SourceSpec, prefix: str = "") -> list[str]:
    """Every field as a spec file spells it, nested ones dotted: excel.header_rows, columns.to."""
    found = []
    for name, info in model.model_fields.items():
        key = prefix + (info.alias or name)
        found.append(key)
        for inner in _models(info.annotation):
            found += spec_fields(inner, key + ".")
    return found


def first_cells(heading: str) -> list[str]:
    """The backticked first cells of the table rows under a heading, up to the next heading."""
    section = GUIDE.read_text(encoding="utf-8").split(heading + "\n", 1)[1]
    section = re.split(r"\n#+ ", section)[0]
    return re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)


def test_every_spec_field_has_its_row():
    documented = first_cells("## Spec reference")
    assert sorted(set(spec_fields()) - set(documented)) == []  # fields the guide does not explain
    assert sorted(set(documented) - set(spec_fields())) == []  # rows for fields that no longer exist
    assert len(documented) == len(set(documented))


def test_every_transform_value_has_its_row():
    assert first_cells("### Transforms") == list(typing.get_args(Transform))


def test_the_walk_through_uses_the_committed_ledger():
    text = GUIDE.read_text(encoding="utf-8")
    ledger = GUIDE.parent / "examples" / "老年综合津贴发放名册_202611.xlsx"
    assert ledger.exists() and ledger.name in text
    for command in ("source init", "source check", "source accept", "housekey run"):
        assert f"housekey {command.removeprefix('housekey ')}" in text, command
