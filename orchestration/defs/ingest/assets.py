"""Raw-layer assets: one dagster-dlt multi-asset per provider source."""

import functools
import inspect
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import dagster as dg
import dlt
from dagster import AssetExecutionContext  # Dagster reads this annotation at definition time
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.extract.source import DltSource
from pydantic import Field

from dlt_sources.common.http import RequestStats
from dlt_sources.common.raw import raw_reads_guarded_by
from orchestration.defs.conventions import OWNERS
from orchestration.defs.ingest.pipelines import keep_dlt_telemetry_off, listings_pipeline
from orchestration.platform.failpoints import failpoint
from orchestration.platform.garbage_collection import collector_paused
from orchestration.platform.processes import process_alive
from orchestration.registry import PROVIDERS, Provider, raw_dataset
from orchestration.warehouse.lock import pipeline_run_lock
from orchestration.warehouse.resource import Warehouse

# dagster-dlt reads resource names and schemas from a source object when definitions load; the
# credentials it is built with here are never used. The asset body builds the source again from
# dlt's configuration, at run time.
_NOT_USED_AT_DEFINITION_TIME = "resolved-at-run-time"


def raw_asset_key(provider: str, table: str = "listings") -> dg.AssetKey:
    """``raw_<provider>/<provider>_<table>``: the dataset, then a name that says the provider, since
    the UI titles an asset by its key's last part (six raw assets would all read ``listings``). The
    dbt sources declare the same keys in ``meta.dagster.asset_key``, so dbt models hang off the dlt
    assets in one lineage graph."""
    return dg.AssetKey([raw_dataset(provider), f"{provider}_{table}"])


class RawLayerTranslator(DagsterDltTranslator):
    """Raw assets keyed by ``raw_asset_key``, in the group ``raw``."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        return spec.replace_attributes(
            key=raw_asset_key(data.resource.source_name, data.resource.name),
            deps=[],  # the provider API is not an asset of ours
            group_name="raw",
            owners=OWNERS,
            description=f"Raw {data.resource.source_name} {data.resource.name}: every observed payload "
            "version, append-only (dlt).",
        )


def definition_time_source(source: Callable[..., DltSource]) -> DltSource:
    """The source with placeholders for its required settings: dagster-dlt reads only its
    resources and schema when definitions load; the asset body builds it again from dlt's config."""
    keep_dlt_telemetry_off()
    empty = {"list": [], "dict": {}}
    required = {
        name: empty.get(str(parameter.annotation).split("[")[0], _NOT_USED_AT_DEFINITION_TIME)
        for name, parameter in inspect.signature(source).parameters.items()
        if parameter.default is dlt.secrets.value or parameter.default is dlt.config.value
    }
    return source(**required)


def definition_time_pipeline(provider: str) -> dlt.Pipeline:
    """The provider's pipeline as dagster-dlt reads it when definitions load (its name, dataset and
    destination), with its local state in a private folder of this process.

    Every process loads the definitions: each step of a run, the UI's code server. Made in the
    shared pipelines folder, ``dlt.pipeline`` writes a state file there, and did so while a run of
    that provider was dropping the folder to restore it from the warehouse: the run failed with
    "Directory not empty".
    """
    return listings_pipeline(provider, working_root=Path(_private_folder().name))


_PRIVATE_FOLDER_PREFIX = "listings-definitions-pid"


@functools.cache
def _private_folder() -> tempfile.TemporaryDirectory:
    """Removed when the process exits, but not by a step process: multiprocessing ends those with
    ``os._exit``, which skips the removal, and every run left several behind. So each folder's name
    carries its process id, and a new one first removes the folders of processes that are gone."""
    remove_private_folders_of_ended_processes()
    return tempfile.TemporaryDirectory(prefix=f"{_PRIVATE_FOLDER_PREFIX}{os.getpid()}-")


def remove_private_folders_of_ended_processes() -> None:
    for folder in Path(tempfile.gettempdir()).glob(f"{_PRIVATE_FOLDER_PREFIX}*-*"):
        pid = folder.name.removeprefix(_PRIVATE_FOLDER_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)  # another process may be removing it too


class RawLoadConfig(dg.Config):
    full_scan: bool = Field(
        default=False,
        description="Read everything and reconcile removals now (providers that read a cursor; the "
        "others scan in full every run).",
    )


def build_raw_assets(providers: Sequence[Provider] = PROVIDERS) -> dict[str, dg.AssetsDefinition]:
    """One multi-asset per provider of the registry; built when definitions load (settings are read then)."""
    return {provider.name: raw_assets(provider.name, provider.dlt_source()) for provider in providers}


def raw_assets(provider: str, source: Callable[..., DltSource]) -> dg.AssetsDefinition:
    takes_full_scan = "full_scan" in inspect.signature(source).parameters

    @dlt_assets(
        dlt_source=definition_time_source(source),
        dlt_pipeline=definition_time_pipeline(provider),
        name=provider,
        dagster_dlt_translator=RawLayerTranslator(),
        op_tags={"listings/provider": provider},
        pool=raw_dataset(provider),  # one run of a provider at a time (the instance's pools hold 1)
    )
    def provider_raw(
        context: AssetExecutionContext, dlt: DagsterDltResource, warehouse: Warehouse, config: RawLoadConfig
    ) -> Iterator:
        options = {"full_scan": True} if config.full_scan and takes_full_scan else {}
        pipeline = listings_pipeline(provider, warehouse)
        with pipeline_run_lock(pipeline, timeout=warehouse.lock_timeout_seconds):
            yield from load_raw(context, dlt, source(**options), pipeline, warehouse)

    return provider_raw


