"""Every dbt model, seed and test as Dagster assets and asset checks, in one ``@dbt_assets``
(blocking checks do not work across several definitions, dagster#19821)."""

import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext  # Dagster reads this annotation at definition time
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.defs.conventions import WAREHOUSE_WRITER_POOL
from orchestration.settings import DBT_PROJECT_DIR


def dbt_cli(project: DbtProject) -> DbtCliResource:
    """The dbt installed beside this interpreter: found without an activated virtualenv."""
    return DbtCliResource(project_dir=project, dbt_executable=str(Path(sys.executable).parent / "dbt"))


def listings_dbt_project() -> DbtProject:
    """The dbt project, with a manifest no older than its sources.

    A fresh clone has no manifest, and a stale one would hide a changed model: ``dbt parse`` runs
    whenever any model, seed, macro or the project file is newer than ``target/manifest.json``.
    """
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    manifest = Path(project.manifest_path)
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"] + [
        path for folder in ("models", "seeds", "macros") for path in (DBT_PROJECT_DIR / folder).rglob("*")
    ]
    if not manifest.exists() or max(path.stat().st_mtime for path in sources) > manifest.stat().st_mtime:
        dbt_cli(project).cli(["parse", "--quiet"], target_path=Path(project.target_path)).wait()
    return project


# Each raw dataset's `_dlt_loads` is a dbt source of its own (staging reads which loads committed)
# but the same Dagster asset as the raw table: one dlt run writes both.
TRANSLATOR = DagsterDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path, project=project, dagster_dbt_translator=TRANSLATOR, pool=WAREHOUSE_WRITER_POOL
    )
    def listings_dbt(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator:
        yield from dbt.cli(["build"], context=context).stream()

    return listings_dbt
