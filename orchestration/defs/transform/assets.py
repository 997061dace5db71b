"""Every dbt model, seed and test as Dagster assets and asset checks, in one ``@dbt_assets``
(blocking checks do not work across several definitions, dagster#19821)."""

import functools
import hashlib
import importlib.metadata
import json
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext  # Dagster reads this annotation at definition time
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from filelock import FileLock
from packaging import version
from pydantic import Field

from orchestration.defs.conventions import WAREHOUSE_WRITER_POOL
from orchestration.platform.environment import environment
from orchestration.platform.failpoints import failpoint
from orchestration.registry import PROVIDERS, Provider, dbt_vars, dbt_vars_argument
from orchestration.settings import DBT_PROJECT_DIR, warehouse_engine
from orchestration.warehouse.resource import Warehouse

MARTS_SCHEMA = "marts"
PREVIEW_ROWS = 5
# dagster-dbt names each build's folder under dbt's target path after the op: `listings_dbt-<run>-<id>`
INVOCATION_PREFIX = "listings_dbt-"
PARTIAL_PARSE_FILE = "partial_parse.msgpack"  # dbt's saved parse, in a target folder
DBT_INVOCATIONS_KEPT = 20  # the last builds' logs and artifacts, for an operator looking into a failure


class ListingsDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource, less two things it does before every dbt command that buy nothing
    here and cost seconds each (most of a build with nothing new to build): it runs ``dbt --version``
    in a subprocess, to tell dbt Core from the Fusion engine, where the dbt beside this interpreter is
    the dbt-core package installed with it; and it opens a dbt adapter in this process, which only the
    invocation's column-metadata and row-count fetches use (this project calls neither: the marts'
    row counts are ``mart_preview``'s). Both are private to dagster-dbt (pinned in requirements.lock);
    ``tests/orchestrate/test_definitions.py`` notices when an upgrade renames them."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # noqa: ARG002 (dagster-dbt's signature)
        return None


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """The dbt installed beside this interpreter: found without an activated virtualenv."""
    return ListingsDbtCli(project_dir=project, dbt_executable=str(Path(sys.executable).parent / "dbt"))


def listings_dbt_project(providers: Sequence[Provider] = PROVIDERS) -> DbtProject:
    """The dbt project for ``providers``, with a manifest no older than its sources.

    A fresh clone has no manifest, and a stale one would hide a changed model: ``dbt parse`` runs
    whenever any model, seed, macro, singular test or the project file is newer than
    ``target/manifest.json``; when the registry's vars or the warehouse engine differ from those it
    was parsed for (a narrower registry, as in a test, parses into a target folder of its own; the
    engine names the adapter, which Dagster shows as each asset's kind); and when another dbt command
    wrote the manifest since. Processes that load the definitions at once (a run's step processes,
    test workers) take turns, so none reads a manifest another is writing.
    """
    variables = dbt_vars(providers)
    registry_vars = json.dumps(variables, sort_keys=True)
    parsed_for = json.dumps({"vars": variables, "engine": warehouse_engine()}, sort_keys=True)
    target = "target" if list(providers) == list(PROVIDERS) else f"target/registry-{_digest(registry_vars)}"
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=target)
    manifest = Path(project.manifest_path)
    parsed_with = manifest.with_name("parsed_for.json")
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"] + [
        path for folder in ("models", "seeds", "macros", "tests") for path in (DBT_PROJECT_DIR / folder).rglob("*")
    ]
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(manifest.with_name(".parse.lock")):
        stale = not manifest.exists() or max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime
        # a manifest newer than our record of its parse was written by another dbt (`listings dbt build`
        # on another engine, say): parse again rather than trust it
        foreign = parsed_with.exists() and manifest.exists() and manifest.stat().st_mtime > parsed_with.stat().st_mtime
        if stale or foreign or not parsed_with.exists() or parsed_with.read_text() != parsed_for:
            # a whole parse: dbt's partial parsing missed a properties file added under tests/
            command = ["parse", "--quiet", "--no-partial-parse", *dbt_vars_argument(providers)]
            dbt_cli(project).cli(command, target_path=Path(project.target_path)).wait()
            parsed_with.write_text(parsed_for)
    return project


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# Each raw dataset's `_dlt_loads` is a dbt source of its own (staging reads which loads committed)
# but the same Dagster asset as the raw table: one dlt run writes both.
class ListingsDbtTranslator(DagsterDbtTranslator):
    """dagster-dbt's translation, plus: every model rebuilds when what it reads has changed (the
    automation sensor in defs/automation.py acts on it), and a versioned model's key is its schema
    and relation name like every other model's (``marts/listings``, ``marts/listings_v1``), where
    dagster-dbt would drop the schema."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        schema = dbt_resource_props.get("config", {}).get("schema")
        if dbt_resource_props.get("version") is not None and schema:
            return dg.AssetKey([schema, dbt_resource_props["alias"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:  # noqa: ANN001 (dagster-dbt's types)
        spec = super().get_asset_spec(manifest, unique_id, project)
        return spec.replace_attributes(automation_condition=dg.AutomationCondition.eager())

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project) -> dg.AssetCheckSpec | None:  # noqa: ANN001
        """dagster-dbt's check, described by the dbt test's own ``description`` (dagster-dbt reads
        only ``meta.description``), so the UI says what each check guarantees as dbt docs do."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        description = manifest["nodes"].get(unique_id, {}).get("description")
        if spec is None or not description:
            return spec
        return dg.AssetCheckSpec(
            name=spec.name,
            asset=spec.asset_key,
            description=description,
            additional_deps=spec.additional_deps,
            metadata=spec.metadata,
            blocking=spec.blocking,
        )


TRANSLATOR = ListingsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


