"""The ``photos/mirror`` asset: every photo of each listing's latest version that should have a copy
and has none yet, downloaded and stored (``dlt_sources/photos``), each attempt recorded in
``raw_photos.photo_downloads``.

Where it sits: downstream of the raw loads, upstream of the dbt models that read its records (dbt's
source ``raw_photos``, whose Dagster asset key is this asset's: ``staging/photos/_photos__sources.yml``).
What to copy it reads from the dbt model ``intermediate/int_listing_photo_sources`` as the last dbt
build left it. ``listings run`` runs it in a run of its own after the marts run: its downloads, paced
to the provider's quota, never hold the publish back, and the next build shows the copies it made
(the automation sensor, where it is on, rebuilds ``marts.listing_photos`` at once). So a photo is
copied by the run after the one that first loads it, and shown in the marts from the run after that.

Why not downstream of that model: it is in the one dbt multi-asset, and so is ``marts.listing_photos``,
which reads the mirror. Dagster splits a subsettable multi-asset that would form a cycle into steps,
but only when it builds a whole job: a run of a selection of assets (``listings run``, the automation
sensor, the UI) ran the dbt build as one step, before the mirror, and its tests of the photo mart
failed. More than one ``@dbt_assets`` definition would break blocking checks (dagster#19821).
"""

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import dagster as dg
import dlt
from dagster import AssetExecutionContext  # Dagster reads this annotation at definition time

from dlt_sources.common.http import RequestStats
from dlt_sources.common.secrets import redact, register_secrets
from dlt_sources.photos import photos_source, photos_to_download
from dlt_sources.photos.helpers import PhotoSource, PhotoStore
from dlt_sources.photos.settings import (
    DATASET,
    DOWNLOAD_BUDGET_SECONDS,
    FAILED,
    PHOTO_SOURCES_RELATION,
    STORED,
    TABLE,
)
from orchestration.defs.conventions import OWNERS
from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.registry import Provider, provider_names, raw_dataset
from orchestration.settings import MIRROR_PHOTOS_ENV, mirrored_photo_sources, photo_store
from orchestration.warehouse.lock import pipeline_run_lock
from orchestration.warehouse.resource import Warehouse, table_exists

MIRROR_KEY = dg.AssetKey(["photos", "mirror"])
EVERY_PHOTO_MIRRORED = "every_photo_mirrored"


def mirror_selection(providers: Sequence[Provider]) -> tuple[str, ...] | None:
    """The sources whose photos are copied (``LISTINGS_MIRROR_PHOTOS``), checked against the registry;
    None: those whose document forbids hotlinking (``int_listing_photo_sources.hotlinking_forbidden``)."""
    chosen = mirrored_photo_sources()
    known = provider_names(providers)
    if chosen is not None and (unknown := sorted(set(chosen) - set(known))):
        raise ValueError(
            f"{MIRROR_PHOTOS_ENV} names {', '.join(unknown)}, which the registry does not list; "
            f"choose from {', '.join(known)} (or none)"
        )
    return chosen


def build_photo_mirror(providers: Sequence[Provider]) -> dg.AssetsDefinition:
    dlt_sources = {provider.name: provider.dlt_source() for provider in providers}

    @dg.asset(
        key=MIRROR_KEY,
        # the raw loads whose photos it copies (through the photo list of the last dbt build); not that
        # list's own asset: see the module's docstring
        deps=[raw_asset_key(provider.name) for provider in providers],
        group_name="photos",
        kinds={"dlt", "python"},
        owners=OWNERS,
        pool=raw_dataset(DATASET),  # one mirror at a time (the instance's pools hold 1)
        automation_condition=dg.AutomationCondition.eager(),
        check_specs=[
            dg.AssetCheckSpec(
                EVERY_PHOTO_MIRRORED,
                asset=MIRROR_KEY,
                blocking=False,  # the marts still publish, with the copies stored so far
                description="Every photo to keep a copy of was stored: none failed and the mirror did not fail "
                "(a warning: failed photos are tried again on the next run).",
            )
        ],
        description="Copies of listing photos (those whose provider forbids hotlinking, and any provider's "
        "LISTINGS_MIRROR_PHOTOS adds), downloaded once per URL within each provider's quota, stored by "
        "content hash (LISTINGS_PHOTO_STORE), every attempt recorded in raw_photos.photo_downloads.",
    )
    def photo_mirror(context: AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        started = time.monotonic()
        chosen = mirror_selection(providers)
        store_url = photo_store()
        store = PhotoStore(store_url, storage_options())
        with warehouse.lock("read the photos to mirror", read_only=True):
            listed, stored_urls = read_photo_work(warehouse, chosen, store.root_uri)
        wanted = photos_to_download(listed, stored_urls)
        context.log.info(
            f"photo mirror: {len(listed)} photos to keep copies of, {len(wanted)} without one yet "
            f"(sources: {', '.join(sorted({photo.source for photo in listed})) or 'none'}); store {redact(store_url)}"
        )
        before = {source: RequestStats.snapshot(source) for source in dlt_sources}
        outcomes, error = {"stored": 0, "failed": 0, "left": len(wanted)}, None
        try:
            outcomes = load_downloads(wanted, store, dlt_sources, warehouse)
        except Exception as failure:  # noqa: BLE001 (a store or load failure must not keep the marts unpublished)
            error = redact(f"{type(failure).__name__}: {failure}")
            context.log.error(f"photo mirror failed; the marts are built with the copies stored before: {error}")
        requests = sum(RequestStats.snapshot(source)["requests"] - before[source]["requests"] for source in dlt_sources)
        if outcomes["left"]:
            context.log.warning(
                f"photo mirror: {outcomes['left']} photos left for the next run: the download budget "
                "([photos] download_budget_seconds) was spent, or a photo host gave no answer (see above)"
            )
        if outcomes["failed"]:
            context.log.warning(
                f"photo mirror: {outcomes['failed']} photos failed (reasons in raw_photos.{TABLE}); "
                "they are tried again on the next run"
            )
        return dg.MaterializeResult(
            check_results=[
                dg.AssetCheckResult(
                    check_name=EVERY_PHOTO_MIRRORED,
                    passed=error is None and not outcomes["failed"],
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"photos_failed": outcomes["failed"], "error": error or ""},
                )
            ],
            metadata={
                "photos_listed": len(listed),
                "photos_already_stored": len(listed) - len(wanted),
                "photos_downloaded": outcomes["stored"],
                "photos_failed": outcomes["failed"],
                "photos_left_for_next_run": outcomes["left"],
                "requests": requests,
                "sources": dg.MetadataValue.json(sorted({photo.source for photo in listed})),
                "store": redact(store_url),
                "duration_s": dg.MetadataValue.float(round(time.monotonic() - started, 2)),
                "error": error or "",
            },
        )

    return photo_mirror


