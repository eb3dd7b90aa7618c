"""房屋租赁登记 (区房管局, D): one xlsx workbook, one sheet per registration month (2025年11月 .. 2026年10月),
the contracts registered in the last twelve months.

One row per adult tenant, so a group rental (群租) shows 5-8 tenants under one contract at one
address. IDs went through Excel: a few are 3.10101E+17 number cells; some contracts are keyed twice.
"""

from datetime import date, timedelta

from data_samples.generator.english import english_address, writable
from data_samples.generator.formats import Table
from data_samples.generator.outside import OutsideWorld, Place, outside_rows
from data_samples.generator.population import AS_OF

ENGLISH_SHARE = 0.06  # contracts drawn up by agencies for foreign tenants

HEADER = [
    "合同编号",
    "房屋地址",
    "出租人姓名",
    "出租人身份证号",
    "承租人姓名",
    "承租人身份证号",
    "承租人电话",
    "租赁面积",
    "月租金",
    "起租日期",
    "到期日期",
]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng

    def id_cell(number):  # Excel stored some IDs as numbers: the digits are gone
        value = noise.id_number(number, excel=True)
        return float(value) if value.endswith("E+17") else value

    contracts = {}
    for person in world.people:
        if person.rents is not None:
            contracts.setdefault(person.rents.house_id, []).append(person)
    # registered within the last year; numbered 黄租备<year><seq> in registration order
    dated = []
    for tenants in contracts.values():
        registered = _during_stay(AS_OF - timedelta(days=rng.randrange(1, 366)), tenants[0])
        if registered is not None:  # the lease of someone who left before the year began is in no sheet
            dated.append((registered, tenants))
    dated.sort(key=lambda d: (d[0], d[1][0].person_id))
    dated = _with_outside(dated, OutsideWorld(rng, world, district_first=True), rng)
    months, seq = {}, {}
    for registered, tenants in dated:
        house, landlord = tenants[0].rents, tenants[0].landlord
        start = registered - timedelta(days=rng.randrange(0, 25))
        end = start + timedelta(days=365 * rng.choice((1, 1, 2)) - 1)
        seq[registered.year] = seq.get(registered.year, 0) + 1
        number = f"黄租备{registered.year}{seq[registered.year]:06d}"
        rows, truth = months.setdefault((registered.year, registered.month), ([], []))
        if isinstance(house, Place):  # a contract elsewhere in the district: no house, no one of the world
            area = round(rng.uniform(12, 90), 1)
            for tenant in tenants:
                rows.append(
                    [
                        number,
                        house.address,
                        noise.name(landlord.name),
                        id_cell(landlord.id_number),
                        noise.name(tenant.name),
                        id_cell(tenant.id_number),
                        noise.phone(tenant.phone),
                        area,
                        round(area * rng.uniform(90, 160), -2),
                        start,
                        end,
                    ]
                )
                facts = {**house.facts, "area_m2": area, "valid_from": start, "valid_to": end}
                truth.append({"facts": facts, "names": "out_of_area"})
            continue
        rent = round(house.area_m2 * rng.uniform(90, 160) * (1.4 if len(tenants) >= 5 else 1), -2)
        # an agency's contract for a foreign tenant gives the flat in English or pinyin
        english = writable(house) and rng.random() < ENGLISH_SHARE
        address = english_address(rng, house) if english else noise.address(house)
        for tenant in tenants:
            rows.append(
                [
                    number,
                    address,
                    noise.name(landlord.name),
                    id_cell(landlord.id_number),
                    noise.name(tenant.name),
                    id_cell(tenant.id_number),
                    noise.phone(tenant.phone),
                    house.area_m2,
                    rent,
                    start,
                    end,
                ]
            )
            facts = {
                "area_m2": house.area_m2,
                "valid_from": start,
                "valid_to": end,
                "counterpart_person_id": landlord.person_id,
            }
            truth.append({"facts": facts, "house_id": house.house_id, "person_id": tenant.person_id})
            if noise.hit(noise.rates.duplicate_row):  # the clerk saved the same tenant twice
                rows.append(list(rows[-1]))
                truth.append(truth[-1])
    tables = [
        Table(HEADER, rows, truth, sheet=f"{year}年{month}月")
        for (year, month), (rows, truth) in sorted(months.items())
    ]
    deliveries.xlsx(f"房屋租赁登记_{world.subdistrict.name}_2026.xlsx", tables)


def _during_stay(day: date, tenant) -> date | None:
    """The registration day moved into the tenant's stay in the subdistrict within the last year, if they moved
    between subdistricts: before they left (moved_out) or after they came (flag arrived); None if they left
    before the year began; any other tenant's day as drawn."""
    if tenant.moved_out is not None:
        start, end = AS_OF - timedelta(days=365), tenant.moved_out
    elif "arrived" in tenant.flags:
        start, end = tenant.moved_in, AS_OF
    else:
        return day
    if end <= start:
        return None
    return start + timedelta(days=(day - start).days % (end - start).days)


def _with_outside(dated: list, outside: OutsideWorld, rng) -> list:
    """The contracts of the subdistrict and, among them by date, contracts elsewhere in the district:
    (registered, [tenant, ...]) where an outside tenant's `rents` is a Place and `landlord` an outsider."""
    rows = sum(len(tenants) for _, tenants in dated)
    extra, made = [], 0
    while made < outside_rows(rows):
        place, landlord = outside.place(), outside.person()
        tenants = [_Tenant(outside.person(), place, landlord) for _ in range(rng.choice((1, 1, 1, 2, 3)))]
        extra.append((AS_OF - timedelta(days=rng.randrange(1, 366)), tenants))
        made += len(tenants)
    return sorted(dated + extra, key=lambda d: (d[0], d[1][0].id_number))


class _Tenant:
    """An outside tenant as the contract loop reads one: who, the place rented, the landlord."""

    def __init__(self, who, rents: Place, landlord):
        self.name, self.id_number, self.phone = who.name, who.id_number, who.phone
        self.rents, self.landlord = rents, landlord
