"""The city's Splink model: the subdistrict's person model (resolution/identity/person_model.py), comparing
only people of two different subdistricts.

Within a subdistrict the people are already resolved: two of its persons are two people unless its own
linking (or a reviewer) joins them there. So each of the model's blocking rules gets one more condition,
and the comparisons, their levels, m probabilities and term-frequency adjustments (name weighted by how
often the city writes it: two 张伟 born on one day are likelier two people than two 俞志然) stay the
subdistrict's, but one: the house. A house lies in one subdistrict, so two persons of two subdistricts never
share one, and a mover must have a new one: a different house is no evidence across subdistricts, and the
comparison and its blocking rule are left out (house ids minted apart could also meet by chance). Each
compared row is a person (``member``: subdistrict and person id), not a record.
"""

from __future__ import annotations

import copy
from typing import Any

from resolution.identity.person_model import BLOCKING_RULES, settings

UNIQUE_ID = "member"
ACROSS = "l.subdistrict <> r.subdistrict"
WITHIN_SUBDISTRICT = {"house": "house_id"}
"""Comparisons that only speak within one subdistrict (and the column each reads), left out of the city model."""


def city_settings(prior: float) -> dict[str, Any]:
    """The subdistrict model's settings for persons of different subdistricts."""
    subdistrict = settings(prior)
    return subdistrict | {
        "unique_id_column_name": UNIQUE_ID,
        "comparisons": [c for c in subdistrict["comparisons"] if c["output_column_name"] not in WITHIN_SUBDISTRICT],
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": f"({rule}) AND {ACROSS}"}
            for rule in BLOCKING_RULES
            if not any(column in rule for column in WITHIN_SUBDISTRICT.values())
        ],
    }


def city_prior(id_holder_pairs: int, id_number_pairs: int) -> float:
    """Probability two persons of two different subdistricts are one person, read off the persons who hold a
    checked ID number (the only ones who can show it): of their pairs across subdistricts, the share holding
    one number. Counting the persons without a number in the pairs would make movers look rarer than they are."""
    return max(id_number_pairs / max(id_holder_pairs, 1), 1e-7)


def with_u(settings: dict[str, Any], trained: dict[str, Any], compared: float) -> dict[str, Any]:
    """``settings`` with the u probabilities of ``trained`` (the same model, its u learnt from the random pairs of one
    subdistrict's persons) fixed; a level those ``compared`` pairs never showed gets 1 / ``compared``.

    Random pairs of the city's persons hold the movers: in a district where one person in ten moved, a pair of two
    subdistricts born on one day is as often one person as two, and u learnt there would say a birth date agreeing is
    weak evidence. Two persons of one subdistrict are two people (its own linking says so): their pairs are what u
    means, pairs of two people."""
    settings = copy.deepcopy(settings)  # the subdistrict model's levels are shared dicts
    for comparison, learnt in zip(settings["comparisons"], trained["comparisons"], strict=True):
        for level, taught in zip(comparison["comparison_levels"], learnt["comparison_levels"], strict=True):
            if not level.get("is_null_level") and not level.get("fix_u_probability"):
                level |= {"u_probability": taught.get("u_probability") or 1 / compared, "fix_u_probability": True}
    return settings