def load_raw(
    context: AssetExecutionContext,
    dlt_resource: DagsterDltResource,
    dlt_source: DltSource,
    pipeline: dlt.Pipeline,
    warehouse: Warehouse,
) -> Iterator[dg.MaterializeResult]:
    """dagster-dlt's ``run`` in three steps, so that only the steps that open the warehouse hold it.

    ``DagsterDltResource.run`` is one ``pipeline.run``: it would hold the DuckDB file for the whole
    HTTP extraction (a scan paced to a provider's quota can take an hour). Here the state restore,
    the scan's reads of what raw holds, and the load hold the warehouse lock; extraction and
    normalisation run beside other providers'.
    Like dagster-dlt, local state is dropped first and restored from the warehouse, so a run after a
    crash starts from what was committed. Metadata comes from dagster-dlt, plus the scan's figures.
    """
    translator = RawLayerTranslator()
    resources = {
        translator.get_asset_spec(DltResourceTranslatorData(resource=resource, pipeline=pipeline)).key: resource
        for resource in dlt_source.selected_resources.values()
    }
    if context.is_subset:
        resources = {key: resource for key, resource in resources.items() if key in context.selected_asset_keys}
        dlt_source = dlt_source.with_resources(*(resource.name for resource in resources.values()))
    provider = dlt_source.name
    started, requests_before = time.monotonic(), RequestStats.snapshot(provider)
    # the scan parses every page into Python objects, which would start full collector passes
    with collector_paused():
        with warehouse.lock("restore dlt state"):
            pipeline.drop()  # as dagster-dlt does: what the warehouse committed wins over local leftovers
            pipeline.sync_destination()
        for resource in dlt_source.selected_resources.values():
            resource.add_map(failpoint_at_first_table(provider))
        with raw_reads_guarded_by(warehouse.lock):
            pipeline.extract(dlt_source)
        failpoint("normalize", provider)
        pipeline.normalize()
        extracted = time.monotonic()
        with warehouse.lock("load"):
            failpoint("load", provider)
            load_info = pipeline.load()
        load_info.raise_on_failed_jobs()
    requests = RequestStats.snapshot(provider) - requests_before
    run_figures = {
        "requests": requests["requests"],
        "responses_429": requests["status_429"],
        "retries": requests["retries"],
        "retry_wait_s": dg.MetadataValue.float(round(float(requests["retry_wait_seconds"]), 2)),
        "duration_s": dg.MetadataValue.float(round(time.monotonic() - started, 2)),
        "extract_s": dg.MetadataValue.float(round(extracted - started, 2)),
    }
    source_state = pipeline.state.get("sources", {}).get(provider, {}).get("resources", {})
    for key, resource in resources.items():
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                **dlt_resource.extract_resource_metadata(context, resource, load_info, pipeline),
                **run_figures,
                **scan_metadata(source_state.get(resource.name, {}), load_info.loads_ids),
            },
        )


def failpoint_at_first_table(provider: str) -> Callable[[object], object]:
    """A resource map that passes every table of versions on, after the ``extract`` failpoint at the
    first (see ``orchestration.platform.failpoints``): a crash there is before anything is loaded,
    mid-scan where the scan has more to read (a source with several accounts, or past
    ``ROWS_PER_TABLE`` versions), else at its end."""
    first = True

    def at_first_table(table: object) -> object:
        nonlocal first
        if first:
            first = False
            failpoint("extract", provider)
        return table

    return at_first_table


# resource-state keys of the scan's own bookkeeping; every other key is an incremental cursor
_SCAN_STATE = {"last_scan", "absent_since", "last_complete_scan_at", "last_detail_refresh_at", "payload_fields"}


def incremental_cursor(resource_state: dict) -> dict:
    """Where the next run starts reading, per account: empty for providers that scan in full."""
    return {name: value for name, value in resource_state.items() if name not in _SCAN_STATE}


def scan_metadata(resource_state: dict, load_ids: list[str]) -> dict:
    """This run's scan figures summed over accounts, and the cursor it leaves for the next run."""
    scans = [scan for scan in resource_state.get("last_scan", {}).values() if scan.get("load_id") in load_ids]
    totals = {
        f"listings_{figure}": sum(scan.get(figure, 0) for scan in scans)
        for figure in ("new", "changed", "unchanged", "removed", "removal_pending", "quarantined")
    }
    drift = {
        "new_fields": sorted({path for scan in scans for path in scan.get("new_fields", [])}),
        "type_changes": sorted({change for scan in scans for change in scan.get("type_changes", [])}),
    }
    cursor = incremental_cursor(resource_state)
    return {
        **totals,
        "scans_complete": f"{sum(scan['complete'] for scan in scans)}/{len(scans)}",
        "schema_drift": dg.MetadataValue.json(drift),
        "schema_drift_fields": len(drift["new_fields"]) + len(drift["type_changes"]),
        "cursor": dg.MetadataValue.json(cursor or {"full_scan_every_run": True}),
        "last_complete_scan_at": dg.MetadataValue.json(resource_state.get("last_complete_scan_at", {})),
    }
