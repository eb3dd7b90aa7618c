"""Ledgers as they print: every template ledger filled for one committee of the sample, converted to PDF by
LibreOffice as a social worker's office would print it, and checked in the PDF.

    .venv/bin/python -m benchmarks.ledger_pdf [--warehouse W] [--committee 310101023005] [--out var/ledger_pdf]

Checks per ledger: one page wide (every page landscape and showing every column's header, so no column
spilled onto pages of its own), no ``###`` (a date or number too wide for its column), every ID number of the
workbook whole in the PDF's text (not cut by a narrow column); page 1 is rendered to PNG for a person to look at.
Without ``--warehouse`` the sample world is run into a temporary warehouse first (``housekey run``, about two
minutes). Needs LibreOffice (``apt-get install libreoffice-calc-nogui``) and poppler (``poppler-utils``): without
them it prints one line saying so and skips.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMITTEE = "310101023005"  # 南昌居委会: elderly people living alone, rentals and shops (tests/warehouse too)
ID_NUMBER = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
TOOLS = ("soffice", "pdfinfo", "pdftotext", "pdftoppm")


@dataclass
class Printed:
    """One ledger through LibreOffice: what the PDF shows."""

    ledger: str
    rows: int
    pages: int
    landscape_pages: int
    pages_with_every_header: int
    hashes: int  # ``###`` in the text
    id_numbers: int  # in the workbook
    id_numbers_whole: int  # of them, found whole in the PDF's text
    seconds: float  # the conversion
    png: Path

    @property
    def ok(self) -> bool:
        return (
            self.pages > 0
            and self.landscape_pages == self.pages_with_every_header == self.pages
            and self.hashes == 0
            and self.id_numbers_whole == self.id_numbers
        )


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@contextmanager
def sample_warehouse():
    """The sample world run into a temporary warehouse, as of its day (``housekey run`` on a copy of its landing
    folder, with its own Dagster home)."""
    with tempfile.TemporaryDirectory(prefix="housekey-ledger-pdf-") as tmp:
        root = Path(tmp)
        landing, warehouse, home = root / "landing", root / "warehouse" / "housekey.duckdb", root / "dagster"
        shutil.copytree(REPO_ROOT / "data_samples" / "landing", landing)
        home.mkdir()
        shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
        env = {name: value for name, value in os.environ.items() if name != "HOUSEKEY_SUBDISTRICTS"}
        env |= {
            "HOUSEKEY_LANDING": str(landing),
            "HOUSEKEY_WAREHOUSE": str(warehouse),
            "DAGSTER_HOME": str(home),
            "HOUSEKEY_AS_OF": os.environ.get("HOUSEKEY_AS_OF", "2026-11-01"),  # the sample world's day
            "HOUSEKEY_TOKEN_KEY_1": os.environ.get("HOUSEKEY_TOKEN_KEY_1", "housekey-bench-key-not-secret"),
        }
        housekey = Path(sys.executable).with_name("housekey")
        done = subprocess.run([housekey, "run"], env=env, cwd=REPO_ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"housekey run failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        yield warehouse


def _text(command: list[str]) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def to_pdf(workbook: Path, folder: Path, profile: Path) -> tuple[Path, float]:
    """LibreOffice's PDF of a workbook (its own user profile, so a running LibreOffice is not disturbed)."""
    started = time.perf_counter()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(workbook),
        ],
        capture_output=True,
        check=True,
        timeout=300,
    )
    return folder / f"{workbook.stem}.pdf", time.perf_counter() - started


def _squeezed(text: str) -> str:
    """Text without any white space: a wrapped header or value reads whole again."""
    return re.sub(r"\s+", "", text)


def check(workbook: Path, pdf: Path, seconds: float, rows: int) -> Printed:
    """What the PDF of a filled ledger shows, against the workbook it came from."""
    from openpyxl import load_workbook

    from warehouse.ledgers import SEQUENCE

    sheet = load_workbook(workbook).worksheets[0]
    header = next(r for r in range(1, 11) if sheet.cell(r, 1).value == SEQUENCE)
    titles = [_squeezed(str(c.value)) for c in sheet[header] if c.value is not None]
    id_numbers = {
        str(c.value).strip()
        for row in sheet.iter_rows(min_row=header + 1)
        for c in row
        if isinstance(c.value, str) and ID_NUMBER.match(c.value.strip())
    }
    info = _text(["pdfinfo", str(pdf)])
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))
    landscape = with_headers = 0
    for page in range(1, pages + 1):
        size = _text(["pdfinfo", "-f", str(page), "-l", str(page), str(pdf)])
        width, height = map(float, re.search(rf"Page\s+{page} size:\s+([\d.]+) x ([\d.]+)", size).groups())
        landscape += width > height
        text = _squeezed(_text(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"]))
        with_headers += all(title in text for title in titles)
    text = _text(["pdftotext", str(pdf), "-"])
    tokens = set(re.findall(r"[\dXx]+", text))  # an ID number cut by a narrow column is two runs, or none
    png = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(png)], check=True
    )
    return Printed(
        pdf.stem,
        rows,
        pages,
        landscape,
        with_headers,
        text.count("###"),
        len(id_numbers),
        sum(1 for i in id_numbers if i in tokens),
        seconds,
        png.with_suffix(".png"),
    )


def measure(warehouse: Path, committee: str, out: Path) -> list[Printed]:
    """Fill every template ledger for ``committee`` into ``out``, print each to PDF and check it."""
    import duckdb

    from data_samples.generator.generate import SAMPLES
    from warehouse.ledgers import fill_ledger

    out.mkdir(parents=True, exist_ok=True)
    printed = []
    with duckdb.connect(str(warehouse), read_only=True) as con, tempfile.TemporaryDirectory() as profile:
        for template in sorted((SAMPLES / "templates").glob("*.xlsx")):
            filled = fill_ledger(con, template, committee, out / template.name)
            pdf, seconds = to_pdf(filled.path, out, Path(profile))
            printed.append(check(filled.path, pdf, seconds, filled.rows))
    return printed


def report(printed: list[Printed]) -> None:
    for p in printed:
        print(
            f"{'ok  ' if p.ok else 'FAIL'} {p.ledger}: {p.rows} rows, {p.pages} pages "
            f"({p.landscape_pages} landscape, {p.pages_with_every_header} with every column's header), "
            f"{p.hashes} ###, ID numbers whole {p.id_numbers_whole}/{p.id_numbers}, "
            f"PDF in {p.seconds:.1f} s; page 1: {p.png}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, help="a warehouse of the sample world (default: run one)")
    parser.add_argument("--committee", default=COMMITTEE)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "ledger_pdf", help="workbooks, PDFs, PNGs")
    args = parser.parse_args(argv)
    if missing := missing_tools():
        print(
            f"ledger_pdf skipped: {', '.join(missing)} not installed "
            "(apt-get install --no-install-recommends libreoffice-calc-nogui poppler-utils)"
        )
        return 0
    if args.warehouse:
        printed = measure(args.warehouse, args.committee, args.out)
    else:
        with sample_warehouse() as warehouse:
            printed = measure(warehouse, args.committee, args.out)
    report(printed)
    return 0 if all(p.ok for p in printed) else 1


if __name__ == "__main__":
    sys.exit(main())
