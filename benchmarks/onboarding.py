"""Onboarding the hand-made exports of issue 17 (tests/connectors/exports/<name>/): how far the draft of
``housekey source init`` is from the reviewed spec, and what the pipeline makes of each export once reviewed.

    .venv/bin/python -m benchmarks.onboarding

Per export and in total (then the analyst copy, after the whole pipeline ran on the exports, scanned for their ID
numbers, mobiles and bank cards):

(a) draft agreement: of the delivered columns, the share whose draft mapping (its canonical ``to``, ``ignore``,
    ``drop``, or unmapped) equals the reviewed spec's; a headerless fixed-width field is the draft's field that
    starts at the same character;
(b) rows right: of the delivered rows, the share with the outcome its truth says: staged with no value quarantined,
    staged with exactly the named value quarantined by its rule, or quarantined whole by its rule; a row the
    pipeline staged that truth does not know (a totals row read as a person) is wrong too;
(c) wrong houses and wrong people: a staged row matched to another house than its truth; a person record (the
    row's subject, counterpart or reporter) in one person with a record of another true person. The warehouse also holds
    the sample's address register and household registration, so people are linked to the ones already known.

The exports and their truth are written by tests/connectors/exports/build.py; the reviewed specs lie beside them.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[1]
EXPORTS = REPO / "tests" / "connectors" / "exports"
SAMPLES = REPO / "data_samples"
REFERENCE = ("address_register", "household_registration")  # the houses, and people known before the exports
AS_OF = "2026-11-01"  # the sample world's day


@dataclass
class Figures:
    """One export's figures."""

    name: str
    columns: int = 0
    columns_agreeing: int = 0
    column_misses: list[str] = field(default_factory=list)
    rows: int = 0
    rows_right: int = 0
    rows_staged: int = 0
    """Rows of the truth that were staged."""
    row_misses: list[str] = field(default_factory=list)
    houses_given: int = 0
    houses_right: int = 0
    houses_wrong: list[str] = field(default_factory=list)
    people_named: int = 0
    people_linked: int = 0
    """Person records (subject or counterpart) of the export that identity resolution made."""
    people_wrong: list[str] = field(default_factory=list)
    people_known: int = 0
    """Person records of the export whose true person the reference sources already hold."""
    people_found_again: int = 0
    """Of those, the records linked to that known person."""
    people_unread: int = 0
    """People the export names in a nested list (truth note 'members P...') that no column can map."""
    dry_run_misses: list[str] = field(default_factory=list)
    """Where ``housekey source check`` on the export (reviewed spec) says other than the truth."""
    cards_stored: list[str] = field(default_factory=list)
    """Bank card numbers (19 digits, Luhn-valid) found in the export's raw or staging table."""
    partial_dates_invented: list[str] = field(default_factory=list)
    """Rows whose birth date was kept to the month, staged as a full date."""
    partial_dates_kept: int = 0
    """Rows whose birth date was kept to the month, staged as that month (its first day, precision 'month')."""


def export_names() -> list[str]:
    return sorted(p.parent.name for p in EXPORTS.glob("*/spec.yaml"))


def delivered_file(name: str) -> Path:
    (path,) = [p for p in (EXPORTS / name).iterdir() if p.name not in ("spec.yaml", "draft.yaml", "truth.csv")]
    return path


