"""Business linking and work-order attribution on a sample world, against the generator's truth.

    .venv/bin/python -m benchmarks.business_linking                       # the committed sample
    .venv/bin/python -m benchmarks.business_linking --warehouse var/warehouse/housekey.duckdb

Business linking: pairwise precision, recall and F1 and B-cubed figures over every record in
``core.business_records`` (truth: records.csv business_id; a record truth gives no business is its
own). Attribution: of the events whose truth names a house (a business), the share attributed to
it, for 12345 work orders and for all events (house also over the events whose written address
names the house, not only its building: waste checks name a compound); and the share of events truth gives no business that
were attributed one anyway. Without ``--warehouse`` the sample is landed and staged in a temporary
warehouse first; the timing covers business linking, attribution and links.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import duckdb

from connectors.spec import load_registry, sources_with
from data_samples.generator.generate import SAMPLES
from warehouse import catalogue


def load_truth(con: duckdb.DuckDBPyConnection, samples: Path) -> None:
    """``_truth``: every staged row's true house, business and event, keyed like the warehouse's records
    (file rows by file, sheet and row; database rows by their record key)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _truth_csv AS SELECT * FROM read_csv('{samples / 'truth' / 'records.csv'}', all_varchar=true)"
    )
    registry = load_registry()
    present = set(catalogue.tables(con, "staging"))
    parts = []
    for name, spec in registry.items():
        if name not in present:
            continue
        if spec.is_database:
            key = spec.columns[spec.record_key[0]].to
            on = f"t.record_key = s.{key}::VARCHAR"
        else:
            on = "coalesce(t.sheet, '') = coalesce(s._sheet, '') AND t.row_number = s._row_number::VARCHAR"
        parts.append(f"""SELECT s._source, s._delivery_id, s._row_number, s._sheet, t.house_id, t.business_id, t.event_id, t.names
                         FROM staging."{name}" s JOIN _truth_csv t ON t.source = s._source AND t.file = s._file_name AND {on}""")
    con.execute("CREATE OR REPLACE TEMP TABLE _truth AS " + " UNION ALL ".join(parts))


def _join(table: str, alias: str = "r") -> str:
    a = alias
    return (
        f"{table} {a} JOIN _truth t ON t._source = {a}._source AND t._delivery_id = {a}._delivery_id "
        f"AND t._row_number = {a}._row_number AND t._sheet IS NOT DISTINCT FROM {a}._sheet"
    )


def business_figures(con: duckdb.DuckDBPyConnection) -> dict:
    """Pairwise and B-cubed precision/recall of core.business_records against truth."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _scored AS
                    SELECT r.business_id AS predicted, coalesce(t.business_id, 'none:' || r._source || r._row_number) AS actual
                    FROM {_join("core.business_records")}""")
    pairs = lambda by: (
        f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (SELECT count(*) AS n FROM _scored GROUP BY {by})"
    )
    both, predicted, actual = (
        con.execute(pairs(by)).fetchone()[0] for by in ("predicted, actual", "predicted", "actual")
    )
    bcubed_p, bcubed_r = con.execute("""
        WITH cells AS (SELECT predicted, actual, count(*) AS n FROM _scored GROUP BY ALL),
             p AS (SELECT predicted, count(*) AS n FROM _scored GROUP BY 1),
             a AS (SELECT actual, count(*) AS n FROM _scored GROUP BY 1)
        SELECT sum(c.n * c.n / p.n) / sum(c.n), sum(c.n * c.n / a.n) / sum(c.n)
        FROM cells c JOIN p USING (predicted) JOIN a USING (actual)""").fetchone()
    records, businesses, true_businesses = con.execute(
        "SELECT count(*), count(DISTINCT predicted), count(DISTINCT actual) FROM _scored"
    ).fetchone()
    precision, recall = both / max(predicted, 1), both / max(actual, 1)
    return {
        "records": records,
        "businesses": businesses,
        "true_businesses": true_businesses,
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "pairwise_f1": round(2 * precision * recall / max(precision + recall, 1e-9), 4),
        "bcubed_precision": round(bcubed_p, 4),
        "bcubed_recall": round(bcubed_r, 4),
    }


