"""Properties of address normalisation over generated text: it never raises, is idempotent, keeps
offsets inside the input, and never changes the value of a number."""

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from resolution.address.normalize import normalize, normalize_with_offsets

_PIECES = list(
    "长乐路瑞金二弄号楼幢栋座单元层室房户支锦江公寓卢湾区闸北上海市黄浦近茂名南对面旁附近后门沿街"
    "0123456789０１２３４５６７８９-/ （）()長樂號"
) + ["三百七十二", "十五", "二〇二六", "四", "十"]
address_like = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)
_CHINESE_NUMERAL = re.compile("[〇零一二两三四五六七八九十百千]")


@settings(max_examples=500)
@given(st.text(max_size=60))
def test_never_raises_on_any_text(text):
    norm = normalize_with_offsets(text)
    assert isinstance(norm.text, str)


@settings(max_examples=1000)
@given(address_like)
@example("附三百七十二号")  # a door form written in words reads 附372号 only once its numerals are digits
def test_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=1000)
@given(st.one_of(address_like, st.text(max_size=40)))
def test_offsets_stay_inside_the_input_and_in_order(text):
    norm = normalize_with_offsets(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    assert all(0 <= a <= b <= len(text) for a, b in zip(norm.starts, norm.ends, strict=False))
    assert norm.starts == sorted(norm.starts)


@settings(max_examples=1000)
@given(address_like.filter(lambda t: not _CHINESE_NUMERAL.search(t)))
def test_numbers_keep_their_values(text):
    # Without Chinese numerals, the digit runs out are the digit runs in: never merged, split or changed.
    half_width = "".join(unicodedata.normalize("NFKC", c) if "０" <= c <= "９" else c for c in text)
    assert re.findall(r"\d+", normalize(text)) == re.findall(r"\d+", half_width)


@settings(max_examples=500, deadline=None)  # four normalisations an example: slow on a loaded machine
@given(st.integers(1, 9999), st.integers(1, 99), st.integers(101, 1899), st.booleans())
def test_written_forms_of_one_lane_address_agree(lane, building, room, chinese):
    from data_samples.generator.noise import _chinese_number

    def number(n):
        return _chinese_number(n) if chinese else str(n)

    canonical = f"长乐路{lane}弄{building}号{room}室"
    for written in (
        f"长乐路{number(lane)}弄{number(building)}号{room}室",
        f"长乐路{number(lane)}弄{number(building)}-{room}",
        f"长乐路{number(lane)}弄{number(building)}号{room}",
        f"長樂路{number(lane)}弄{number(building)}號{room}房",
    ):
        assert normalize(written) == canonical, written


def test_an_annex_after_a_number_never_joins_two_numbers():
    # found by test_numbers_keep_their_values: 12附3号 became 123附号, another house's number
    assert normalize("瑞金二路12附3号") == "瑞金二路12附3号"
    assert normalize("瑞金二路附51号") == "瑞金二路51附号"
