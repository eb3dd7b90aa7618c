"""The sample world's people: households in homes, owners and tenants, movers, and their life facts.

Every person has a valid ID number whose birth date and sex agree with the person; the tags a
department would know them by (low income, disability, veteran, ...) are drawn here as truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from data_samples.generator.geography import House
from data_samples.generator.identifiers import id_number, mobile

AS_OF = date(2026, 11, 1)  # the world's "today": exports describe the world as of this date

SURNAMES = (
    "张王陈李徐沈朱周顾陆吴黄杨刘赵孙胡金钱蒋郁严邵施倪钟姚汪俞曹高范马林郭何唐许袁"
    "潘丁叶秦宋程魏毛龚方卢戴谢任孔冯董薛韩夏邱石江尹殷"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰凤红梅琴云建国文斌辉晨晓燕婷"
    "颖佳嘉怡欣雯倩宇浩然俊杰志海鹏飞雪松林峰波宁慧珍萍琳丹荣新春淑贞德福根宝妹菊凤仙"
    "金龙德兴家乐子轩梓涵一诺思远若曦雨萱浩宇博文天佑承泽依依可馨"
)
# Divisions where people were first registered: mostly Shanghai's old inner districts (310103 is
# 卢湾区's pre-2011 code), plus migrants' home provinces.
DIVISIONS = (
    ("310101", 30),
    ("310103", 25),
    ("310104", 8),
    ("310106", 5),
    ("310108", 4),
    ("320102", 4),
    ("330102", 4),
    ("340104", 4),
    ("360102", 3),
    ("410102", 3),
    ("420102", 3),
    ("510104", 3),
    ("370102", 2),
    ("230102", 2),
)
LOCAL_PREFIX = "3101"


@dataclass(slots=True)
class Person:
    person_id: str
    name: str
    sex: str  # M | F
    birth: date
    id_number: str
    phone: str
    household_id: str | None = None
    relation: str = "户主"
    home: House | None = None  # where the person lives now
    registered: House | None = None  # 户籍 address in the subdistrict, if any
    moved_in: date | None = None
    previous_home: House | None = None  # lived there until moved_in
    owns: list[House] = field(default_factory=list)
    rents: House | None = None
    landlord: Person | None = None
    flags: set[str] = field(default_factory=set)
    moved_out: date | None = None  # left for another subdistrict of the district that day (home None)

    @property
    def age(self) -> int:
        return AS_OF.year - self.birth.year - ((AS_OF.month, AS_OF.day) < (self.birth.month, self.birth.day))

    @property
    def is_local(self) -> bool:
        return self.id_number.startswith(LOCAL_PREFIX)


class _People:
    def __init__(self, rng: random.Random, id_prefix: str, taken: frozenset[str]):
        self.rng, self.people, self.used_ids, self.id_prefix = rng, [], set(taken), id_prefix
        self.div_codes = [d for d, _ in DIVISIONS]
        self.div_weights = [w for _, w in DIVISIONS]

    def make(self, age: int, sex: str | None = None, surname: str | None = None, local: bool | None = None) -> Person:
        rng = self.rng
        sex = sex or rng.choice("MF")
        birth = AS_OF - timedelta(days=age * 365 + rng.randrange(365))
        division = rng.choices(self.div_codes, self.div_weights)[0]
        if local is True and not division.startswith(LOCAL_PREFIX):
            division = "310101"
        elif local is False and division.startswith(LOCAL_PREFIX):
            division = rng.choice(self.div_codes[5:])
        name = (surname or rng.choice(SURNAMES)) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        person = Person(
            f"P{self.id_prefix}{len(self.people) + 1:07d}",
            name,
            sex,
            birth,
            id_number(rng, division, birth, sex, self.used_ids),
            mobile(rng),
        )
        self.people.append(person)
        return person


# Household shapes: (weight, member ages as (min, max) ranges, relations)
_SHAPES = (
    (9, "elderly_alone"),
    (8, "elderly_couple"),
    (28, "family"),
    (14, "three_generations"),
    (16, "single"),
    (20, "couple"),
    (5, "group_rental"),
)


def _household(factory: _People, shape: str) -> list[Person]:
    rng, make = factory.rng, factory.make
    if shape == "elderly_alone":
        return [make(rng.randrange(70, 95), local=True)]
    if shape == "elderly_couple":
        head = make(rng.randrange(66, 90), "M", local=True)
        return [head, make(head.age - rng.randrange(0, 5), "F", local=True)]
    if shape == "single":
        return [make(rng.randrange(22, 60))]
    if shape == "group_rental":
        return [make(rng.randrange(19, 35), local=False) for _ in range(rng.randrange(5, 9))]
    head = make(rng.randrange(28, 55), "M")
    members = [head, make(max(22, head.age - rng.randrange(-3, 6)), "F")]
    if shape in ("family", "three_generations"):
        for _ in range(rng.choice((1, 1, 2))):
            members.append(
                make(rng.randrange(0, max(1, min(25, head.age - 20))), surname=head.name[0], local=head.is_local)
            )
    if shape == "three_generations":
        members.append(make(head.age + rng.randrange(24, 32), rng.choice("MF"), surname=head.name[0], local=True))
    return members


_RELATIONS = {0: "户主", 1: "配偶"}


def build_population(
    rng: random.Random, homes: list[House], people_wanted: int, id_prefix: str = "", taken: frozenset[str] = frozenset()
) -> list[Person]:
    """Fill homes with households until the population reaches people_wanted; no ID number is one of `taken`."""
    factory = _People(rng, id_prefix, taken)
    free = homes[:]
    rng.shuffle(free)
    weights = [w for w, _ in _SHAPES]
    shapes = [s for _, s in _SHAPES]
    households: list[tuple[str, House, list[Person]]] = []
    while len(factory.people) < people_wanted and free:
        house, shape = free.pop(), rng.choices(shapes, weights)[0]
        members = _household(factory, shape)
        household_id = f"HH{id_prefix}{len(households) + 1:06d}"
        for i, person in enumerate(members):
            person.household_id, person.home = household_id, house
            person.relation = _RELATIONS.get(i, "子女" if person.age < members[0].age - 15 else "父母")
            if shape == "group_rental":
                person.relation = "租客"
            if shape == "elderly_alone":
                person.flags.add("elderly_alone")
        households.append((shape, house, members))
    _tenure(rng, factory, households)
    _registration_and_moves(rng, households, free)
    _department_facts(rng, factory.people)
    return factory.people


def _tenure(rng: random.Random, factory: _People, households: list) -> None:
    """Owners live in their home or let it; tenants rent from an owner who may live elsewhere."""
    owners = []
    for shape, house, members in households:
        rented = shape == "group_rental" or (shape in ("single", "couple", "family") and rng.random() < 0.3)
        if rented:
            landlord = (
                rng.choice(owners) if owners and rng.random() < 0.3 else factory.make(rng.randrange(40, 75), local=True)
            )
            landlord.owns.append(house)
            for person in members:
                if person.age >= 18:
                    person.rents, person.landlord = house, landlord
                    person.flags.add("tenant")
        else:
            members[0].owns.append(house)
            owners.append(members[0])


def _days_ago(draw: int) -> int:
    """A move's age in days (1-699) from a draw in 30-699, recent moves likelier: about one mover in five moved
    within the last month, so the October 实有人口 snapshot still lists them at their previous home."""
    return 1 + round(698 * ((draw - 30) / 669) ** 2)


def _registration_and_moves(rng: random.Random, households: list, empty: list[House]) -> None:
    """Locals mostly hold 户籍 at home (some at another house: 人户分离); a few households moved in lately."""
    homes = [house for _, house, _ in households]
    for _shape, house, members in households:
        moved = bool(empty) and rng.random() < 0.05
        moved_in = AS_OF - timedelta(days=_days_ago(rng.randrange(30, 700))) if moved else None
        previous = empty.pop() if moved else None
        for person in members:
            if person.is_local:
                person.registered = house if rng.random() < 0.85 else rng.choice(homes)
            if moved:
                person.moved_in, person.previous_home = moved_in, previous
                person.flags.add("moved")


_FACTS = (  # (flag, probability, who)
    ("low_income", 0.025, lambda p: True),
    ("disabled", 0.02, lambda p: True),
    ("veteran", 0.06, lambda p: p.sex == "M" and p.age >= 35),
    ("unemployed", 0.06, lambda p: 18 <= p.age < 60),
    ("employed_registered", 0.25, lambda p: 18 <= p.age < 60),
    ("volunteer", 0.04, lambda p: p.age >= 16),
    ("talent", 0.01, lambda p: p.age >= 25),
    ("family_doctor", 0.35, lambda p: True),
    ("owners_committee", 0.004, lambda p: bool(p.owns) and p.home in p.owns),
    ("conscript", 0.6, lambda p: p.sex == "M" and 18 <= p.age <= 22),
    ("care_visited", 1.0, lambda p: "elderly_alone" in p.flags),
)


def _department_facts(rng: random.Random, people: list[Person]) -> None:
    for person in people:
        if person.home is None:
            continue  # absentee owners are known to the property registry only
        for flag, probability, applies in _FACTS:
            if applies(person) and rng.random() < probability:
                person.flags.add(flag)