def attribution_figures(con: duckdb.DuckDBPyConnection, sources: list[str] | None = None) -> dict:
    """House and business attribution accuracy of core.event_attributions, of the events of ``sources`` (default
    all; a predicted business counts as right when most of its records belong to the true business)."""
    where = "WHERE list_contains($sources::VARCHAR[], r._source)" if sources is not None else ""
    return dict(
        zip(
            (
                "events",
                "house_accuracy",
                "house_accuracy_where_address_names_it",
                "business_events",
                "business_accuracy",
                "business_false_rate",
            ),
            con.execute(
                f"""
        WITH truth_of AS (
            SELECT b.business_id, mode(t.business_id) AS true_business FROM {_join("core.business_records", "b")}
            GROUP BY 1)
        SELECT count(*),
               round(count(*) FILTER (WHERE r.house_id = t.house_id) / count(*) FILTER (WHERE t.house_id IS NOT NULL), 4),
               round(count(*) FILTER (WHERE r.house_id = t.house_id AND t.names = 'house')
                     / count(*) FILTER (WHERE t.names = 'house'), 4),
               count(*) FILTER (WHERE t.business_id IS NOT NULL),
               round(count(*) FILTER (WHERE o.true_business = t.business_id)
                     / greatest(count(*) FILTER (WHERE t.business_id IS NOT NULL), 1), 4),
               round(count(*) FILTER (WHERE t.business_id IS NULL AND r.business_id IS NOT NULL)
                     / greatest(count(*) FILTER (WHERE t.business_id IS NULL), 1), 4)
        FROM {_join("core.event_attributions")} LEFT JOIN truth_of o ON o.business_id = r.business_id {where}""",
                {"sources": sources} if sources is not None else None,
            ).fetchone(),
            strict=False,
        )
    )


def resolve_identity(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Business linking, attribution and links on a staged warehouse with address matches; seconds each."""
    from resolution.identity.attribution import attribute_events
    from resolution.identity.businesses import resolve_businesses
    from resolution.identity.links import build_links

    events = [spec for spec in load_registry().values() if spec.record_kind == "event"]
    timings = {}
    for step, run in (
        ("businesses", lambda: resolve_businesses(con)),
        ("attribution", lambda: attribute_events(con, events)),
        ("links", lambda: build_links(con)),
    ):
        start = time.perf_counter()
        run()
        timings[step] = round(time.perf_counter() - start, 2)
    return timings


def _build_warehouse(samples: Path, warehouse: Path) -> None:
    from dagster import DagsterInstance, materialize

    from pipelines.address import address_assets
    from pipelines.definitions import source_assets, warehouse_resources

    os.environ["HOUSEKEY_LANDING"] = str(samples / "landing")
    os.environ["HOUSEKEY_WAREHOUSE"] = str(warehouse)
    registry = load_registry()
    assert materialize(
        [*source_assets(registry), *address_assets(registry)],
        resources=warehouse_resources(),
        instance=DagsterInstance.ephemeral(),
    ).success


def measure(samples: Path, warehouse: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        if warehouse is None:
            warehouse = Path(tmp) / "bench.duckdb"
            _build_warehouse(samples, warehouse)
        con = duckdb.connect(str(warehouse))
        seconds = resolve_identity(con)
        load_truth(con, samples)
        report = {
            "businesses": business_figures(con),
            "work_orders": attribution_figures(con, sources_with(events="complaints")),
            "all_events": attribution_figures(con),
            "seconds": seconds,
        }
        con.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=SAMPLES)
    parser.add_argument("--warehouse", type=Path, help="a warehouse already run (it is written to)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = measure(args.samples, args.warehouse)
    print(json.dumps(report, ensure_ascii=False, indent=None if args.json else 2))


if __name__ == "__main__":
    main()
