"""The sources the marts count events of, by the class their spec declares (``roles.events`` in
connectors/sources/*.yaml), as SQL parameters: no mart names a source."""

from __future__ import annotations

from connectors.spec import load_registry, sources_with

# over an event row: a patrol that found something (its category is not a patrol's "no finding", 无异常)
PATROL_FINDING = "list_contains($patrols::VARCHAR[], source) AND NOT list_contains($no_finding::VARCHAR[], category)"


def event_sources(*classes: str) -> dict[str, list[str]]:
    """``$<class>``: the sources of each named class of events (complaints, patrols, repairs ...); with
    patrols also ``$no_finding``, the categories the patrols record when they found nothing."""
    registry = load_registry()
    parameters = {event_class: sources_with(registry, events=event_class) for event_class in classes}
    if "patrols" in classes:
        parameters["no_finding"] = sorted({registry[s].roles.no_finding for s in parameters["patrols"]} - {None})
    return parameters
