"""The city's person ids read back into the subdistrict (group ``identity``): ``core/city_person_ids``, each person
of ``core.people`` with the city person id the last ``housekey city link`` gave it (resolution/city/), so the person
profiles, their tags and the analyst copy name one person across subdistricts.

Read from this subdistrict's partition of the city identity zone, never written there: the city link runs beside
the subdistricts' runs and each run picks up what it last wrote. A person new since that link has no city id yet.
"""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition
from dagster_duckdb import DuckDBResource

from pipelines.people import IDENTITY, PEOPLE
from pipelines.tables import table_assets

CITY_PERSON_IDS = AssetKey(["core", "city_person_ids"])


def city_assets(people: list[AssetsDefinition]) -> list[AssetsDefinition]:
    """``core/city_person_ids`` after ``core/people``; none when the registry has no people (``people`` empty)."""
    if not people:
        return []

    @table_assets(
        [CITY_PERSON_IDS],
        [PEOPLE],
        "Each person of core.people with the city person id (CPN…) that links them across subdistricts, as the "
        "last city link (housekey city link) gave it; a person new since then has none yet.",
        IDENTITY,
    )
    def city_person_ids(context: AssetExecutionContext, warehouse: DuckDBResource) -> dict[str, int]:
        from resolution.city.link import city_ids_of
        from resolution.city.records import city_identity_root
        from warehouse.subdistricts import DEFAULT_CODE

        code = getattr(warehouse, "subdistrict", "") or DEFAULT_CODE  # unpartitioned: the one default subdistrict
        root = city_identity_root()
        ids = city_ids_of(root, code)
        with warehouse.get_connection() as con:
            con.execute(
                """
                CREATE OR REPLACE TABLE core.city_person_ids AS
                SELECT p.person_id, l.city_person_id FROM core.people p
                JOIN (SELECT unnest($person_ids::VARCHAR[]) AS person_id, unnest($city_person_ids::VARCHAR[]) AS city_person_id) l
                USING (person_id) ORDER BY p.person_id""",
                {"person_ids": list(ids), "city_person_ids": list(ids.values())},
            )
            people, found = con.execute(
                "SELECT (SELECT count(*) FROM core.people), (SELECT count(*) FROM core.city_person_ids)"
            ).fetchone()
        context.log.info(f"{found} of {people} people have a city person id ({root}, subdistrict {code})")
        return {"people_without_city_id": people - found}

    return [city_person_ids]
