"""Enclosure/Koto: one source, two configured instances; keyset paging past the 50-result cap."""

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.enclosure_koto import enclosure_source, koto_source
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.defs.ingest.pipelines import listings_pipeline

from .conftest import listed_truth

INSTANCES = {"enclosure": enclosure_source, "koto": koto_source}


def load(host: str, **settings) -> None:
    listings_pipeline(host).run(INSTANCES[host](**settings))


@pytest.mark.parametrize("host", sorted(INSTANCES))
def test_full_load_pages_past_the_cap_and_lands_exactly_the_listings(pipeline_sandbox: Sandbox, raw, host) -> None:
    load(host)
    listed = listed_truth(pipeline_sandbox, host)
    assert set(raw.present(host)) == listed and len(raw.rows(host)) == len(listed)
    created = sorted(payload["created_at"] for payload in raw.present(host).values())
    assert len(created) > len(set(created))  # listings sharing a timestamp were all landed
    # two territories; created_min is inclusive, so a page re-reads its boundary second
    searches = 2
    assert pipeline_sandbox.stats(host)["requests"] <= searches * (-(-len(listed) // 49) + 1)


def test_the_two_instances_keep_their_own_datasets_and_state(pipeline_sandbox: Sandbox, raw) -> None:
    load("enclosure")
    load("koto")
    assert not set(raw.present("enclosure")) & set(raw.present("koto"))
    assert pipeline_sandbox.stats("koto")["requests"] > 0 and pipeline_sandbox.stats("enclosure")["requests"] > 0


def test_next_day_reads_recent_updates_in_one_request_per_search(pipeline_sandbox: Sandbox, raw) -> None:
    load("enclosure")
    before = set(raw.rows("enclosure"))
    requests_before = pipeline_sandbox.stats("enclosure")["requests"]
    pipeline_sandbox.advance_day()
    load("enclosure")
    assert pipeline_sandbox.stats("enclosure")["requests"] - requests_before == 2
    added = set(raw.rows("enclosure")) - before
    listed = listed_truth(pipeline_sandbox, "enclosure")
    updated = {(e["account_id"], e["source_listing_id"]) for e in pipeline_sandbox.events("enclosure", day=1)}
    assert {(row.account_id, row.source_listing_id) for row in added} == updated & listed
    assert not any(row.is_removal for row in added)  # an updates read never retires anything


def test_a_reconciliation_scan_records_removals(pipeline_sandbox: Sandbox, raw) -> None:
    load("enclosure")
    pipeline_sandbox.advance_day()
    load("enclosure", full_scan=True)
    listed = listed_truth(pipeline_sandbox, "enclosure")
    assert set(raw.present("enclosure")) == listed
    gone = {(row["account_id"], row["source_listing_id"]) for row in pipeline_sandbox.truth("enclosure")} - listed
    assert raw.removals("enclosure") == gone & {(r.account_id, r.source_listing_id) for r in raw.rows("enclosure")}
    assert raw.removals("enclosure")


def test_an_update_window_larger_than_one_answer_falls_back_to_a_keyset_scan(pipeline_sandbox: Sandbox, raw) -> None:
    load("enclosure")
    for _ in range(8):  # more updates per territory than one answer of 50 holds
        pipeline_sandbox.advance_day()
    requests_before = pipeline_sandbox.stats("enclosure")["requests"]
    load("enclosure")
    assert set(raw.present("enclosure")) >= listed_truth(pipeline_sandbox, "enclosure")
    assert pipeline_sandbox.stats("enclosure")["requests"] - requests_before > 2


@pytest.mark.parametrize(
    ("searches", "says"),
    [
        ("[]", "searches must hold at least one search with a constraint"),
        ('[{"latitude": 38.9}]', "give latitude, longitude and radius"),
        ('[{"states": ["CA"]}]', "has no constraint"),
    ],
)
def test_a_search_without_a_constraint_fails_before_any_request(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, searches: str, says: str
) -> None:
    monkeypatch.setenv("SOURCES__ENCLOSURE__SEARCHES", searches)
    with pytest.raises(PipelineStepFailed, match=says):
        load("enclosure")
    assert pipeline_sandbox.stats("enclosure").get("requests", 0) == 0


@pytest.mark.parametrize("strict_times", [True, False], ids=["offset-required", "offset-optional"])
def test_keyset_paging_works_under_both_readings_of_the_time_format(
    start_pipeline_sandbox, raw, strict_times: bool
) -> None:
    """`YYYY-MM-DDThh:mm[:ss][+HH:MM|-HH:MM|Z]` (enclosure_koto.txt:227): the client sends `Z`, which
    both a server that requires an offset (and refuses an unencoded `+`) and a lenient one accept."""
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, enclosure_strict_times=strict_times))
    load("koto")
    assert set(raw.present("koto")) == listed_truth(sandbox, "koto")


def test_a_boolean_filter_is_sent_as_the_document_spells_it(pipeline_sandbox: Sandbox, raw) -> None:
    """`true`/`false` (enclosure_koto.txt:222-224): the sandbox refuses Python's `True` with a 400."""
    load("enclosure", filters={"open_houses_only": True})
    stored = raw.present("enclosure")
    assert stored and all(payload.get("open_houses") for payload in stored.values())
    assert len(stored) < len(listed_truth(pipeline_sandbox, "enclosure"))
