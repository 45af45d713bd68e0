"""The `gridloop` command: local database, migrations, seeds, geo import/export, users, serving."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from alembic.util.exc import CommandError
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from gridloop import localdb, migrations, seeding, serving
from gridloop.auth import service as auth_service
from gridloop.auth.models import IntakeSource, Role
from gridloop.auth.time import now
from gridloop.calendar import seed as calendar_seed
from gridloop.cases import audit as cases_audit
from gridloop.cases import sweeper
from gridloop.catalog import seed as catalog_seed
from gridloop.config import get_settings
from gridloop.db import get_engine, get_sessionmaker
from gridloop.errors import DomainError
from gridloop.geo import service as geo_service
from gridloop.geo.layers import Layer
from gridloop.localtime import parse_timezone
from gridloop.org import seed as org_seed
from gridloop.reports import repository as reports_repository
from gridloop.routing import seed as routing_seed
from gridloop.synth import district as synth_district
from gridloop.synth.history import db as history_db
from gridloop.synth.history import plan as history_plan

app = typer.Typer(
    help="gridloop: 网格化城市管理派遣服务 / grid-based urban incident dispatch",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="the project-local PostGIS cluster", no_args_is_help=True)
seed_app = typer.Typer(help="load data", no_args_is_help=True)
import_app = typer.Typer(help="import data files", no_args_is_help=True)
export_app = typer.Typer(help="export data files", no_args_is_help=True)
user_app = typer.Typer(help="users", no_args_is_help=True)
token_app = typer.Typer(help="bearer tokens and intake API keys", no_args_is_help=True)
check_app = typer.Typer(help="consistency checks of the stored data", no_args_is_help=True)
rollups_app = typer.Typer(
    help="the daily and monthly rollups the reports read", no_args_is_help=True
)
for sub, name in [
    (db_app, "db"),
    (seed_app, "seed"),
    (import_app, "import"),
    (export_app, "export"),
    (user_app, "user"),
    (token_app, "token"),
    (check_app, "check"),
    (rollups_app, "rollups"),
]:
    app.add_typer(sub, name=name)

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


@contextmanager
def transaction() -> Iterator[Session]:
    with get_sessionmaker().begin() as session:
        yield session


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


@db_app.command("start")
def db_start() -> None:
    """Start the local cluster (creating it and the database on first use)."""
    settings = get_settings()
    if settings.database_url:
        out.print("GRIDLOOP_DATABASE_URL is set: the local cluster is not used")
        return
    localdb.start(settings)
    out.print(localdb.status(settings))


@db_app.command("stop")
def db_stop() -> None:
    localdb.stop(get_settings())


@db_app.command("destroy")
def db_destroy(
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
) -> None:
    """Stop the local cluster and delete it, wherever it lives (`make clean-db`)."""
    settings = get_settings()
    if not yes:
        typer.confirm(
            f"删除本地数据库 / delete the local cluster ({localdb.status(settings)})?", abort=True
        )
    out.print(f"removed the local cluster from {localdb.destroy(settings)}")


@db_app.command("status")
def db_status() -> None:
    out.print(localdb.status(get_settings()))


@db_app.command("url")
def db_url() -> None:
    print(localdb.url(get_settings()))


@app.command()
def migrate() -> None:
    """Upgrade the database to the newest migration."""
    with get_engine().begin() as connection:
        migrations.upgrade(connection)
    out.print(f"migrated to {migrations.head_revision()}")


def _import(layer: Layer, collection: Any) -> None:
    with progress() as bar:
        task = bar.add_task(f"import {layer}", total=len(collection.get("features", [])))
        with transaction() as session:
            result = geo_service.import_layer(session, layer=layer, collection=collection)
        bar.update(task, completed=result.features)
    out.print(
        f"{layer}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged"
    )


@import_app.command("geo")
def import_geo(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    layer: Annotated[Layer, typer.Option(help="which layer the file holds")],
) -> None:
    """Import a GeoJSON layer: all or nothing."""
    try:
        collection = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{file} is not GeoJSON: {exc}") from exc
    _import(layer, collection)


@export_app.command("geo")
def export_geo(
    layer: Annotated[Layer, typer.Option()],
    output: Annotated[
        Path | None, typer.Option(help="file to write; standard output if none")
    ] = None,
) -> None:
    """Export a layer as GeoJSON, in the format `import geo` reads."""
    with transaction() as session:
        collection = geo_service.export_layer(session, layer=layer)
    text = json.dumps(collection, ensure_ascii=False)
    if output is None:
        print(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"{len(collection['features'])} features written to {output}")


@seed_app.command("demo")
def seed_demo() -> None:
    """Load the demo district 长宁区 and its users (again: nothing is duplicated)."""
    seeding.check_seeds(get_settings().seeds_dir)
    for layer, collection in seeding.demo_layers(get_settings().seeds_dir):
        _import(layer, collection)
    with transaction() as session:
        catalog = catalog_seed.load_catalog(
            session, get_settings().seeds_dir / "catalog" / "items.yaml"
        )
    out.print(f"catalog: {catalog.items_created} items created, {catalog.items_kept} kept")
    with transaction() as session:
        org = org_seed.load_demo(session, get_settings().seeds_dir)
    out.print(
        f"departments: {org.departments_created} created; offices: {org.offices_created} "
        f"created, {org.offices_updated} updated, {org.offices_unchanged} unchanged"
    )
    with transaction() as session:
        rules = routing_seed.load_demo(session, get_settings().seeds_dir, now=now())
    out.print(
        "routing rules: unchanged"
        if rules is None
        else f"routing rules: version {rules.version} active ({rules.rule_count} rules)"
    )
    with transaction() as session:
        created = seeding.load_users(session, get_settings().seeds_dir / "changning" / "users.yaml")
    out.print(f"users: {created} created")
    with transaction() as session:
        liaisons = seeding.load_users(
            session, get_settings().seeds_dir / "changning" / "liaisons.yaml"
        )
    out.print(f"liaisons: {liaisons} created")
    with transaction() as session:
        calendar = calendar_seed.load_package_calendar(session, now=now())
    out.print(str(calendar))


@seed_app.command("synthetic")
def seed_synthetic(
    grids: Annotated[int, typer.Option(min=1, max=99_999, help="number of unit grids")],
) -> None:
    """Load a synthetic district of N unit grids (for benchmarks)."""
    err.print(f"generating {grids} unit grids …")
    for layer, collection in synth_district.synthetic_layers(grids):
        _import(layer, collection)


@seed_app.command("history")
def seed_history(
    cases: Annotated[int, typer.Option(min=1, help="number of cases")],
    years: Annotated[int, typer.Option(min=1, max=30, help="years of history before --end")] = 3,
    seed: Annotated[int, typer.Option(help="the same seed writes the same histories")] = 1,
    end: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"],
            help="when the histories stop (in GRIDLOOP_TIMEZONE): a day (its midnight) or a "
            "time; default now",
        ),
    ] = None,
) -> None:
    """Write realistic case histories over the map, catalog and offices in the database, then
    recompute the report rollups from them."""
    zone = parse_timezone(get_settings().timezone)
    plan = history_plan.Plan(
        cases=cases,
        years=years,
        seed=seed,
        end=history_plan.end_at(end, now=now(), zone=zone),
        zone=zone,
    )
    err.print(
        f"{cases} cases from {plan.start.astimezone(zone):%Y-%m-%d %H:%M} "
        f"to {plan.end.astimezone(zone):%Y-%m-%d %H:%M} (seed {seed})"
    )
    with transaction() as session:
        with progress() as bar:
            task = bar.add_task("seed history", total=cases)
            result = history_db.seed_history(
                session, plan=plan, on_chunk=lambda chunk: bar.advance(task, chunk.cases)
            )
        err.print("recomputing the rollups from the events …")
        reports_repository.rebuild_rollups(session, zone=get_settings().timezone)
    statuses = ", ".join(
        f"{status} {result.statuses[status]}" for status in sorted(result.statuses)
    )
    out.print(
        f"{result.cases} cases, {result.events} events ({result.overdue} overdue) in "
        f"{result.seconds:.1f} s ({result.cases / max(result.seconds, 1e-9):,.0f} cases/s); "
        f"{statuses}",
        highlight=False,
    )


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[Role, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    display_name: Annotated[str | None, typer.Option()] = None,
    street: Annotated[str | None, typer.Option(help="a dispatcher's street code")] = None,
    office: Annotated[str | None, typer.Option(help="a liaison's office code")] = None,
    grids: Annotated[
        str | None, typer.Option(help="an inspector's responsibility grid codes, comma-separated")
    ] = None,
) -> None:
    with transaction() as session:
        user = auth_service.create_user(
            session,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            street_code=street,
            office_code=office,
            responsibility_grid_codes=[g.strip() for g in (grids or "").split(",") if g.strip()],
        )
        out.print(f"user {user.username} ({user.role}) created, id {user.user_id}")


@token_app.command("create")
def token_create(
    user: Annotated[str | None, typer.Option(help="issue a bearer token for this user")] = None,
    client: Annotated[
        str | None, typer.Option(help="create an API key for this intake client")
    ] = None,
    source: Annotated[IntakeSource, typer.Option()] = IntakeSource.HOTLINE_12345,
) -> None:
    """Print a new bearer token (--user) or intake API key (--client); it is shown only once."""
    if (user is None) == (client is None):
        raise typer.BadParameter("give exactly one of --user or --client")
    with transaction() as session:
        if user is not None:
            token, expires_at = auth_service.issue_token_for_username(
                session, username=user, now=now()
            )
            err.print(f"expires at {expires_at.isoformat()}")
            print(token)
        else:
            assert client is not None
            print(auth_service.create_api_key(session, name=client, source=source))


@app.command()
def sweep() -> None:
    """One pass of the deadline sweeper: an `overdue` event per newly missed deadline."""
    with transaction() as session:
        result = sweeper.sweep(session, now=now())
    out.print(str(result))


@check_app.command("events")
def check_events() -> None:
    """Replay every case's events with the workflow table; exit 1 on any mismatch."""
    with transaction() as session:
        result = cases_audit.check_events(session)
    for mismatch in result.mismatches:
        out.print(str(mismatch), highlight=False)
    out.print(f"{result.cases} cases checked, {len(result.mismatches)} mismatches")
    if result.mismatches:
        raise typer.Exit(1)