def truth_rows(name: str) -> list[dict[str, str]]:
    with (EXPORTS / name / "truth.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def reviewed_spec(name: str) -> dict:
    return yaml.safe_load((EXPORTS / name / "spec.yaml").read_text(encoding="utf-8"))


def draft(name: str) -> dict:
    """The spec ``housekey source init`` drafts from the export today."""
    from connectors.onboarding.draft import draft_spec
    from connectors.onboarding.profile import profile

    return draft_spec(profile(delivered_file(name)), name).spec


def mapping(spec: dict, column: str) -> str | None:
    """What a spec does with a delivered column: its canonical column, ignore, drop, or None (unmapped)."""
    if column in spec.get("columns", {}):
        return spec["columns"][column].get("to")
    for kind in ("ignore", "drop"):
        if column in (spec.get(kind) or {}):
            return kind
    return None


def delivered_columns(name: str) -> list[str]:
    """The export's headers as the pipeline reads them with the reviewed spec, dropped columns included."""
    from connectors.readers import read_delivery
    from connectors.spec import SourceSpec

    spec = SourceSpec.model_validate(reviewed_spec(name))
    headers = [h for part in read_delivery(delivered_file(name), spec).parts for h in part.header]
    return list(dict.fromkeys([*headers, *spec.drop]))


def agreement(name: str, figures: Figures) -> None:
    """(a): the draft's mapping of every delivered column against the reviewed spec's; a file ``source init``
    cannot draft agrees on none."""
    from connectors.readers import ReadError

    reviewed = reviewed_spec(name)
    try:
        drafted = draft(name)
    except ReadError as exc:  # a file init cannot read agrees on no column; the reason is printed
        figures.column_misses.append(f"no draft: {' '.join(str(exc).split())}")
        drafted = {"columns": {}, "fixed_width": {"fields": []}}
        drafted["columns"] = {c: {"to": "(no draft)"} for c in delivered_columns(name)}
    if reviewed["format"] == "fixed_width":
        fields = reviewed["fixed_width"]["fields"]
        draft_fields = drafted.get("fixed_width", {}).get("fields", [])
        by_start = dict(zip(accumulate([0] + [f["width"] for f in draft_fields]), draft_fields, strict=False))
        pairs = []
        for start, f in zip(accumulate([0] + [f["width"] for f in fields]), fields, strict=False):
            same = by_start.get(start)
            found = same is not None and same["width"] == f["width"]
            pairs.append((f["name"], mapping(drafted, same["name"]) if found else "(field not found)"))
    else:
        pairs = [(c, mapping(drafted, c)) for c in delivered_columns(name)]
    for column, got in pairs:
        want = mapping(reviewed, column)
        figures.columns += 1
        if got == want:
            figures.columns_agreeing += 1
        else:
            figures.column_misses.append(f"{column}: draft {got or 'unmapped'}, reviewed {want or 'unmapped'}")


def build_warehouse(folder: Path, everything: bool = False) -> Path:
    """Land, stage, match and link the reference sources and every export (reviewed spec) in a fresh warehouse;
    with ``everything`` the whole pipeline, tags, marts and the analyst copy included."""
    from dagster import AssetKey, AssetSelection, DagsterInstance, materialize

    from connectors.spec import load_registry
    from pipelines.definitions import pipeline_assets
    from pipelines.resources import warehouse_resources

    sources, landing = folder / "sources", folder / "landing"
    sources.mkdir()
    old = time.time() - 3600  # settled: a file written a minute ago may still be being written
    for name in REFERENCE:
        shutil.copy(REPO / "connectors" / "sources" / f"{name}.yaml", sources)
        shutil.copytree(SAMPLES / "landing" / name, landing / name)
    for name in export_names():
        shutil.copy(EXPORTS / name / "spec.yaml", sources / f"{name}.yaml")
        (landing / name).mkdir(parents=True)
        shutil.copy(delivered_file(name), landing / name)
    for path in landing.rglob("*"):
        os.utime(path, (old, old))
    warehouse = folder / "housekey.duckdb"
    saved = {k: os.environ.get(k) for k in ("HOUSEKEY_LANDING", "HOUSEKEY_WAREHOUSE", "HOUSEKEY_AS_OF")}
    os.environ.update(HOUSEKEY_LANDING=str(landing), HOUSEKEY_WAREHOUSE=str(warehouse), HOUSEKEY_AS_OF=AS_OF)
    try:
        assets = pipeline_assets(load_registry(sources))
        # identity's people and everything upstream of it (raw, staging, houses, matching, the record backbone);
        # an asset making several tables (core/people with core/person_records) is selected whole
        people = next(a for a in assets if AssetKey(["core", "people"]) in a.keys)
        selection = AssetSelection.assets(*people.keys).upstream().required_multi_asset_neighbors()
        if everything:
            selection = AssetSelection.all()
        with DagsterInstance.ephemeral() as instance:
            result = materialize(
                assets,
                selection=selection,
                resources=warehouse_resources(),
                instance=instance,
                raise_on_error=False,
            )
        if not result.success:
            failed = [e.step_key for e in result.all_events if e.is_step_failure]
            raise RuntimeError(f"the pipeline failed at {failed}")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return warehouse


def _row_key(sheet: str | None, row_number: int) -> tuple[str, int]:
    return (sheet or "", int(row_number))


def outcomes(con: duckdb.DuckDBPyConnection, people: PersonRecords, name: str, figures: Figures) -> None:
    """(b) and (c) for one export, read from the warehouse."""
    staged = {
        _row_key(s, r): rid
        for s, r, rid in con.execute(f'SELECT _sheet, _row_number, _record_id FROM staging."{name}"').fetchall()
    }
    quarantined: dict[tuple[str, int], list[tuple[str, bool]]] = defaultdict(list)
    for s, r, rule, kept in con.execute(
        "SELECT sheet, row_number, rule, is_row_kept FROM quality.quarantine WHERE source = ?", [name]
    ).fetchall():
        quarantined[_row_key(s, r or 0)].append((rule, kept))
    truth = {_row_key(t["sheet"], t["row_number"]): t for t in truth_rows(name)}
    for key in sorted(set(staged) | set(quarantined) - set(truth)):
        if key not in truth:
            figures.rows += 1
            figures.row_misses.append(f"{key}: not a row of the truth, yet {_said(key, staged, quarantined)}")
    houses = dict(
        con.execute(
            "SELECT record_id, house_id FROM core.address_matches WHERE match_level IN ('room', 'door') AND source = ?",
            [name],
        ).fetchall()
    )
    for key, t in truth.items():
        figures.rows += 1
        whole = {rule for rule, kept in quarantined[key] if not kept}
        values = {rule for rule, kept in quarantined[key] if kept}
        if t["outcome"] == "staged":
            right = key in staged and not whole and not values
        elif t["outcome"] == "value":
            right = key in staged and values == {t["rule"]} and not whole
        else:
            right = key not in staged and t["rule"] in whole
        if right:
            figures.rows_right += 1
        else:
            figures.row_misses.append(
                f"{key}: truth {t['outcome']} {t['rule']} ({t['note'] or t['column']}), {_said(key, staged, quarantined)}"
            )
        figures.rows_staged += key in staged
        if key in staged and staged[key] in houses:
            figures.houses_given += 1
            if houses[staged[key]] == t["house_id"]:
                figures.houses_right += 1
            else:
                figures.houses_wrong.append(f"{key}: house {houses[staged[key]]}, truth {t['house_id']}")
    _people(people, name, truth, staged, figures)
    _cards(con, name, figures)
    _partial_dates(con, name, truth, staged, figures)


def _said(key, staged, quarantined) -> str:
    parts = ["staged" if key in staged else "not staged"]
    parts += [f"{'value' if kept else 'row'} quarantined by {rule}" for rule, kept in quarantined.get(key, [])]
    return ", ".join(parts)


def _reference_truth() -> dict[tuple[str, str, int], str]:
    """(source, sheet, row) -> true person of the reference sources' rows (data_samples/truth/records.csv)."""
    with (SAMPLES / "truth" / "records.csv").open(encoding="utf-8") as f:
        return {
            (r["source"], r["sheet"], int(r["row_number"])): r["person_id"]
            for r in csv.DictReader(f)
            if r["source"] in REFERENCE and r["person_id"]
        }


@dataclass
class PersonRecords:
    """Every person record of the warehouse with its true person, and what each person holds."""

    records: list[tuple[str, str, str, int, str, str | None]]
    """(party, source, sheet, row, person_id, true person)"""
    holds: dict[str, set[str]]
    """person_id -> the true persons of its records"""
    known: set[str]
    """person_ids holding a record of a reference source (a person the warehouse knew before the exports)"""
    reference_people: set[str]
    """true persons with a record in a reference source"""

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> PersonRecords:
        reference = _reference_truth()
        truth = {("subject", *k): v for k, v in reference.items()}
        for name in export_names():
            for t in truth_rows(name):
                key = (name, t["sheet"], int(t["row_number"]))
                truth[("subject", *key)] = t["person_id"]
                truth[("counterpart", *key)] = t["counterpart_id"] or None
                truth[("reporter", *key)] = t["reporter_id"] or None
        records, holds, known = [], defaultdict(set), set()
        for table, party_sql in (("person_records", "'subject'"), ("person_counterparts", "party")):
            query = f"SELECT {party_sql}, _source, _sheet, _row_number, person_id FROM core.{table}"
            for party, source, sheet, row, person in con.execute(query).fetchall():
                true = truth.get((party, source, sheet or "", int(row)))
                records.append((party, source, sheet or "", int(row), person, true))
                if true:
                    holds[person].add(true)
                if source in REFERENCE:
                    known.add(person)
        return cls(records, holds, known, set(reference.values()))


def _people(people: PersonRecords, name: str, truth: dict, staged: dict, figures: Figures) -> None:
    """(c) people: every person record the export made is in a person holding no record of another true person
    (of any export or reference source); and how many of the people known before were found again."""
    for t in truth.values():
        if _row_key(t["sheet"], t["row_number"]) in staged:
            figures.people_named += 1 + bool(t["counterpart_id"]) + bool(t["reporter_id"])
        figures.people_unread += len(t["note"].split("members ", 1)[1].split()) if "members " in t["note"] else 0
    for party, source, sheet, row, person, true in people.records:
        if source != name:
            continue
        figures.people_linked += 1
        if true is None:  # a person made of what names nobody (a totals row, a staff member's name)
            figures.people_wrong.append(f"{(sheet, row)} {party}: a person record where truth names no {party}")
        elif others := people.holds[person] - {true}:
            figures.people_wrong.append(f"{(sheet, row)} {party}: truth {true}, its person also holds {sorted(others)}")
        if true in people.reference_people:
            figures.people_known += 1
            figures.people_found_again += person in people.known


def _partial_dates(con, name: str, truth: dict, staged: dict, figures: Figures) -> None:
    """A birth date kept to the month (truth note 'kept to the month: 1951-02') is staged as that month: its first
    day with the precision 'month' beside it (``_date_precision`` or ``birth_date_precision``), never as a day."""
    columns = {r[0] for r in con.execute(f'DESCRIBE staging."{name}"').fetchall()}
    if "birth_date" not in columns:
        return
    precision = next((c for c in ("_date_precision", "birth_date_precision") if c in columns), None)
    for key, t in truth.items():
        if "kept to the month" not in t["note"] or key not in staged:
            continue
        month = t["note"].rsplit(": ", 1)[1]
        born, said = con.execute(
            f'SELECT birth_date::VARCHAR, {f"{precision}::VARCHAR" if precision else "NULL"} FROM staging."{name}" '
            "WHERE _record_id = ?",
            [staged[key]],
        ).fetchone()
        kept = born == f"{month}-01" and said is not None and "month" in said
        figures.partial_dates_kept += kept
        if born is not None and not kept:
            figures.partial_dates_invented.append(f"{key}: {month} staged as {born} (precision {said})")


def _cards(con, name: str, figures: Figures) -> None:
    """Bank card numbers (19 digits passing the Luhn check) in any text of the export's raw or staging table."""
    from stdnum import luhn

    for layer in ("raw", "staging"):
        columns = [r[0] for r in con.execute(f'DESCRIBE {layer}."{name}"').fetchall()]
        texts = " || ' ' || ".join(f"coalesce(\"{c}\"::VARCHAR, '')" for c in columns)
        found = con.execute(
            f"SELECT DISTINCT unnest(regexp_extract_all({texts}, '[0-9]{{19}}')) FROM {layer}.\"{name}\""
        ).fetchall()
        figures.cards_stored += [f"{layer}: {n}" for (n,) in found if luhn.is_valid(n)]


def dry_run(name: str, figures: Figures) -> None:
    """``housekey source check`` with the reviewed spec: rows read, quarantined whole and values quarantined as
    the truth says, and nothing that would stop a run (a file failed, a delivery held, nothing to load)."""
    from connectors.spec import SourceSpec
    from pipelines.dry_run import check_source

    truth = truth_rows(name)
    report = check_source(SourceSpec.model_validate(reviewed_spec(name)), [delivered_file(name)])
    said = {
        "rows read": report.rows_read,
        "rows quarantined": report.rows_quarantined,
        "values": report.values_quarantined,
    }
    want = {
        "rows read": len(truth),
        "rows quarantined": sum(t["outcome"] == "quarantined" for t in truth),
        "values": sum(t["outcome"] == "value" for t in truth),
    }
    figures.dry_run_misses += [f"source check: {k} {said[k]}, truth {want[k]}" for k in want if said[k] != want[k]]
    if report.refusal:  # a file failed, a delivery held or nothing to load: the summary, then each line
        figures.dry_run_misses += [f"source check: {line}" for line in (report.refusal, *report.failed, *report.held)]


def analyst_copy_leaks(folder: Path | None = None) -> tuple[list[str], int]:
    """The exports' ID numbers, mobiles and bank cards found in any text of the analyst copy after the whole
    pipeline ran on them, and how many the private warehouse holds (the scan is not blind)."""
    wanted: set[str] = set()
    for name in export_names():
        for t in truth_rows(name):
            for pid in (t["person_id"], t["counterpart_id"], t["reporter_id"]):
                if person := _TRUTH_PEOPLE.get(pid):
                    wanted |= {person["id_number"], person["phone"]} - {""}
    with tempfile.TemporaryDirectory(prefix="housekey-onboarding-") as tmp:
        from warehouse.publish import ANALYST_FILE

        warehouse = build_warehouse(Path(folder or tmp), everything=True)
        private = sensitive_numbers(warehouse, wanted)
        return sensitive_numbers(warehouse.with_name(ANALYST_FILE), wanted), len(private)


def sensitive_numbers(database: Path, wanted: set[str]) -> list[str]:
    """Where a text of ``database`` holds one of the ``wanted`` ID numbers or phones (an ID number also with up to
    two digits typed wrong) or a bank card (19 digits passing Luhn); spaces, tabs and full-width digits are read
    through, a lower-case x as X. Each as 'schema.table.column: 3101…34'."""
    from stdnum import luhn

    found: set[tuple[str, str]] = set()
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' OR data_type LIKE '%[]' OR data_type = 'JSON'"
        ).fetchall()
        for schema, table, column in columns:
            text = (
                f"upper(translate(regexp_replace(\"{column}\"::VARCHAR, '[\\s\u3000]', '', 'g'), "
                "'０１２３４５６７８９', '0123456789'))"
            )
            query = f'SELECT DISTINCT unnest(regexp_extract_all({text}, \'[0-9X]{{11,19}}\')) FROM "{schema}"."{table}"'
            for (number,) in con.execute(query).fetchall():
                near_id = len(number) == 18 and any(
                    len(w) == 18 and sum(a != b for a, b in zip(number, w, strict=True)) <= 2 for w in wanted
                )
                if number in wanted or near_id or (len(number) == 19 and luhn.is_valid(number)):
                    found.add((f"{schema}.{table}.{column}", number))
    return sorted(f"{where}: {number[:4]}…{number[-2:]}" for where, number in found)


