"""Raw-layer assets: one dagster-dlt multi-asset per provider source."""

import inspect
from collections.abc import Callable, Iterator

import dagster as dg
import dlt
from dagster import AssetExecutionContext  # Dagster reads this annotation at definition time
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData
from dlt.extract.source import DltSource

from dlt_sources.actuallycare import actuallycare_source
from dlt_sources.apimo import apimo_source
from dlt_sources.avaroai import avaroai_source
from dlt_sources.enclosure_koto import enclosure_source, koto_source
from dlt_sources.estateprime import estateprime_source
from orchestration.defs.conventions import OWNERS, WAREHOUSE_WRITER_POOL
from orchestration.defs.ingest.pipelines import listings_pipeline

# dagster-dlt reads resource names and schemas from a source object when definitions load; the
# credentials it is built with here are never used. The asset body builds the source again from
# dlt's configuration, at run time.
_NOT_USED_AT_DEFINITION_TIME = "resolved-at-run-time"


class RawLayerTranslator(DagsterDltTranslator):
    """Asset keys ``raw_<provider>/<table>``: the same keys the dbt sources declare in
    ``meta.dagster.asset_key``, so dbt models hang off the dlt assets in one lineage graph."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        dataset = data.pipeline.dataset_name if data.pipeline else data.resource.source_name
        return spec.replace_attributes(
            key=dg.AssetKey([dataset, data.resource.name]),
            deps=[],  # the provider API is not an asset of ours
            group_name="raw",
            owners=OWNERS,
            description=f"Raw {data.resource.source_name} {data.resource.name}: every observed payload "
            "version, append-only (dlt).",
        )


# One line per provider API instance: its dlt source function (Enclosure and Koto are one API on
# two hosts, configured and loaded separately).
SOURCES: dict[str, Callable[..., DltSource]] = {
    "actuallycare": actuallycare_source,
    "apimo": apimo_source,
    "avaroai": avaroai_source,
    "enclosure": enclosure_source,
    "estateprime": estateprime_source,
    "koto": koto_source,
}


def definition_time_source(source: Callable[..., DltSource]) -> DltSource:
    """The source with placeholders for its required settings: dagster-dlt reads only its
    resources and schema when definitions load; the asset body builds it again from dlt's config."""
    empty = {"list": [], "dict": {}}
    required = {
        name: empty.get(str(parameter.annotation).split("[")[0], _NOT_USED_AT_DEFINITION_TIME)
        for name, parameter in inspect.signature(source).parameters.items()
        if parameter.default is dlt.secrets.value or parameter.default is dlt.config.value
    }
    return source(**required)


def build_raw_assets() -> list[dg.AssetsDefinition]:
    """One multi-asset per provider source; built when definitions load (settings are read then)."""
    return [raw_assets(provider, source) for provider, source in SOURCES.items()]


def raw_assets(provider: str, source: Callable[..., DltSource]) -> dg.AssetsDefinition:
    @dlt_assets(
        dlt_source=definition_time_source(source),
        dlt_pipeline=listings_pipeline(provider),
        name=provider,
        dagster_dlt_translator=RawLayerTranslator(),
        pool=WAREHOUSE_WRITER_POOL,
    )
    def provider_raw(context: AssetExecutionContext, dlt: DagsterDltResource) -> Iterator:
        yield from dlt.run(context=context, dlt_source=source(), dlt_pipeline=listings_pipeline(provider))

    return provider_raw
