"""实有人口 (public security, M): CSV in GBK, one full snapshot a month.

The October snapshot calls the phone column 联系电话; November renamed it 手机号码 (schema drift).
Movers appear at their previous home in October and at their new home in November; so do people who left for
another subdistrict in October (there, they appear only in November).
"""

from datetime import date

from data_samples.generator.english import english_address, writable
from data_samples.generator.formats import Table

HEADER = ["序号", "姓名", "性别", "公民身份号码", "出生日期", "居住地址", "居住事由", "登记日期", "{phone}"]
ENGLISH_SHARE = 0.03  # of tenants in flats: foreigners whose residence form copies the English lease
_REASONS = {"tenant": "租赁", "moved": "购房", "default": "家庭居住"}


def export(world, deliveries):
    noise = deliveries.noise
    for month, phone_header in (("202610", "联系电话"), ("202611", "手机号码")):
        rows, truth = [], []
        for person in world.residents + (_left_in_october(world) if month == "202610" else []):
            # the October snapshot (as of October 1) still lists a later mover at the old address, registered there long ago
            before_move = month == "202610" and person.moved_in and person.moved_in.strftime("%Y%m") >= "202610"
            if before_move and person.previous_home is None:
                continue  # came from another subdistrict in October: that subdistrict's snapshot lists them
            home = person.previous_home if before_move or person.home is None else person.home
            reason = next((r for flag, r in _REASONS.items() if flag in person.flags), _REASONS["default"])
            settled = date(max(person.birth.year, 2005), person.birth.month, min(person.birth.day, 28))
            registered_on = person.moved_in if person.moved_in and not before_move else settled
            rows.append(
                [
                    len(rows) + 1,
                    noise.name(person.name),
                    "男" if person.sex == "M" else "女",
                    noise.id_number(person.id_number),
                    person.birth.strftime("%Y%m%d"),
                    _address(noise, deliveries.rng, home, person),
                    reason,
                    registered_on.strftime("%Y-%m-%d"),
                    noise.phone(person.phone),
                ]
            )
            facts = {"sex": person.sex, "birth_date": person.birth, "status": reason, "valid_from": registered_on}
            truth.append({"facts": facts, "house_id": home.house_id, "person_id": person.person_id})
            if noise.hit(noise.rates.duplicate_row):  # the same person keyed in twice
                rows.append([len(rows) + 1, *rows[-1][1:]])
                truth.append(truth[-1])
        header = [h.format(phone=phone_header) for h in HEADER]
        deliveries.csv(f"实有人口_{month}.csv", Table(header, rows, truth), encoding="gbk")


def _left_in_october(world) -> list:
    """People who left for another subdistrict after October 1: the October snapshot still lists them here."""
    return [p for p in world.people if p.moved_out and p.moved_out.strftime("%Y%m") >= "202610"]


def _address(noise, rng, home, person) -> str:
    """The home as registered; a foreign tenant's residence form gives the flat as their lease writes it."""
    if "tenant" in person.flags and writable(home) and rng.random() < ENGLISH_SHARE:
        return english_address(rng, home)
    return noise.address(home)
