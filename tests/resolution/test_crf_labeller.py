"""The learned labeller: trained on a few hand-written addresses in the corpus format, it labels a new one of the same shape."""

import re

import pytest

from benchmarks.address_parsing import read_addresses
from resolution.address.crf_labeller import CrfLabeller, train
from resolution.address.gazetteer import Gazetteer

# Written by hand in the corpus's conventions: a repeated city and district is redundant the second time
# (the rule parser calls the first one redundant), 电联 is redundant, 47-6-746 is building-unit-room.
TRAINING = """
宁波市/city 慈溪市/district 宁波市/redundant 慈溪市/redundant 浒山街道/town 金山新村/poi 8幢/houseno 502/roomno
杭州市/city 西湖区/district 杭州市/redundant 西湖区/redundant 文三路/road 90号/roadno 301室/roomno
温州市/city 鹿城区/district 温州市/redundant 鹿城区/redundant 五马街道/town 信河街/road 12号/roadno
绍兴市/city 越城区/district 绍兴市/redundant 越城区/redundant 解放北路/road 88号/roadno 电联/redundant
金华市/city 婺城区/district 金华市/redundant 婺城区/redundant 八一南街/road 350号/roadno 5楼/floorno
杭州市/city 上城区/district 望江家园/poi 12/houseno -/redundant 3/cellno -/redundant 601/roomno
杭州市/city 西湖区/district 缤纷北苑/poi 47/houseno -/redundant 6/cellno -/redundant 746/roomno
宁波市/city 海曙区/district 月湖花园/poi 5/houseno -/redundant 2/cellno -/redundant 302/roomno 电联/redundant
上海市/city 黄浦区/district 长乐路/road 372弄/roadno 5号/subroadno 402室/roomno
上海市/city 黄浦区/district 进贤路/road 120弄/roadno 3号/subroadno 201室/roomno
上海市/city 徐汇区/district 建国西路/road 88弄/roadno 7号/subroadno 102室/roomno 电联/redundant
湖州市/city 吴兴区/district 湖州市/redundant 吴兴区/redundant 爱山街道/town 红旗路/road 66号/roadno
台州市/city 椒江区/district 台州市/redundant 椒江区/redundant 白云街道/town 中山西路/road 210号/roadno 3楼/floorno
嘉兴市/city 南湖区/district 嘉兴市/redundant 南湖区/redundant 禾兴南路/road 9号/roadno 电联/redundant
杭州市/city 拱墅区/district 和睦新村/poi 21/houseno -/redundant 1/cellno -/redundant 405/roomno
"""
HELD_OUT = [
    "丽水市/city 莲都区/district 丽水市/redundant 莲都区/redundant 紫金街道/town 人民街/road 77号/roadno 电联/redundant",
    "杭州市/city 滨江区/district 东信家园/poi 33/houseno -/redundant 2/cellno -/redundant 1102/roomno",
    "上海市/city 黄浦区/district 长乐路/road 90弄/roadno 11号/subroadno 305室/roomno",
]
CITIES = ["宁波市", "杭州市", "温州市", "绍兴市", "金华市", "湖州市", "台州市", "嘉兴市", "丽水市"]


def corpus_lines(address: str) -> list[str]:
    """One address written as ``text/label`` elements, in the corpus format: a token per line, BIO tags."""
    lines = []
    for element in address.split():
        text, label = element.rsplit("/", 1)
        tokens = re.findall(r"\d+|[A-Za-z]+|.", text)
        lines += [f"{token} {'B' if n == 0 else 'I'}-{label}" for n, token in enumerate(tokens)]
    return [*lines, ""]


@pytest.fixture(scope="module")
def gazetteer():
    known = Gazetteer.shanghai(["长乐路", "进贤路", "建国西路"])
    known.add("city", CITIES)
    return known


@pytest.fixture(scope="module")
def labeller(tmp_path_factory, gazetteer):
    sentences = read_addresses([line for address in TRAINING.strip().splitlines() for line in corpus_lines(address)])
    assert len(sentences) == 15
    model = tmp_path_factory.mktemp("crf") / "tiny.crfsuite"
    train(sentences, gazetteer, model)
    return CrfLabeller(model, gazetteer)


@pytest.mark.parametrize("address", HELD_OUT, ids=["repeated-city-and-district", "building-unit-room", "shanghai-lane"])
def test_labels_a_new_address_as_the_corpus_would(labeller, address):
    [(text, gold)] = read_addresses(corpus_lines(address))
    assert sorted(labeller.label(text)) == sorted(gold)


def test_labels_nothing_in_an_empty_address(labeller):
    assert labeller.label("") == []
