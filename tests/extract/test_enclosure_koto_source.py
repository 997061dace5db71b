"""Enclosure/Koto: one source, two configured instances; keyset paging past the 50-result cap."""

from collections import Counter
from collections.abc import Callable

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.enclosure_koto import enclosure_source, koto_source
from dlt_sources.enclosure_koto.helpers import split_request_bound
from listings_sandbox import Sandbox, SandboxConfig
from listings_sandbox.providers.enclosure_koto import US_TERRITORIES
from orchestration.defs.ingest.pipelines import listings_pipeline

from .conftest import RawReader, listed_truth

INSTANCES = {"enclosure": enclosure_source, "koto": koto_source}
BURST = 120  # listings created in one second on day 1, on each host: more than two pages of 50
BURST_ON_BOTH_HOSTS = {host: {"same_second_burst": BURST} for host in INSTANCES}  # the sandbox option, per host


def load(host: str, **settings) -> None:
    listings_pipeline(host).run(INSTANCES[host](**settings))


def last_scan(host: str) -> dict:
    state = listings_pipeline(host).state["sources"][host]["resources"]["listings"]
    return state["last_scan"][host]  # the sandbox's account id is the host's name


def burst_second(sandbox: Sandbox, host: str) -> str:
    created = Counter(e["at"] for e in sandbox.events(host, day=1) if e["kind"] == "new_listing")
    second, count = created.most_common(1)[0]
    assert count == BURST
    return second


def by_territory(raw: RawReader, host: str, second: str) -> dict[str, tuple[int, int]]:
    """Territory -> (listings raw holds of it, of which created in ``second``): what each search served."""
    counts = {}
    for territory, states in US_TERRITORIES.items():
        payloads = [payload for payload in raw.present(host).values() if payload["state"] in states]
        counts[territory] = (len(payloads), sum(payload["created_at"] == second for payload in payloads))
    return counts


def gone(sandbox: Sandbox, host: str) -> set[tuple[str, str]]:
    return {(row["account_id"], row["source_listing_id"]) for row in sandbox.truth(host)} - listed_truth(sandbox, host)


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
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options={"koto": {"strict_times": strict_times}}))
    load("koto")
    assert set(raw.present("koto")) == listed_truth(sandbox, "koto")


def test_a_boolean_filter_is_sent_as_the_document_spells_it(pipeline_sandbox: Sandbox, raw) -> None:
    """`true`/`false` (enclosure_koto.txt:222-224): the sandbox refuses Python's `True` with a 400."""
    load("enclosure", filters={"open_houses_only": True})
    stored = raw.present("enclosure")
    assert stored and all(payload.get("open_houses") for payload in stored.values())
    assert len(stored) < len(listed_truth(pipeline_sandbox, "enclosure"))


@pytest.mark.parametrize("host", sorted(INSTANCES))
def test_a_second_with_more_than_a_page_of_listings_is_read_whole_in_price_slices(
    start_pipeline_sandbox: Callable[..., Sandbox], raw: RawReader, host: str
) -> None:
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options=BURST_ON_BOTH_HOSTS))
    load(host)
    sandbox.advance_day()
    requests_before = sandbox.stats(host)["requests"]
    load(host, full_scan=True)
    listed = listed_truth(sandbox, host)
    assert set(raw.present(host)) == listed and not raw.repeated_versions(host)
    second = burst_second(sandbox, host)
    assert sum(payload["created_at"] == second for payload in raw.present(host).values()) == BURST
    scan = last_scan(host)
    assert scan["complete"] and scan["incomplete_reason"] is None
    stored = {(row.account_id, row.source_listing_id) for row in raw.rows(host)}
    assert raw.removals(host) == gone(sandbox, host) & stored and raw.removals(host)  # a complete scan retires
    counts = by_territory(raw, host, second)
    assert max(in_second for _, in_second in counts.values()) > 50  # a search had more than a page in one second
    bound = sum(-(-total // 49) + 1 + split_request_bound(in_second, 50) for total, in_second in counts.values())
    bound += len(raw.removals(host))  # each retired listing was asked about first (GET /v1/listings/{id})
    assert sandbox.stats(host)["requests"] - requests_before <= bound


def test_the_next_days_update_read_falls_back_to_the_scan_and_lands_the_whole_burst(
    start_pipeline_sandbox: Callable[..., Sandbox], raw: RawReader
) -> None:
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options=BURST_ON_BOTH_HOSTS))
    load("koto")
    sandbox.advance_day()
    load("koto")  # no full_scan: the burst overflows the one-answer update read of each search
    assert set(raw.present("koto")) >= listed_truth(sandbox, "koto")
    second = burst_second(sandbox, "koto")
    assert sum(payload["created_at"] == second for payload in raw.present("koto").values()) == BURST
    assert last_scan("koto")["incomplete_reason"] is None


