"""Address parser and learned labeller against the public labelled corpus: element precision/recall/F1 and throughput.

    python -m benchmarks.address_parsing [--corpus ../shared/benchmarks/cn_address_parsing] [--json]

The corpus (NAACL 2019 "Neural Chinese Address Parsing", mostly Zhejiang) is read from the shared
folder and never copied. Names from the TRAIN split (cities, districts, towns, communities, roads,
pois) are passed to the parser as its gazetteer, as the house register's dictionaries are in
production; DEV labels are used only for scoring. An element is correct when its label
(case-insensitive) and its exact character span both match, as conlleval counts.

Two labellers are scored: ``rule`` (resolution.address.parse, the one that decides houses) and
``learned`` (resolution.address.crf_labeller, a CRF stacked on the rule parser, trained on the TRAIN
split only). The model is trained when first needed into a cache folder under the system temp
directory, keyed by a hash of the train split, the feature version and the source of the parser and of
this file, and reused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from resolution.address import crf_labeller
from resolution.address.gazetteer import Gazetteer
from resolution.address.parse import clear_cache, parse
from resolution.address.segment import is_bare

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "cn_address_parsing"
# The labels a house key is built from (the list); poi and subpoi are reported on their own.
HOUSE_KEY = ("district", "town", "community", "road", "roadno", "subroadno", "houseno", "cellno", "floorno", "roomno")
GAZETTEER_LABELS = ("prov", "city", "district", "devzone", "town", "community", "road", "poi")
MODELS = Path(tempfile.gettempdir()) / "housekey-crf"
# The learned labeller's rule features come from the parser's files: a change to any of them retrains it.
PARSER_SOURCES = Path(crf_labeller.__file__).parent

Gold = tuple[str, set[tuple[str, int, int]]]


def read_split(path: Path) -> list[Gold]:
    """Addresses of one split: the joined text and its gold elements (label, start, end)."""
    return read_addresses(path.read_text(encoding="utf-8").splitlines())


def read_addresses(lines: Iterable[str]) -> list[Gold]:
    """Addresses in the corpus format (``TOKEN TAG`` lines, BIO tags, a blank line after each address)."""
    addresses: list[Gold] = []
    text, elements, current = "", set(), None

    def close() -> None:
        if current is not None:
            elements.add(tuple(current))

    for line in [*lines, ""]:
        if not line.strip():
            close()
            if text:
                addresses.append((text, elements))
            text, elements, current = "", set(), None
            continue
        token, tag = line.rsplit(" ", 1)
        label = tag[2:].lower()
        if tag == "O" or tag.startswith("B-") or current is None or current[0] != label:
            close()
            current = None if tag == "O" else [label, len(text), len(text) + len(token)]
        else:
            current[2] = len(text) + len(token)
        text += token
    return addresses


def train_gazetteer(train: list[Gold]) -> Gazetteer:
    """Shanghai's gazetteer plus every name the train split labels, under its most frequent label; like
    a register's dictionaries, it leaves out bare suffixes (南路), numbers, and places whose name starts
    with a city or district (义乌市国际商贸城 is 义乌市 + 国际商贸城)."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for text, elements in train:
        for label, start, end in sorted(elements, key=lambda e: (e[1], e[2], e[0])):  # a set: its order is the hash's
            votes[text[start:end]][label] += 1
    names = {name: counter.most_common(1)[0][0] for name, counter in votes.items()}  # a tie: the label first in order
    areas = tuple(name for name, label in names.items() if label in ("prov", "city", "district") and len(name) >= 2)
    gazetteer = Gazetteer.shanghai()
    for name, label in names.items():
        if label not in GAZETTEER_LABELS or len(name) < 2 or is_bare(name) or any(c.isdigit() for c in name):
            continue
        if label not in ("prov", "city", "district") and name.startswith(areas):
            continue
        gazetteer.add(label, [name])
    return gazetteer


def learned_labeller(corpus: Path, train: list[Gold], gazetteer: Gazetteer) -> tuple[crf_labeller.CrfLabeller, dict]:
    """The CRF labeller trained on ``train`` (from the cache when there) and how it was trained."""
    digest = hashlib.sha256(crf_labeller.FEATURE_VERSION.encode())
    digest.update((corpus / "train.txt").read_bytes())
    for source in [*sorted(PARSER_SOURCES.glob("*.py")), Path(__file__)]:  # this file builds the gazetteer
        digest.update(source.read_bytes())
    model = MODELS / f"{digest.hexdigest()[:16]}.crfsuite"
    facts = model.with_suffix(".json")
    if not (model.exists() and facts.exists()):
        MODELS.mkdir(parents=True, exist_ok=True)
        # written under names of its own and renamed: two runs at once never read half a model
        partial_model, partial_facts = (path.with_name(f"{path.name}.{os.getpid()}.partial") for path in (model, facts))
        began, cpu = time.perf_counter(), time.process_time()
        crf_labeller.train(train, gazetteer, partial_model, fold_gazetteer=train_gazetteer)
        seconds = {"training_seconds": time.perf_counter() - began, "training_cpu_seconds": time.process_time() - cpu}
        partial_facts.write_text(json.dumps({name: round(value, 1) for name, value in seconds.items()}))
        os.replace(partial_model, model)
        os.replace(partial_facts, facts)
    trained = json.loads(facts.read_text())
    return crf_labeller.CrfLabeller(model, gazetteer), {**trained, "model": str(model)}


def rule_elements(gazetteer: Gazetteer) -> Callable[[str], set[tuple[str, int, int]]]:
    """The rule parser's elements of an address, as (label, start, end)."""
    return lambda text: {(e.label, e.start, e.end) for e in parse(text, gazetteer).elements}


