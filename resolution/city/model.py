"""The city's Splink model: the subdistrict's person model (resolution/identity/person_model.py), imported
whole, comparing only people of two different subdistricts.

Within a subdistrict the people are already resolved: two of its persons are two people unless its own
linking (or a reviewer) joins them there. So each of the model's blocking rules gets one more condition,
and the comparisons, their levels, m probabilities and term-frequency adjustments stay the subdistrict's.
Each compared row is a person (``member``: subdistrict and person id), not a record.
"""

from __future__ import annotations

from typing import Any

from resolution.identity.person_model import BLOCKING_RULES, settings

UNIQUE_ID = "member"
ACROSS = "l.subdistrict <> r.subdistrict"


def city_settings(prior: float) -> dict[str, Any]:
    """The subdistrict model's settings for persons of different subdistricts."""
    return settings(prior) | {
        "unique_id_column_name": UNIQUE_ID,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": f"({rule}) AND {ACROSS}"} for rule in BLOCKING_RULES
        ],
    }


def city_prior(people: int, id_number_pairs: int) -> float:
    """Probability two random persons of the city are one person, read off the pairs of persons (of two
    subdistricts) holding one ID number, as the subdistrict model reads its prior off its records."""
    return max(id_number_pairs / max(people * (people - 1) // 2, 1), 1e-7)
