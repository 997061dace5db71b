"""The provider registry: each provider's facts, declared once.

Everything that lists providers reads ``PROVIDERS``: Dagster's raw assets, jobs, schedules and
freshness checks; dbt, through the vars ``dbt_vars`` makes (the marts' union of staging models, and
each source's currency, country and timezone); the sandbox; ``listings status``; the tests.

A new provider brings its dlt source (``dlt_sources/<provider>/``), its staging models
(``dbt_project/models/staging/<provider>/``), its crosswalk rows, its sandbox module, and one entry
here. The source name is the key everywhere else: dataset ``raw_<name>``, staging
``stg_<name>__listings``, job ``load_<name>``, dlt's configuration section ``[sources.<name>]``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from orchestration.settings import reporting_currency

if TYPE_CHECKING:
    from dlt.extract.source import DltSource


def raw_dataset(source: str) -> str:
    """The raw dataset (schema) of a source: ``raw_<name>``, named here only."""
    return f"raw_{source}"


@dataclass(frozen=True)
class Provider:
    name: str  # the source name: raw_<name>, stg_<name>__listings, load_<name>, [sources.<name>]
    source: str  # its dlt source function, "module:function" (imported when the source is built)
    accounts: str  # what one account is, and the dlt setting that lists them
    secrets: tuple[str, ...]  # the dlt secrets the source reads from [sources.<name>]
    cron: str  # routine load (UTC)
    fresh_within: timedelta  # the freshness check fails when the last load is older
    currency: str  # ISO 4217, where the API does not send one
    country_code: str  # ISO 3166-1 alpha-2, where the API does not send one
    timezone: str  # IANA, of local times the API sends without an offset
    reconcile_cron: str | None = None  # nightly full scan, for providers whose routine run reads a cursor

    @property
    def dataset(self) -> str:
        """The raw dataset (schema) its dlt pipeline loads."""
        return raw_dataset(self.name)

    def dlt_source(self) -> Callable[..., DltSource]:
        module, _, function = self.source.partition(":")
        return getattr(importlib.import_module(module), function)


PROVIDERS: tuple[Provider, ...] = (
    # a full scan of 100 a page; the server's limit (undocumented, 429 with Retry-After) is far off
    Provider(
        name="actuallycare",
        source="dlt_sources.actuallycare:actuallycare_source",
        accounts="account_id: one API key is one account",
        secrets=("api_key",),
        cron="10 * * * *",
        fresh_within=timedelta(hours=3),
        currency="USD",
        country_code="US",
        timezone="UTC",
    ),
    # a cursor read: only listings updated since the last run; removals need the nightly full scan
    Provider(
        name="apimo",
        source="dlt_sources.apimo:apimo_source",
        accounts="agencies: the agency ids the provider id may read",
        secrets=("token",),
        cron="*/15 * * * *",
        fresh_within=timedelta(hours=1),
        reconcile_cron="5 2 * * *",  # off the 15-minute grid
        currency="EUR",
        country_code="FR",
        timezone="Europe/Paris",
    ),
    # a full scan paced to 20 requests a minute: N / 400 minutes
    Provider(
        name="avaroai",
        source="dlt_sources.avaroai:avaroai_source",
        accounts="account_id: one API key is one organization",
        secrets=("api_key",),
        cron="0 */6 * * *",
        fresh_within=timedelta(hours=13),
        currency="EUR",
        country_code="CY",
        timezone="Asia/Nicosia",
    ),
    # one request per search for recent updates; the keyset scan is nightly
    Provider(
        name="enclosure",
        source="dlt_sources.enclosure_koto:enclosure_source",
        accounts="account_id and searches: one key, read through its searches",
        secrets=("key",),
        cron="*/30 * * * *",
        fresh_within=timedelta(hours=2),
        reconcile_cron="20 2 * * *",
        currency="USD",
        country_code="US",
        timezone="UTC",
    ),
    # a full scan per store at 50 a page
    Provider(
        name="estateprime",
        source="dlt_sources.estateprime:estateprime_source",
        accounts="api_keys: store id -> that store's key",
        secrets=("api_keys",),
        cron="40 * * * *",
        fresh_within=timedelta(hours=3),
        currency="EUR",
        country_code="GR",
        timezone="Europe/Athens",
    ),
    Provider(
        name="koto",
        source="dlt_sources.enclosure_koto:koto_source",
        accounts="account_id and searches: one key, read through its searches",
        secrets=("key",),
        cron="*/30 * * * *",
        fresh_within=timedelta(hours=2),
        reconcile_cron="40 2 * * *",
        currency="USD",
        country_code="US",
        timezone="UTC",
    ),
)


def provider_names(providers: Iterable[Provider] = PROVIDERS) -> list[str]:
    return [provider.name for provider in providers]


def by_name(name: str, providers: Iterable[Provider] = PROVIDERS) -> Provider:
    for provider in providers:
        if provider.name == name:
            return provider
    raise KeyError(f"no provider {name!r} in the registry (known: {', '.join(provider_names(providers))})")


def dbt_vars(providers: Iterable[Provider] = PROVIDERS) -> dict:
    """The registry as dbt reads it (dbt_project/macros/provider_registry.sql): JSON text of each
    source, in registry order, with what its API does not say about its listings. Text, so that every
    caller passes it alike: a dbt command line, and SQLFluff's config (whose values are text). With it,
    the reporting currency (settings.reporting_currency), which every command passes alike too."""
    settings = {
        provider.name: {
            "currency": provider.currency,
            "country_code": provider.country_code,
            "timezone": provider.timezone,
        }
        for provider in providers
    }
    return {"provider_registry": json.dumps(settings), "reporting_currency": reporting_currency()}


def dbt_vars_argument(providers: Iterable[Provider] = PROVIDERS) -> list[str]:
    """``--vars`` for a dbt command line."""
    return ["--vars", json.dumps(dbt_vars(providers), sort_keys=True)]
