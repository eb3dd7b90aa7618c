"""The Splink model that scores two person records: what is compared, how pairs are blocked.

Declared, not coded: each comparison lists its levels from strongest to weakest agreement. Each level's m
probability (how often one person's two records show it) is set here from how ledgers are kept:
records linked by ID number are too clean to teach how a hotline operator writes a name. The u
probabilities are learnt from random pairs of the data itself, and exact names and surnames are
weighted by their frequency; nothing is downloaded.
"""

from __future__ import annotations

from typing import Any


def _level(
    label: str, sql: str, m: float | None = None, *, tf: str | None = None, u: float | None = None
) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if m is None:
        return level | {"is_null_level": True}
    level |= {"m_probability": m, "fix_m_probability": True}
    if tf:
        level |= {"tf_adjustment_column": tf, "tf_adjustment_weight": 1.0}
    if u is not None:  # random pairs almost never show a mask that fits: u from what the mask keeps
        level |= {"u_probability": u, "fix_u_probability": True}
    return level


def _comparison(name: str, *levels: dict[str, Any], otherwise: float) -> dict[str, Any]:
    return {"output_column_name": name, "comparison_levels": [*levels, _level("else", "ELSE", otherwise)]}


COMPARISONS = [
    _comparison(
        "name",
        _level("no name", "surname_l IS NULL OR surname_r IS NULL"),
        _level("same name", "name_l = name_r", 0.90, tf="name"),
        _level("one character apart", "surname_l = surname_r AND levenshtein(name_l, name_r) = 1", 0.02),
        _level("same sound", "name_sound_l = name_sound_r", 0.01),  # 章伟 for 张伟: typed by ear
        _level(
            "surname only written", "surname_l = surname_r AND (name_l IS NULL OR name_r IS NULL)", 0.06, tf="surname"
        ),
        _level("same surname", "surname_l = surname_r", 0.01),
        otherwise=0.01,
    ),
    _comparison(
        "birth_date",
        _level("no birth date", "birth_date_l IS NULL OR birth_date_r IS NULL"),
        _level("same day", "birth_date_l = birth_date_r", 0.93),
        _level("same month", "date_trunc('month', birth_date_l) = date_trunc('month', birth_date_r)", 0.05),
        _level("same year", "year(birth_date_l) = year(birth_date_r)", 0.01),
        otherwise=0.01,
    ),
    _comparison(
        "sex",
        _level("no sex", "sex_l IS NULL OR sex_r IS NULL"),
        _level("same sex", "sex_l = sex_r", 0.99),
        otherwise=0.01,
    ),
    _comparison(  # a care ledger's phone is often the next of kin's: a different phone is weak evidence
        "phone",
        _level("no phone", "phone_tail_l IS NULL OR phone_tail_r IS NULL"),
        _level("same phone", "phone_l = phone_r", 0.85),
        _level(
            "masked phone fits",
            "(phone_l IS NULL OR phone_r IS NULL) AND phone_head_l = phone_head_r AND phone_tail_l = phone_tail_r",
            0.03,
            u=3e-7,
        ),
        otherwise=0.12,
    ),
    _comparison(  # owners live elsewhere and callers complain about other houses
        "house",
        _level("no house", "house_id_l IS NULL OR house_id_r IS NULL"),
        _level("same house", "house_id_l = house_id_r", 0.75),
        otherwise=0.25,
    ),
    _comparison(
        "id_number",
        _level("no ID number", "id_tail_l IS NULL OR id_tail_r IS NULL"),
        _level("same ID number", "id18_l = id18_r", 0.97),
        _level(
            "masked ID number fits",
            "(id18_l IS NULL OR id18_r IS NULL) AND id_tail_l = id_tail_r "
            "AND id_division_l IS NOT DISTINCT FROM id_division_r",
            0.03,
            u=1e-6,
        ),
        otherwise=0.0001,
    ),
]

# Each rule pairs records that share a cheap key; together they keep comparisons near-linear.
BLOCKING_RULES = [
    "l.name = r.name",
    "l.name_sound = r.name_sound AND l.birth_date = r.birth_date",
    "l.phone = r.phone",
    "l.surname = r.surname AND l.phone_tail = r.phone_tail",
    "l.surname = r.surname AND l.birth_date = r.birth_date",
    "l.surname = r.surname AND l.house_id = r.house_id",
    "l.surname = r.surname AND l.id_tail = r.id_tail",
]
ANOTHER_ID_NUMBER = "coalesce(l.id18 <> r.id18, true)"
"""Two records of one checked ID number are one person before the model (``people.cluster`` joins them first, and
their pair changes nothing there): each rule leaves them unscored, most of the pairs it would find."""


def settings(prior: float) -> dict[str, Any]:
    """The model's settings for a prior probability that two random records are one person."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "record_id",
        "probability_two_random_records_match": prior,
        "comparisons": COMPARISONS,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": f"({rule}) AND {ANOTHER_ID_NUMBER}"} for rule in BLOCKING_RULES
        ],
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": False,
    }