def _truth_people() -> dict[str, dict[str, str]]:
    with (SAMPLES / "truth" / "people.csv").open(encoding="utf-8") as f:
        return {r["person_id"]: r for r in csv.DictReader(f)}


_TRUTH_PEOPLE = _truth_people()


def measure(folder: Path | None = None) -> list[Figures]:
    """Every export's figures; the warehouse is built in ``folder`` (default a temporary one)."""
    with tempfile.TemporaryDirectory(prefix="housekey-onboarding-") as tmp:
        warehouse = build_warehouse(Path(folder or tmp))
        results = []
        with duckdb.connect(str(warehouse), read_only=True) as con:
            people = PersonRecords.read(con)
            for name in export_names():
                figures = Figures(name)
                agreement(name, figures)
                dry_run(name, figures)
                outcomes(con, people, name, figures)
                results.append(figures)
        return results


def report(results: list[Figures]) -> None:
    def share(a: int, b: int) -> str:
        return f"{a}/{b} = {a / b:.3f}" if b else "0/0"

    for f in results:
        print(
            f"{f.name:20} (a) columns {share(f.columns_agreeing, f.columns)}  (b) rows right {share(f.rows_right, f.rows)}"
            f"  (c) houses wrong {len(f.houses_wrong)} (right {f.houses_right} of {f.rows_staged} staged rows), people wrong "
            f"{len(f.people_wrong)} ({f.people_linked} person records of {f.people_named} named on staged rows)"
            f"; known before {f.people_known}, found again {f.people_found_again}; in nested lists, not read "
            f"{f.people_unread}"
            f"; partial dates kept {f.partial_dates_kept}, invented {len(f.partial_dates_invented)}"
            f"; bank cards stored {len(f.cards_stored)}; source check {'differs' if f.dry_run_misses else 'agrees'}"
        )
        misses = [*f.column_misses, *f.dry_run_misses, *f.row_misses, *f.houses_wrong, *f.people_wrong]
        misses += f.partial_dates_invented
        for line in [*misses, *f.cards_stored]:
            print(f"    {line}")
    total = Figures("total")
    for f in results:
        for attr in ("columns", "columns_agreeing", "rows", "rows_right", "houses_right", "people_linked"):
            setattr(total, attr, getattr(total, attr) + getattr(f, attr))
    wrong_houses = sum(len(f.houses_wrong) for f in results)
    wrong_people = sum(len(f.people_wrong) for f in results)
    print(
        f"{'total':20} (a) columns {share(total.columns_agreeing, total.columns)}  (b) rows right "
        f"{share(total.rows_right, total.rows)}  (c) houses wrong {wrong_houses}, people wrong {wrong_people}"
    )


def main() -> None:
    report(measure())
    leaks, private = analyst_copy_leaks()
    print(
        f"analyst copy after the whole pipeline on the exports: {len(leaks)} ID numbers, mobiles or bank cards "
        f"(the private warehouse holds {private})"
    )
    for line in leaks:
        print(f"    {line}")


if __name__ == "__main__":
    main()
