"""Business names as people write them: the legal name on the licence, the sign over the door.

"上海蓝山餐饮管理有限公司" and "蓝山咖啡(长乐路店)" are one café: a comparison must see past the
legal-name boilerplate (region, industry, legal form) and the branch suffix, and compare what is
left, the brand ("蓝山"). ``brand`` gives that core, ``branch`` the branch's road, ``names_agree``
the score used in linking and in finding shops named in free text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Longest first, so 餐饮管理 goes before 餐饮; a term is stripped only where the rest keeps a brand.
_REGIONS = (
    "上海市",
    "上海",
    "黄浦区",
    "卢湾区",
    "静安区",
    "徐汇区",
    "长宁区",
    "普陀区",
    "虹口区",
    "杨浦区",
    "浦东新区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "松江区",
    "青浦区",
    "奉贤区",
    "金山区",
    "崇明区",
)
_LEGAL_FORMS = ("有限责任公司", "股份有限公司", "有限公司", "分公司", "个体工商户", "个人独资企业", "合伙企业", "公司")
_INDUSTRIES = (
    "餐饮管理",
    "餐饮服务",
    "餐饮",
    "食品",
    "商贸",
    "贸易",
    "美容美发",
    "美发",
    "洗涤服务",
    "园艺",
    "服饰",
    "房地产经纪",
    "文化传播",
    "电子科技",
    "科技",
    "信息技术",
    "咨询",
    "实业",
    "企业管理",
)
# What a sign says the shop is; kept apart from the brand so 蓝山咖啡 and 蓝山餐厅 share a brand.
SIGN_WORDS = (
    "便利店",
    "工作室",
    "咖啡",
    "酒吧",
    "面馆",
    "餐厅",
    "小吃",
    "烘焙",
    "茶饮",
    "美发",
    "洗衣",
    "花艺",
    "服饰",
    "房产",
    "超市",
    "饭店",
    "酒家",
    "火锅",
    "烧烤",
    "书店",
    "药房",
    "水果",
    "面包",
)
_BRANCH = re.compile(r"[(]([^()]*?)(?:分)?店[)]$")
_FORM_SUFFIX = re.compile(r"[(](?:普通合伙|有限合伙|个体工商户)[)]$")


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # heavy dictionary load: only when names are compared

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """Full-width to half-width, traditional to simplified, no spaces: 思南服饰（復興中路店） -> 思南服饰(复兴中路店)."""
    text = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", "", _t2s().convert(text))


def branch(name: str) -> str | None:
    """The branch a sign names, as its road or place: 蓝山咖啡(长乐路店) -> 长乐路; None without one."""
    m = _BRANCH.search(normalize_name(name))
    return m.group(1) if m else None


def _strip(text: str, terms: tuple[str, ...], *, prefix: bool) -> str:
    for term in terms:
        if prefix and text.startswith(term) and len(text) > len(term) + 1:
            return text[len(term) :]
        if not prefix and text.endswith(term) and len(text) > len(term) + 1:
            return text[: -len(term)]
    return text


@lru_cache(maxsize=65536)
def brand(name: str) -> str:
    """The distinctive core of a legal or sign name: 上海蓝山餐饮管理有限公司 -> 蓝山, 蓝山咖啡(长乐路店) -> 蓝山,
    黄浦区金军建小吃店 -> 金军建 (an individual business's legal name is district + owner + trade + 店)."""
    text = _FORM_SUFFIX.sub("", _BRANCH.sub("", normalize_name(name)))
    text = _strip(text, _REGIONS, prefix=True)
    text = _strip(text, _REGIONS, prefix=True)  # 上海市黄浦区...
    text = _strip(text, _LEGAL_FORMS, prefix=False)
    text = _strip(text, _INDUSTRIES, prefix=False)
    if text.endswith("店") and len(text) > 2 and not text.endswith("便利店"):
        text = text[:-1]  # 个体工商户: 金军建小吃店
    return _strip(text, SIGN_WORDS, prefix=False)


def sign_word(name: str) -> str | None:
    """What the sign says the shop is (咖啡, 面馆, ...), or None."""
    text = _BRANCH.sub("", normalize_name(name))
    return next((w for w in SIGN_WORDS if text.endswith((w, w + "店"))), None)


def names_agree(a: str, b: str) -> float:
    """How far two business names (legal or sign, any mix) name the same business, 0 to 1: 1 for the
    same brand, a fuzzy score otherwise (a typo in a brand), 0 when the branches differ."""
    from rapidfuzz.distance import JaroWinkler

    branch_a, branch_b = branch(a), branch(b)
    if branch_a and branch_b and branch_a != branch_b:
        return 0.0
    brand_a, brand_b = brand(a), brand(b)
    if brand_a == brand_b:
        return 1.0
    if brand_a.startswith(brand_b) or brand_b.startswith(brand_a):
        return 0.9  # a brand with its trade word left on (小杨餐饮 against 小杨)
    return JaroWinkler.normalized_similarity(brand_a, brand_b)