class DbtBuildConfig(dg.Config):
    full_refresh: bool = Field(
        default=False,
        description="Rebuild incremental models from all of raw (a staging or provider_settings change is "
        "picked up without it; a change inside a macro is not).",
    )


def build_dbt_assets(project: DbtProject, providers: Sequence[Provider] = PROVIDERS) -> dg.AssetsDefinition:
    registry_vars = dbt_vars_argument(providers)

    @dbt_assets(
        manifest=project.manifest_path, project=project, dagster_dbt_translator=TRANSLATOR, pool=WAREHOUSE_WRITER_POOL
    )
    def listings_dbt(
        context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse, config: DbtBuildConfig
    ) -> Iterator:
        # unit tests check the models' code, which a run does not change: they run where the code
        # changes (the test suite's dbt builds, `listings dbt build`), as dbt advises for production
        args = ["build", "--exclude-resource-type", "unit_test", *registry_vars]
        args += ["--full-refresh"] if config.full_refresh else []
        with warehouse.lock("run dbt build"):
            # dbt opens the warehouse the resource names: profiles.yml reads these variables, set from
            # the resource and dlt's credentials while dbt's process starts (the step's code and the
            # next test in this process keep their own settings)
            with environment(warehouse.dbt_environment()):
                invocation = dbt.cli(args, context=context, raise_on_error=False)
            # a failed build still records the marts it did build, then fails the step
            yield from with_mart_previews(context, invocation.stream(), warehouse)
            if project.target_path == Path("target"):  # the whole registry's (dagster-dbt copies from there only)
                keep_parse_for_next_build(invocation.target_path, Path(project.project_dir) / project.target_path)
            prune_invocation_folders(invocation.target_path)
            if error := invocation.get_error():
                raise error

    return listings_dbt


def keep_parse_for_next_build(current: Path, target: Path) -> None:
    """Make the build in ``current`` leave its parse in ``target``, for the next build to start from.

    dagster-dbt copies ``partial_parse.msgpack`` from the project's target folder into each build's
    own, but the one there is ``listings_dbt_project``'s ``dbt parse``, made without the warehouse a
    build opens: dbt reads the profile as changed and parses the whole project again, about 5 s of
    every build. A build's file is saved under the build's own profile and vars, so the next build
    (same warehouse, same registry) parses only what changed. dbt still checks every file's
    checksum, and a changed project is parsed in full by ``listings_dbt_project`` first, which
    replaces the file."""
    saved = current / PARTIAL_PARSE_FILE
    if not saved.exists() or current.parent.resolve() != target.resolve():
        return
    with FileLock(target / ".parse.lock"):  # listings_dbt_project's: never between its parse and its record
        staged = target / f".{PARTIAL_PARSE_FILE}.{current.name}"
        shutil.copyfile(saved, staged)
        staged.replace(target / PARTIAL_PARSE_FILE)  # atomic: a build starting now copies a whole file


def prune_invocation_folders(current: Path, keep: int = DBT_INVOCATIONS_KEPT) -> None:
    """Delete all but the newest ``keep`` of the dbt step's invocation folders beside ``current``
    (dagster-dbt gives each build a folder of its own, about 7 MB with dbt's debug log, and never
    deletes one: a daily schedule would fill the disk). The current one is always kept."""
    siblings = sorted(
        (folder for folder in current.parent.glob(f"{INVOCATION_PREFIX}*") if folder.is_dir() and folder != current),
        key=lambda folder: folder.stat().st_mtime,
        reverse=True,
    )
    for folder in siblings[max(keep - 1, 0) :]:
        shutil.rmtree(folder, ignore_errors=True)  # a folder another build is removing is gone either way


def with_mart_previews(context: AssetExecutionContext, events: Iterator, warehouse: Warehouse) -> Iterator:
    """dbt's events as they come, except each mart's: those wait until dbt has exited and released
    the DuckDB file, to carry the mart's row count and first rows (read in this process)."""

    def asset_key(event) -> dg.AssetKey | None:  # noqa: ANN001 (an Output, or an asset check result)
        if isinstance(event, dg.Output):
            return context.asset_key_for_output(event.output_name)
        return getattr(event, "asset_key", None)

    held: list = []
    for event in events:
        failpoint("dbt")
        key = asset_key(event)
        if key is not None and key.path[0] == MARTS_SCHEMA:
            held.append(event)
        else:
            yield event
    if not held:
        return
    with warehouse.read() as connection:
        for event in held:
            if isinstance(event, dg.Output):
                mart = asset_key(event).path[-1]
                try:
                    event = event.with_metadata({**event.metadata, **mart_preview(connection, mart)})
                except Exception as error:  # noqa: BLE001 (either engine's error: a preview is a courtesy, the build succeeded)
                    context.log.warning(f"no preview of {mart}: {error}")
            yield event


def mart_preview(connection: Any, mart: str) -> dict:
    """A mart's row count and first rows, read through a DB-API connection to either engine."""
    table = f"{MARTS_SCHEMA}.{mart}"
    cursor = connection.cursor()
    try:
        cursor.execute(f"select count(*) from {table}")
        rows = cursor.fetchone()[0]
        cursor.execute(f"select * from {table} limit {PREVIEW_ROWS}")
        columns = [column[0] for column in cursor.description]
        first = cursor.fetchall()
    finally:
        cursor.close()
    return {"dagster/row_count": rows, "preview": dg.MetadataValue.md(markdown_table(columns, first))}


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table of ``rows`` (written here: pandas' ``to_markdown`` costs a second's import in
    the process that runs the build, for five rows)."""

    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = [columns, ["---"] * len(columns), *([cell(value) for value in row] for row in rows)]
    return "\n".join(f"| {' | '.join(line)} |" for line in lines)