@rollups_app.command("rebuild")
def rollups_rebuild() -> None:
    """Recompute every case's counting facts and the daily and monthly rollups from the events."""
    err.print("recomputing the rollups from the events …")
    started = time.perf_counter()
    with transaction() as session:
        cases = reports_repository.rebuild_rollups(session, zone=get_settings().timezone)
    out.print(f"{cases} cases recomputed in {time.perf_counter() - started:.1f} s")


@app.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
) -> None:
    """Print the OpenAPI document the API serves at /openapi.json (no database needed)."""
    from gridloop.app import create_app

    document = json.dumps(create_app().openapi(), ensure_ascii=False, indent=2, sort_keys=True)
    if output is None:
        print(document)
    else:
        output.write_text(document + "\n", encoding="utf-8")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    access_log: Annotated[bool, typer.Option(help="log every request")] = True,
) -> None:
    """Serve the API with uvicorn."""
    serving.run(host=host, port=port, workers=workers, access_log=access_log)


@app.command()
def up() -> None:
    """Everything `make run` does after installing: database, migrations, demo data, serve."""
    settings = get_settings()
    if not settings.database_url:
        localdb.start(settings)
        out.print(f"local database: {localdb.status(settings)}")
    migrate()
    seed_demo()
    base = f"http://{settings.host}:{settings.port}"
    out.print(f"\nconsole: {base}/console/")
    out.print(f"API docs: {base}/docs")
    out.print(
        "demo logins (password gridloop-demo): "
        + ", ".join(seeding.demo_usernames(settings.seeds_dir / "changning" / "users.yaml"))
    )
    # The webhook worker beside the server, ended with it.
    worker_process = subprocess.Popen([sys.executable, "-m", "gridloop", "worker"])
    try:
        serve(host=None, port=None, workers=1, access_log=True)
    finally:
        worker_process.terminate()
        worker_process.wait(timeout=30)


