"""Draft a source spec from a profile: map Chinese headers to canonical columns, guess the record kind.

Headers are matched against synonyms.yaml (exact word first, then the longest word the header
contains); a header that says nothing is mapped by the shape of its values. The draft is YAML in
the committed specs' layout, with a comment on every guess, for district IT to review.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from connectors.onboarding.profile import Profile
from schemas import RECORD_KINDS, record_kind_columns

SYNONYMS = Path(__file__).with_name("synonyms.yaml")
BY_SHAPE = {"id_number": "id_number", "phone": "phone", "credit_code": "credit_code", "address": "address"}
# Words that make a kind likely, beyond the columns it can hold.
KIND_HINTS = {
    "link": ("出租人", "承租人", "权利人", "不动产权", "合同"),
    "business": ("信用代码", "企业名称", "经营者", "店招", "法定代表人", "许可证"),
    "event": ("工单", "诉求", "报修", "巡查", "检查", "走访", "活动", "申请", "装修", "故障", "issue", "patrol"),
    "house": ("地址编码", "隐患", "房屋类型", "门牌号", "楼层"),
}


@cache
def synonyms() -> dict[str, list[str]]:
    return yaml.safe_load(SYNONYMS.read_text(encoding="utf-8"))


def canonical_for(header: str, kind: str, shape: str = "text") -> tuple[str | None, str]:
    """(canonical column, why) for one header in a record kind; None when nothing fits."""
    columns = record_kind_columns(kind)
    words = {column: ws for column, ws in synonyms().items() if column in columns}
    for column, ws in words.items():
        if header in ws:
            return column, f"header is a synonym of {column}"
    best = max(((len(w), column, w) for column, ws in words.items() for w in ws if w in header), default=None)
    if best:
        return best[1], f"header contains {best[2]!r}"
    by_shape = BY_SHAPE.get(shape)
    if by_shape in columns:
        return by_shape, f"values look like {shape}"
    if shape in ("date", "datetime"):
        for column in ("occurred_at", "valid_from", "noted_at"):
            if column in columns:
                return column, f"values look like {shape}"
    return None, "no synonym or value shape fits"


def guess_kind(profile: Profile) -> str:
    headers = [c.name for c in profile.columns]
    scores = {}
    for kind in RECORD_KINDS:
        mapped = sum(canonical_for(h, kind, c.shape)[0] is not None for h, c in zip(headers, profile.columns))
        hinted = sum(any(word in h for word in KIND_HINTS.get(kind, ())) for h in headers)
        scores[kind] = mapped + 2 * hinted
    return max(scores, key=lambda k: (scores[k], k == "person"))


def draft_spec(profile: Profile, name: str) -> tuple[dict, list[str]]:
    """(spec fields, comments): a spec load_spec accepts once written, and the reasons for each mapping."""
    kind = guess_kind(profile)
    columns, reasons = {}, []
    for column in profile.columns:
        target, why = canonical_for(column.name, kind, column.shape)
        if target is None:
            reasons.append(f"{column.name}: left unmapped ({why}; shape {column.shape})")
            continue
        mapped: dict = {"to": target}
        if target == "sex" and set(column.samples) <= {"男", "女"}:
            mapped["values"] = {"男": "M", "女": "F"}
        columns[column.name] = mapped
        reasons.append(f"{column.name} → {target}: {why}")
    key = next((c.name for c in profile.columns if c.name in columns and c.distinct == 1.0 and c.filled == 1.0
                and c.shape in ("id_number", "code", "integer", "credit_code")), None)
    spec: dict = {"name": name, "title": name, "owner": "待填写：主管部门", "level": "D", "format": profile.format,
                  "encoding": "detect", "files": f"*{profile.path.suffix}", "delivery": "snapshot",
                  "freshness_days": 35, "record_kind": kind, "record_key": [key] if key else []}
    if profile.format == "csv" and profile.delimiter not in (None, ","):
        spec["csv"] = {"delimiter": profile.delimiter}
    if profile.format == "excel":
        spec["excel"] = {"sheets": "all", "header_rows": profile.header_rows}
    if profile.format == "fixed_width":
        spec["fixed_width"] = {"fields": [{"name": c.name, "width": w} for c, w in zip(profile.columns, profile.widths)]}
    spec["columns"] = columns
    spec["tags"] = []
    return spec, reasons


def render(spec: dict, reasons: list[str], profile: Profile) -> str:
    """The draft as YAML, with the profile and every mapping decision as comments to review."""
    head = [f"# Draft drafted by `housekey source init` from {profile.path.name}: review every line before use.",
            f"# {profile.format}, encoding {profile.encoding or 'n/a'}, {profile.rows} rows"
            + (f", sheets {', '.join(profile.sheets)}" if profile.sheets else ""),
            *(f"# {reason}" for reason in reasons)]
    body = yaml.safe_dump(spec, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120)
    return "\n".join(head) + "\n" + body
