"""Every sandbox fault, mid-scan, against every provider API: the run survives, and after the next
clean run raw holds exactly the listings the provider serves, no repeated versions and no false removals."""

from collections.abc import Callable

import pytest

from dlt_sources.common.http import RequestStats
from dlt_sources.sandbox import Sandbox, SandboxConfig
from dlt_sources.sandbox.faults import FAULT_KINDS
from orchestration.defs.ingest.assets import SOURCES
from orchestration.defs.ingest.pipelines import listings_pipeline

from .conftest import listed_truth

HOSTS = ("actuallycare", "apimo", "avaroai", "enclosure", "estateprime")  # koto runs enclosure's code


def price_is_text(sandbox: Sandbox, host: str, payload: dict) -> bool:
    value = payload
    for name in sandbox.app(host).record_fields["price"]:
        value = value.get(name) if isinstance(value, dict) else None
    return isinstance(value, str)


RETRIED = {"server_error", "rate_limit_burst", "truncated_body"}  # what the client retries

EVIDENCE = {  # what a fault that alters records leaves in raw, stored as received
    "new_field": lambda sandbox, host, payload: "sandbox_new_field" in payload,
    "type_change": price_is_text,
}


def load(host: str) -> None:
    listings_pipeline(host).run(SOURCES[host]())


@pytest.fixture
def sandbox(start_pipeline_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    for name in ("APIMO", "ENCLOSURE"):  # every run a reconciliation, so removals show at once
        monkeypatch.setenv(f"SOURCES__{name}__RECONCILE_EVERY_HOURS", "0")
    return start_pipeline_sandbox(SandboxConfig(seed=5, avaroai_rate_limit=(20, 0.5)))


@pytest.mark.parametrize("kind", sorted(FAULT_KINDS))
@pytest.mark.parametrize("host", HOSTS)
def test_fault_mid_scan_loses_nothing(sandbox: Sandbox, raw, host: str, kind: str) -> None:
    load(host)
    sandbox.advance_day()
    sandbox.arm_fault(host, kind, times=1, after=1, **({"delay": 1.0} if kind == "slow" else {}))
    before = RequestStats.snapshot(host)
    load(host)  # survived: retried, waited out, or stored as received
    assert sandbox.app(host).faults.armed() == []  # the fault really fired
    counted = RequestStats.snapshot(host) - before  # what the run's metadata reports
    assert counted["retries"] == (1 if kind in RETRIED else 0), counted
    assert counted["status_429"] == (1 if kind == "rate_limit_burst" else 0), counted
    if kind in EVIDENCE:
        assert any(EVIDENCE[kind](sandbox, host, row.payload) for row in raw.versions(host))
    load(host)
    load(host)  # AvaroAI retires a listing only after two complete scans miss it
    listed = listed_truth(sandbox, host)
    assert set(raw.present(host)) == listed  # nothing lost, nothing removed that is still there
    assert raw.removals(host) <= {(r["account_id"], r["source_listing_id"]) for r in sandbox.truth(host)} - listed
    assert raw.repeated_versions(host) == []