def test_price_slices_stay_inside_the_searchs_own_price_filters(
    start_pipeline_sandbox: Callable[..., Sandbox], raw: RawReader
) -> None:
    """Rentals (about 600-13,000 USD) and the dearest homes fall outside; a slice that dropped either
    bound of the filter would land them."""
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options=BURST_ON_BOTH_HOSTS))
    low, high = 50_000, 1_500_000
    load("enclosure", filters={"price_min": low, "price_max": high})
    sandbox.advance_day()
    load("enclosure", filters={"price_min": low, "price_max": high}, full_scan=True)
    second = burst_second(sandbox, "enclosure")
    truth = [row for row in sandbox.truth("enclosure") if row["is_listed"]]
    inside = {(row["account_id"], row["source_listing_id"]) for row in truth if low <= row["price"] <= high}
    assert set(raw.present("enclosure")) == inside
    burst_outside = [row for row in truth if row["created_at"] == second and not low <= row["price"] <= high]
    assert any(row["price"] < low for row in burst_outside) and any(row["price"] > high for row in burst_outside)
    assert max(in_second for _, in_second in by_territory(raw, "enclosure", second).values()) > 50
    assert last_scan("enclosure")["complete"]


def test_a_slice_of_one_second_and_one_price_leaves_the_scan_incomplete_and_retires_nothing(
    start_pipeline_sandbox: Callable[..., Sandbox], raw: RawReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fifty listings of one second at one price are what a price slice cannot split. The sandbox's
    burst has random prices, so none holds fifty; at a page of two (``limit`` may be 1 to 50,
    enclosure_koto.txt:42) two listings of the burst at one price are the same case: the one-price
    slice comes back full, and the client cannot know whether a third shares it."""
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, options=BURST_ON_BOTH_HOSTS))
    load("enclosure")
    sandbox.advance_day()
    second = burst_second(sandbox, "enclosure")
    burst_prices = Counter(row["price"] for row in sandbox.truth("enclosure") if row["created_at"] == second)
    assert max(burst_prices.values()) >= 2  # the case this test needs
    monkeypatch.setattr("dlt_sources.enclosure_koto.PAGE_SIZE", 2)
    load("enclosure", full_scan=True)
    scan = last_scan("enclosure")
    assert not scan["complete"]
    assert f"created_at {second}, price" in scan["incomplete_reason"]
    assert "one second and one price" in scan["incomplete_reason"]
    assert gone(sandbox, "enclosure") & {(row.account_id, row.source_listing_id) for row in raw.rows("enclosure")}
    assert raw.removals("enclosure") == set()  # listings did leave on day 1, but an incomplete scan retires none
    assert set(raw.present("enclosure")) >= listed_truth(sandbox, "enclosure")  # the rest of the burst was read


def test_a_price_filter_that_is_not_a_whole_number_fails_before_any_request(pipeline_sandbox: Sandbox) -> None:
    """`price_min`/`price_max` are integers (enclosure_koto.txt:48-49), and the price slices cut them."""
    with pytest.raises(PipelineStepFailed, match="price_max must be a whole number"):
        load("enclosure", filters={"price_max": 250_000.5})
    assert pipeline_sandbox.stats("enclosure").get("requests", 0) == 0


def test_a_listing_priced_out_of_the_search_is_asked_about_not_removed(pipeline_sandbox: Sandbox, raw) -> None:
    """With `price_min` in the filters, a listing whose price drops below it leaves the search, not the
    market: GET /v1/listings/{id} (enclosure_koto.txt:15-25) answers, and its new price is stored."""
    prices = sorted(row["price"] for row in pipeline_sandbox.truth("enclosure") if row["is_listed"])
    price_min = prices[len(prices) // 2]
    load("enclosure", full_scan=True, filters={"price_min": price_min})
    inside = set(raw.present("enclosure"))
    pipeline_sandbox.advance_day()
    load("enclosure", full_scan=True, filters={"price_min": price_min})
    now = {(row["account_id"], row["source_listing_id"]): row for row in pipeline_sandbox.truth("enclosure")}
    priced_out = {key for key in inside if now[key]["is_listed"] and now[key]["price"] < price_min}
    assert priced_out  # the day cut some prices below the filter
    assert raw.removals("enclosure") == inside - listed_truth(pipeline_sandbox, "enclosure")  # only the gone
    present = raw.present("enclosure")
    assert {key: present[key]["price"] for key in priced_out} == {key: now[key]["price"] for key in priced_out}
