"""居民通讯录 (居委会, S): one xlsx workbook, one sheet per committee, ordered by door as the book is kept.

Every household's head and about half the other adults; the 身份证号 column is hidden (column F),
and typed into Excel (a few are 3.10101E+17). Phones typed as numbers are number cells; the door is
written without city or district. The committee notes its 楼组长 (building leaders) in 备注.
"""

from data_samples.generator.formats import Table

HEADER = ["序号", "门牌", "姓名", "与户主关系", "联系电话", "身份证号", "备注"]


def export(world, deliveries):
    noise, rng = deliveries.noise, deliveries.rng

    def id_cell(number):  # Excel stored some IDs as numbers: the digits are gone
        value = noise.id_number(number, excel=True)
        return float(value) if value.endswith("E+17") else value

    def phone_cell(phone):
        value = noise.phone(phone)
        return int(value) if value.isdigit() and len(value) == 11 and noise.hit(0.3) else value

    listed = [p for p in world.residents if p.age >= 18 and (p.relation in ("户主", "租客") or rng.random() < 0.5)]
    listed.sort(key=lambda p: (p.home.committee.name, p.home.house_id))
    leaders, sheets = set(), {}
    for person in listed:
        note = "独居" if "elderly_alone" in person.flags else ("租户" if person.rents else None)
        if person.home.site not in leaders and rng.random() < 0.4:  # one 楼组长 for some buildings
            leaders.add(person.home.site)
            note = "楼组长"
        rows, truth = sheets.setdefault(person.home.committee.name, ([], []))
        rows.append(
            [
                len(rows) + 1,
                noise.address(person.home, prefix=False),
                noise.name(person.name),
                person.relation,
                phone_cell(person.phone),
                id_cell(person.id_number),
                note,
            ]
        )
        facts = {"note": note}
        truth.append({"facts": facts, "house_id": person.home.house_id, "person_id": person.person_id})
        if noise.hit(noise.rates.duplicate_row):  # copied in twice when the book was merged
            rows.append([len(rows) + 1, *rows[-1][1:]])
            truth.append(truth[-1])
    tables = [
        Table(HEADER, rows, truth, sheet=name, hidden_columns=[5]) for name, (rows, truth) in sorted(sheets.items())
    ]
    deliveries.xlsx(f"居民通讯录_{world.subdistrict.name}_2026.xlsx", tables)