def storage_options() -> dict[str, Any]:
    """The photo store's fsspec options (``[photos.storage_options]`` in dlt's secrets, or
    ``PHOTOS__STORAGE_OPTIONS`` as JSON): an S3 endpoint, key and secret, say. Every value is masked
    in the logs. Without them, s3fs finds credentials as boto does (``AWS_*`` variables)."""
    options = dlt.secrets.get("photos.storage_options", dict) or {}
    register_secrets(*(str(value) for value in options.values() if isinstance(value, str)))
    return dict(options)


def read_photo_work(
    warehouse: Warehouse, chosen: tuple[str, ...] | None, store_root: str
) -> tuple[list[PhotoSource], set[str]]:
    """The photos to keep copies of (those of ``chosen`` sources, or where hotlinking is forbidden),
    and the source URLs already stored in the store at ``store_root`` (committed loads only): a
    store moved elsewhere (LISTINGS_PHOTO_STORE) gets every photo again."""
    with warehouse.read() as connection:
        schema, relation = PHOTO_SOURCES_RELATION.split(".")
        if not table_exists(connection, schema, relation):
            return [], set()
        cursor = connection.cursor()
        try:
            which = "hotlinking_forbidden" if chosen is None else _in_list("source", chosen)
            cursor.execute(
                "select source, account_id, listing_key, position, source_url "
                f"from {PHOTO_SOURCES_RELATION} where {which} order by source, account_id, listing_key, position"
            )
            listed = [PhotoSource(*row) for row in cursor.fetchall()]
            stored: set[str] = set()
            dataset = raw_dataset(DATASET)
            if table_exists(connection, dataset, TABLE) and table_exists(connection, dataset, "_dlt_loads"):
                root = store_root.replace("'", "''")
                cursor.execute(
                    f"select distinct source_url from {dataset}.{TABLE} where status = '{STORED}' "
                    f"and starts_with(stored_uri, '{root}/') and _dlt_load_id in "
                    f"(select load_id from {dataset}._dlt_loads where status = 0)"
                )
                stored = {row[0] for row in cursor.fetchall()}
        finally:
            cursor.close()
    return listed, stored


def _in_list(column: str, values: Sequence[str]) -> str:
    """``column in (...)`` for the registry's own names (no quoting needed); false for none."""
    return f"{column} in ({', '.join(repr(value) for value in values)})" if values else "false"


def load_downloads(
    wanted: list[PhotoSource], store: PhotoStore, dlt_sources: dict, warehouse: Warehouse
) -> dict[str, int]:
    """Download ``wanted`` and load one record per attempt into ``raw_photos``; the counts of each
    outcome. Like the raw loads, only the state restore and the load hold the warehouse: the
    downloads, paced to the providers' quotas, run beside other work."""
    if not wanted:
        return {"stored": 0, "failed": 0, "left": 0}
    pipeline, outcomes = listings_pipeline(DATASET, warehouse), Counter()
    budget = dlt.config.get("photos.download_budget_seconds", float)
    source = photos_source(wanted, store, dlt_sources, outcomes, DOWNLOAD_BUDGET_SECONDS if budget is None else budget)
    with pipeline_run_lock(pipeline, timeout=warehouse.lock_timeout_seconds):
        with warehouse.lock("restore the photo mirror's dlt state"):
            pipeline.drop()
            pipeline.sync_destination()
        pipeline.extract(source)
        pipeline.normalize()
        with warehouse.lock("load the photo mirror's records"):
            pipeline.load().raise_on_failed_jobs()
    return {"stored": outcomes[STORED], "failed": outcomes[FAILED], "left": outcomes["left"]}
