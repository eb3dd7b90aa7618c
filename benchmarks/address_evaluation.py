"""`housekey evaluate`: every address-resolution figure for the sample world, as a table or one JSON object.

Keys of ``housekey evaluate --json``:

- ``matching``: house assignment on the committed sample against the generator's truth (see
  ``benchmarks.address_matching``): ``precision`` (an out-of-area record given a house counts as wrong),
  ``recall``, ``building_found``, ``out_of_area_records``, ``out_of_area_recognised`` (share of them at
  match_level out_of_area), ``out_of_area_given_a_house``, ``out_of_area_without_address`` (of them, rows
  whose address column is empty, the place named only in free text), ``levels``, ``review_queue_addresses``,
  ``per_source`` (with the out_of_area keys where a source has such rows), ``per_form`` (room_name,
  door_suffix, english_or_pinyin) and ``per_noise_kind`` (each ``{precision, recall, ...}``).
- ``wild``: the hand-written wild set (tests/resolution/wild/, see ``benchmarks.address_wild``): ``addresses``,
  ``naming_a_house``, ``wrong_house``, ``house_recall``, ``out_of_area_recognised_share``, ``review_sent_share``,
  ``sent_out_of_area``, and the entries given a wrong house (``wrong``) or missed (``missed``).
- ``parsing``: element precision, recall and F1 on the public corpus's dev split (see
  ``benchmarks.address_parsing``): ``overall``, ``house_key``, ``poi_and_subpoi``, ``per_label`` of the
  learned labeller; ``rule`` (the rule parser, which decides houses) and ``learned`` (the CRF labeller,
  with ``training_seconds`` and ``training_cpu_seconds`` as measured when its cached model was trained,
  ``addresses_per_second``, ``model``) each with those four keys; ``null`` when the corpus folder is absent.
- ``throughput``: addresses per second on this machine: ``records_per_second`` (parse and match
  over every staged record, distinct strings cached), ``distinct_per_second`` (every distinct
  string parsed and matched), ``parse_cold_per_second`` and ``parse_cached_per_second`` (the
  parser alone on noisy sample-world addresses, one core).
"""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks import address_matching, address_parsing, address_wild


def evaluate(samples: Path | None = None, corpus: Path = address_parsing.CORPUS) -> dict:
    from data_samples.generator.generate import SAMPLES

    matching = address_matching.measure(samples or SAMPLES)
    parsing = None
    if (corpus / "dev.txt").exists():
        parsing = address_parsing.parsing(corpus)
    random.seed(1)
    parser = address_parsing.throughput(*address_parsing.sample_world_addresses())
    return {
        "matching": {k: v for k, v in matching.items() if not k.endswith("_per_second")},
        "wild": address_wild.measure(),
        "parsing": parsing,
        "throughput": {
            "records_per_second": matching["records_per_second"],
            "distinct_per_second": matching["distinct_per_second"],
            "parse_cold_per_second": parser["cold_per_second"],
            "parse_cached_per_second": parser["cached_per_second"],
        },
    }


def print_report(report: dict) -> None:
    address_matching.print_report(report["matching"])
    address_wild.print_report(report["wild"])
    if report["parsing"] is None:
        print(f"parsing: the labelled corpus is not at {address_parsing.CORPUS}; skipped")
    else:
        address_parsing.print_parsing(report["parsing"])
    for key, value in report["throughput"].items():
        print(f"{key:>26}: {value:,}")