@app.command()
def worker() -> None:
    """Deliver webhooks until stopped (SIGTERM or Ctrl-C); any number may run at once."""
    from gridloop.events.worker import Worker

    settings = get_settings()
    if settings.worker_nice:
        os.nice(settings.worker_nice)
    running = Worker(get_sessionmaker(), settings)
    signal.signal(signal.SIGTERM, lambda *_: running.stop())
    out.print("webhook worker started")
    try:
        running.run()
    except KeyboardInterrupt:
        running.stop()
    finally:
        running.close()


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OperationalError):
        return (
            "数据库无法连接 / cannot reach the database "
            f"({make_url(get_settings().effective_database_url).render_as_string()}): "
            "run `gridloop db start` "
            "or set GRIDLOOP_DATABASE_URL"
        )
    return str(exc)


def main() -> None:
    """Entry point: expected problems are one line on stderr and exit status 1."""
    try:
        app()
    except DomainError as exc:
        err.print(f"error: {exc.detail}", highlight=False)
        for item in exc.errors or []:
            err.print(f"  {item.location}: {item.reason}", highlight=False)
        sys.exit(1)
    except (
        localdb.LocalDbError,
        OperationalError,
        migrations.MigrationsNotFound,
        seeding.SeedsNotFound,
        CommandError,  # alembic: e.g. the database is at a revision this version does not know
    ) as exc:
        err.print(f"error: {_one_line(exc)}", highlight=False)
        sys.exit(1)
    except ValidationError as exc:  # a GRIDLOOP_ setting that does not parse
        problems = "; ".join(
            f"GRIDLOOP_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        err.print(f"error: 设置无效 / invalid setting: {problems}", highlight=False)
        sys.exit(1)
