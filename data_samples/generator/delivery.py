"""What one source exporter writes: delivery files in its landing folder, truth, and manifest lines.

An exporter (data_samples/generator/sources/<name>.py) gets a ``Deliveries`` for its source and
calls one method per file it delivers. Rows of a database source are kept as a seed table that
``housekey samples seed-databases`` loads into the real server.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from data_samples.generator import formats
from data_samples.generator.formats import Table
from data_samples.generator.noise import Noise, NoiseRates

TRUTH_KEYS = ("house_id", "person_id", "business_id", "event_id")
# What a record's address can name: a house (room, shop door), or only the building the house is in.
NAMES = "names"
# The clean canonical values the exporter drew for the row, before noise, by record-kind column: a JSON object.
FACTS = "facts"


def facts_json(truth: dict) -> str:
    return json.dumps(truth.get(FACTS) or {}, ensure_ascii=False, sort_keys=True, default=str)


@dataclass
class Deliveries:
    source: str
    out: Path
    """The sample root: landing/<source>/ receives files, databases/ the seed tables."""
    noise: Noise
    rng: random.Random
    files: list[dict] = field(default_factory=list)
    truth: list[tuple] = field(default_factory=list)

    @classmethod
    def open(cls, source: str, out: Path, seed: int, rates: NoiseRates) -> Deliveries:
        rng = random.Random(f"{seed}:{source}")  # a stream per source: one source's change leaves others alone
        (out / "landing" / source).mkdir(parents=True, exist_ok=True)
        return cls(source, out, Noise(random.Random(f"{seed}:{source}:noise"), rates), rng)

    def _path(self, file_name: str) -> Path:
        return self.out / "landing" / self.source / file_name

    def _record(self, file_name: str, tables: list[Table], numbers: list[list[int]]) -> None:
        for table, rows in zip(tables, numbers, strict=False):
            for row_number, truth in zip(rows, table.truth, strict=False):
                self.truth.append(
                    (
                        self.source,
                        file_name,
                        table.sheet or "",
                        row_number,
                        "",
                        *(truth.get(k, "") or "" for k in TRUTH_KEYS),
                        truth.get(NAMES, "house"),
                        facts_json(truth),
                    )
                )
        data = [t for t in tables if not t.hidden]  # a hidden sheet holds instructions, not deliveries
        self.files.append(
            {
                "file": file_name,
                "rows": sum(len(t.rows) for t in data),
                "sheets": {t.sheet: len(t.rows) for t in data if t.sheet},
            }
        )

    def csv(self, file_name: str, table: Table, encoding: str = "utf-8", delimiter: str = ",") -> None:
        self._record(file_name, [table], [formats.write_csv(self._path(file_name), table, encoding, delimiter)])

    def json(self, file_name: str, table: Table, records_path: str | None = None, envelope: dict | None = None) -> None:
        self._record(file_name, [table], [formats.write_json(self._path(file_name), table, records_path, envelope)])

    def jsonl(self, file_name: str, table: Table) -> None:
        self._record(file_name, [table], [formats.write_jsonl(self._path(file_name), table)])

    def fixed_width(self, file_name: str, table: Table, widths: list[int], encoding: str = "gb18030") -> None:
        numbers = formats.write_fixed_width(self._path(file_name), table, widths, encoding)
        self._record(file_name, [table], [numbers])

    def xlsx(self, file_name: str, tables: list[Table]) -> None:
        self._record(file_name, tables, formats.write_xlsx(self._path(file_name), tables))

    def xls(self, file_name: str, tables: list[Table]) -> None:
        self._record(file_name, tables, formats.write_xls(self._path(file_name), tables))

    def redeliver(self, file_name: str, copy_name: str) -> None:
        """The same file delivered again under another name: it must load nothing the second time."""
        shutil.copyfile(self._path(file_name), self._path(copy_name))
        original = next(f for f in self.files if f["file"] == file_name)
        self.files.append({**original, "file": copy_name, "duplicate_of": file_name})
        self.truth.extend([(s, copy_name, *rest) for s, f, *rest in self.truth if f == file_name])

    def database(
        self,
        dialect: str,
        table_name: str,
        columns: list[tuple[str, str]],
        rows: list[list],
        truth: list[dict],
        key: str,
    ) -> None:
        """A live table in a departmental database; `key` is its primary-key column."""
        seed = self.out / "databases" / f"{self.source}.json"
        seed.parent.mkdir(parents=True, exist_ok=True)
        seed.write_text(
            json.dumps(
                {"dialect": dialect, "table": table_name, "key": key, "columns": columns, "rows": rows},
                ensure_ascii=False,
                default=str,
                indent=0,
            ),
            encoding="utf-8",
        )
        key_at = [c for c, _ in columns].index(key)
        for row, t in zip(rows, truth, strict=False):
            self.truth.append(
                (
                    self.source,
                    f"{dialect}:{table_name}",
                    "",
                    "",
                    str(row[key_at]),
                    *(t.get(k, "") or "" for k in TRUTH_KEYS),
                    t.get(NAMES, "house"),
                    facts_json(t),
                )
            )
        self.files.append({"file": f"{dialect}:{table_name}", "rows": len(rows), "database": True})
        shutil.rmtree(self.out / "landing" / self.source, ignore_errors=True)  # nothing lands as a file
