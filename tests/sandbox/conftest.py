"""One sandbox for the read-only document checks; tests that change state start their own."""

from collections.abc import Iterator

import pytest
import requests

from listings_sandbox import Sandbox, SandboxConfig


@pytest.fixture(scope="session")
def docs_sandbox() -> Iterator[Sandbox]:
    # quotas off: the rate-limit tests run their own sandbox with a tiny window
    with Sandbox(SandboxConfig(seed=5, rate_limits=False)) as sandbox:
        yield sandbox


@pytest.fixture
def own_sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(seed=9, rate_limits=False)) as sandbox:
        yield sandbox


def provider(sandbox: Sandbox, host: str) -> dict:
    return sandbox.info()["providers"][host]


def listed(sandbox: Sandbox, host: str, account_id: str | None = None) -> dict[str, int]:
    return {
        row["source_listing_id"]: row["price"]
        for row in sandbox.truth(host)
        if row["is_listed"] and account_id in (None, row["account_id"])
    }


def actuallycare_session(sandbox: Sandbox) -> tuple[requests.Session, str]:
    info = provider(sandbox, "actuallycare")
    session = requests.Session()
    session.headers["X-API-Key"] = info["api_key"]
    return session, info["base_url"] + "/listings"
