"""The generator's commands: `housekey generate` and `housekey samples seed-databases`."""

from __future__ import annotations

import time
from pathlib import Path

import typer

SAMPLES = Path(__file__).resolve().parents[1]  # the committed sample, wherever the command runs from
samples_app = typer.Typer(help="The sample world's data: load its database tables.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add `generate` and the `samples` group to the main command line."""
    app.command("generate")(generate)
    app.add_typer(samples_app, name="samples")


def generate(
    out: Path = typer.Option(..., "--out", help="Folder to write landing/, databases/, truth/ and manifest.json into."),
    people: int = typer.Option(
        3000, "--people", min=1, help="About how many residents the world has (with --district: each subdistrict)."
    ),
    seed: int = typer.Option(20261101, "--seed", help="Same seed, same world, same bytes."),
    subdistrict: str = typer.Option(
        "310101023",
        "--subdistrict",
        help="The 黄浦区 subdistrict's 9-digit code (one with a roads file in "
        "data_samples/generator/roads/), e.g. 310101022 淮海中路街道.",
    ),
    beside: list[Path] = typer.Option(
        [],
        "--beside",
        help="A world generated before for another subdistrict "
        "(repeatable): no ID number or credit code of it is issued again.",
    ),
    seed_databases: bool = typer.Option(
        False, "--seed-databases/--no-seed-databases", help="Also load the database tables into PostgreSQL and MariaDB."
    ),
    district: bool = typer.Option(
        False,
        "--district",
        help="Build a district: one world per --subdistricts code (--people each) whose people move between "
        "them, the district sources' exports once for all, truth city-wide and subdistricts.yaml.",
    ),
    subdistricts: str = typer.Option(
        "310101002,310101013,310101022,310101023", "--subdistricts", help="With --district: the subdistricts' codes."
    ),
    movers: float = typer.Option(
        0.1, "--movers", min=0, max=0.5, help="With --district: the share of people who move."
    ),
) -> None:
    """Generate a sample world of about --people residents and every source system's exports of it."""
    from rich.console import Console
    from rich.table import Table

    from data_samples.generator.generate import generate as generate_world
    from data_samples.generator.geography import load_subdistrict

    console = Console()
    if district:
        _district(console, out, people, seed, subdistricts, movers)
        return
    try:
        where = load_subdistrict(subdistrict)
    except ValueError as exc:  # an unknown subdistrict or a missing roads file
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    for world in beside:
        if not (world / "truth" / "people.csv").is_file():
            console.print(f"[red]--beside {world}: not a generated world (no truth/people.csv)[/red]")
            raise typer.Exit(1)
    started = time.perf_counter()
    with console.status("starting") as status:  # 30-45 s for the sample: say what it is doing
        manifest = generate_world(
            out,
            people,
            seed,
            subdistrict=subdistrict,
            beside=tuple(beside),
            progress=lambda step: status.update(f"{step} ({time.perf_counter() - started:.0f} s)"),
        )
    elapsed = time.perf_counter() - started
    table = Table("source", "files", "rows", title=f"{manifest['people']:,} people, seed {seed}, {where.name}")
    for name, source in manifest["sources"].items():
        table.add_row(name, str(len(source["files"])), f"{source['rows_emitted']:,}")
    console.print(table)
    console.print(
        f"{manifest['records']:,} records from {len(manifest['sources'])} sources in {elapsed:.1f} s, written to {out}"
    )
    if seed_databases:
        _seed(out, console)


def _district(console, out: Path, people: int, seed: int, subdistricts: str, movers: float) -> None:
    from data_samples.generator.district import generate_district
    from data_samples.generator.geography import load_subdistrict

    codes = tuple(c.strip() for c in subdistricts.split(",") if c.strip())
    try:
        names = [load_subdistrict(code).name for code in codes]
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    if len(set(codes)) < 2:
        console.print("[red]--subdistricts: a district needs at least two different subdistricts[/red]")
        raise typer.Exit(1)
    started = time.perf_counter()
    with console.status("starting") as status:
        manifest = generate_district(
            out,
            people,
            seed,
            codes,
            movers,
            progress=lambda step: status.update(f"{step} ({time.perf_counter() - started:.0f} s)"),
        )
    routed = ", ".join(f"{where} {n:,}" for where, n in manifest["routing"].items())
    console.print(f"{len(codes)} subdistricts ({'、'.join(names)}) of about {people:,} people each, seed {seed}")
    console.print(f"{manifest['moves']:,} people moved; district rows: {routed}")
    console.print(
        f"written to {out} in {time.perf_counter() - started:.1f} s (HOUSEKEY_SUBDISTRICTS={out / 'subdistricts.yaml'})"
    )


@samples_app.command("seed-databases")
def seed_databases_command(
    directory: Path = typer.Option(
        SAMPLES, "--dir", show_default="data_samples", help="Sample folder holding databases/*.json."
    ),
) -> None:
    """Load the sample's database tables into PostgreSQL and MariaDB (an absent server is skipped)."""
    from rich.console import Console

    _seed(directory, Console())


def _seed(directory: Path, console) -> None:
    from data_samples.generator.seed import seed_databases

    if not (directory / "databases").is_dir():
        console.print(f"[red]no databases/ folder in {directory}[/red]")
        raise typer.Exit(1)
    for note in seed_databases(directory):
        console.print(note)