def score(dev: list[Gold], elements: Callable[[str], Iterable[tuple[str, int, int]]]) -> dict:
    """Per-label and micro precision, recall and F1 over the dev addresses, for a labeller ``elements``."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for text, gold in dev:
        found = set(elements(text))
        for label, *_ in found & gold:
            tp[label] += 1
        for label, *_ in found - gold:
            fp[label] += 1
        for label, *_ in gold - found:
            fn[label] += 1

    def prf(labels) -> dict:
        t, p, n = (sum(c[label] for label in labels) for c in (tp, fp, fn))
        precision, recall = t / (t + p) if t + p else 0.0, t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "gold": t + n}

    labels = sorted(set(tp) | set(fp) | set(fn))
    return {
        "overall": prf(labels),
        "house_key": prf(HOUSE_KEY),
        "poi_and_subpoi": prf(("poi", "subpoi")),
        "per_label": {label: prf([label]) for label in labels},
    }


def throughput(texts: list[str], gazetteer: Callable[[], Gazetteer], rounds: int = 3) -> dict:
    """Addresses per second on one core: cold (every string parsed, with a fresh gazetteer) and cached
    (every string seen before); the best of ``rounds``."""
    cold = cached = 0.0
    for _ in range(rounds):
        clear_cache()
        fresh = gazetteer()
        began = time.perf_counter()
        for text in texts:
            parse(text, fresh)
        middle = time.perf_counter()
        for text in texts:
            parse(text, fresh)
        ended = time.perf_counter()
        cold, cached = max(cold, len(texts) / (middle - began)), max(cached, len(texts) / (ended - middle))
    return {"addresses": len(texts), "cold_per_second": round(cold), "cached_per_second": round(cached)}


def sample_world_addresses(count: int = 20_000) -> tuple[list[str], Callable[[], Gazetteer]]:
    """Distinct noisy addresses of the sample world, and its register's gazetteer."""
    from data_samples.generator.noise import Noise, NoiseRates
    from data_samples.generator.world import build_world

    world = build_world(20_000)
    noise = Noise(random.Random(1), NoiseRates())
    texts = sorted({noise.address(random.choice(world.houses)) for _ in range(count)})
    roads = sorted({h.road for h in world.houses})
    compounds = sorted({h.compound for h in world.houses if h.compound})
    return texts, lambda: Gazetteer.shanghai(roads, compounds)


def parsing(corpus: Path = CORPUS) -> dict:
    """Both labellers on the dev split. Top-level keys (``overall``, ``house_key``, ``poi_and_subpoi``,
    ``per_label``) are the learned labeller's; ``rule`` and ``learned`` hold each one's figures, ``learned``
    also ``training_seconds`` and ``training_cpu_seconds`` (measured when the cached model was trained),
    ``model`` (its path) and ``addresses_per_second``."""
    train, dev = read_split(corpus / "train.txt"), read_split(corpus / "dev.txt")
    gazetteer = train_gazetteer(train)
    rule = score(dev, rule_elements(gazetteer))
    labeller, trained = learned_labeller(corpus, train, gazetteer)
    began = time.perf_counter()
    learned = score(dev, labeller.label)
    learned["addresses_per_second"] = round(len(dev) / (time.perf_counter() - began))
    learned.update(trained)
    return {key: learned[key] for key in rule} | {"rule": rule, "learned": learned}


def print_parsing(report: dict) -> None:
    """The parsing figures as a table: rule parser and learned labeller side by side."""
    rule, learned = report["rule"], report["learned"]
    print(f"{'':>22} {'rule parser':^23} {'learned (CRF)':^23}")
    print(f"{'label':>22} {'P':>7} {'R':>7} {'F1':>7} {'P':>7} {'R':>7} {'F1':>7} {'gold':>6}")
    rows = [
        ("OVERALL (micro)", "overall"),
        ("HOUSE KEY (micro)", "house_key"),
        ("poi + subpoi (micro)", "poi_and_subpoi"),
    ]
    labels = sorted(set(rule["per_label"]) | set(learned["per_label"]))
    blank = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 0}
    for name, key in rows + [(label, label) for label in labels]:
        a, b = (figures[key] if key in figures else figures["per_label"].get(key, blank) for figures in (rule, learned))
        cells = " ".join(f"{m[k]:7.3f}" for m in (a, b) for k in ("precision", "recall", "f1"))
        print(f"{name:>22} {cells} {max(a['gold'], b['gold']):6d}")
    print(
        f"learned labeller: {learned['addresses_per_second']:,} addresses/s; model {learned['model']}"
        + f", trained in {learned['training_seconds']} s ({learned['training_cpu_seconds']} CPU s)"
    )


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--corpus", type=Path, default=CORPUS)
    cli.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = cli.parse_args()
    train, dev = read_split(args.corpus / "train.txt"), read_split(args.corpus / "dev.txt")
    report = parsing(args.corpus)
    report["throughput"] = throughput(sorted({text for text, _ in dev}), lambda: train_gazetteer(train))
    random.seed(1)
    report["throughput_sample_world"] = throughput(*sample_world_addresses())
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return
    print(f"dev: {len(dev)} addresses; gazetteer from train: {len(train)} addresses")
    print_parsing(report)
    for key, what in (
        ("throughput", "distinct dev addresses"),
        ("throughput_sample_world", "distinct noisy sample-world addresses"),
    ):
        t = report[key]
        print(
            f"rule parser throughput: {t['cold_per_second']:,} addresses/s cold, {t['cached_per_second']:,} cached "
            f"({t['addresses']:,} {what}, one core)"
        )


if __name__ == "__main__":
    main()
