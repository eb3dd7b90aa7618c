"""A person named at a house and nothing more joins the one person of that name known at that house.

A ledger row may give a person's name and house only (a phone or a sex at most, no ID number, no birth date): a
community activity's sign-up, a repair request. The Splink model sees the name and the house agree and nothing
else, which is too little to pass its threshold, so the row stays a person of its own beside the person it names.
After the model, such a bare person (every record of it bare) joins the person of the same name who has other
records at that house, when there is exactly one such person, none of whose records has another sex and whom no
reviewer decided is someone else. Two or more such persons, or another sex, send the pair to the review queue
instead: a wrong merge is worse than a split.
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow as pa

RULE = "name_at_house"
EVIDENCE = "name at house: the only person of that name with other records at the house"
MORE_THAN_ONE = "name at house, but more than one person of that name there"
OTHER_SEX = "name at house, but another sex"


def join_names_at_houses(
    features: pa.Table, roots: list[int], bare: list[bool], decisions: dict[frozenset[int], str]
) -> tuple[list[int], set[int], list[tuple]]:
    """Clusters (``roots``, the root record of each record) with every bare person joined to the one person of its
    name at its house; the records so joined, and review rows (record, other record, reason, weight, evidence).
    ``bare`` says which records give nothing but a name, a house, a phone or a sex."""
    names, houses, sexes = (features.column(c).to_pylist() for c in ("name", "house_id", "sex"))
    members: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(roots):
        members[r].append(i)
    bare_persons = [r for r, records in members.items() if all(bare[i] for i in records)]
    known: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)  # (name, house) -> person -> its first record
    for i, r in enumerate(roots):
        if names[i] and houses[i] and not all(bare[k] for k in members[r]):
            known[(names[i], houses[i])].setdefault(r, i)
    apart = {frozenset(roots[x] for x in pair) for pair, decision in decisions.items() if decision == "different"}
    joined: dict[int, int] = {}
    review = []
    for person in sorted(bare_persons):
        candidates: dict[int, tuple[int, int]] = {}  # a person of that name at the house -> (bare record, its record)
        for i in members[person]:
            for other, j in known.get((names[i], houses[i]), {}).items():
                candidates.setdefault(other, (i, j))
        if len(candidates) > 1:
            review.extend((i, j, MORE_THAN_ONE, None, RULE) for i, j in sorted(candidates.values()))
            continue
        if not candidates:
            continue
        ((other, (i, j)),) = candidates.items()
        if frozenset((person, other)) in apart:
            continue  # a reviewer said someone else
        own = {sexes[k] for k in members[person] if sexes[k]}
        if own and len(own | {sexes[k] for k in members[other] if sexes[k]}) > 1:
            review.append((i, j, OTHER_SEX, None, RULE))
            continue
        joined[person] = other
    records = {i for person in joined for i in members[person]}
    return [joined.get(r, r) for r in roots], records, review
