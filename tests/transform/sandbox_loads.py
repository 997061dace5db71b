"""Sandbox days loaded into a test's own data folder by the real dlt sources (no Dagster), and the
sandbox's truth after each day, as the transform tests need them."""

from pathlib import Path
from typing import Any

import pytest

from listings_sandbox import Sandbox
from listings_sandbox.demo import NIGHTLY
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.registry import PROVIDERS, provider_names

ListingId = tuple[str, str, str]  # source, account, the provider's listing id


def load_sandbox_days(
    env: pytest.MonkeyPatch, sandbox: Sandbox, folder: Path, days: int = 2
) -> list[dict[ListingId, dict[str, Any]]]:
    """Point dlt at ``sandbox`` and the data folder at ``folder`` (through ``env``), then load every
    provider ``days`` times, advancing the sandbox a day between loads: a full scan each time
    (NIGHTLY), and a listing a scan misses retired at once (AvaroAI confirms removals otherwise).
    Returns the truth after each day's load."""
    env.setenv("LISTINGS_DATA_DIR", str(folder))
    env.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    for name, value in {**sandbox.dlt_environment(), **NIGHTLY, "SOURCES__AVAROAI__REMOVAL_CONFIRMATIONS": "1"}.items():
        env.setenv(name, value)
    truths = []
    for day in range(days):
        if day:
            sandbox.advance_day()
        for provider in PROVIDERS:
            listings_pipeline(provider.name).run(provider.dlt_source()())
        truths.append(
            {
                (source, record["account_id"], record["source_listing_id"]): record
                for source in provider_names()
                for record in sandbox.truth(source)
            }
        )
    return truths
