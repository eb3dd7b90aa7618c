"""The district step: the job ``district_routing``, one op not partitioned by subdistrict, that reads the district's
new deliveries once and routes every row into one subdistrict's landing zone (warehouse/routing.py). The subdistricts'
own runs (the ``subdistrict`` job, one partition each) then land their slices; the op never opens a warehouse for
writing. ``housekey district route`` does the same from the command line.
"""

from dagster import Failure, JobDefinition, MetadataValue, OpExecutionContext, job, op

DISTRICT_JOB = "district_routing"


@op(
    description="Route the district landing zone's new files and the district-wide database sources' new rows to the "
    "subdistricts' landing zones: every row to one subdistrict, out of area or quarantine, counted in the ledger.",
)
def route_district_deliveries(context: OpExecutionContext) -> None:
    from warehouse.routing import route_district
    from warehouse.subdistricts import load_subdistricts

    report = route_district(load_subdistricts())
    if report is None:
        context.log.info("no district configured ($HOUSEKEY_SUBDISTRICTS has no `district:`): nothing to route")
        return
    for delivery in report.deliveries:
        (context.log.info if delivery.status == "routed" else context.log.error)(str(delivery))
    context.log.info(str(report))
    failed = [str(d) for d in report.deliveries if d.status != "routed"]
    if report.waiting or failed:
        raise Failure(
            description=report.waiting or f"{len(failed)} district deliveries not read",
            metadata={"not_routed": MetadataValue.md("\n".join(f"- {line}" for line in failed) or "-")},
        )


@job(name=DISTRICT_JOB, description="The district's own exports, read once and routed to its subdistricts.")
def district_routing_job() -> None:
    route_district_deliveries()


def district_jobs() -> list[JobDefinition]:
    """The district's jobs, for the definitions beside the ``subdistrict`` job."""
    return [district_routing_job]
