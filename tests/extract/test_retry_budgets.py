"""Retries within a time budget (dlt_sources/common/retries.py), against the sandbox over real HTTP:
429 bursts and storms longer than dlt's five attempts are waited out as the provider says, transient
failures back off until their budget is spent, and what retrying cannot fix fails at once."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from dlt_sources.common.errors import ProviderRequestError
from dlt_sources.common.http import RequestStats
from dlt_sources.common.retries import RetrySettings
from listings_sandbox import Sandbox, SandboxConfig
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.registry import by_name

from .conftest import listed_truth

HOSTS = ("actuallycare", "apimo", "avaroai", "enclosure", "estateprime")  # koto runs enclosure's code
FAST_BACKOFF = {"SOURCES__BACKOFF_INITIAL_SECONDS": "0.02", "SOURCES__BACKOFF_MAX_SECONDS": "0.1"}


@pytest.fixture
def sandbox(start_pipeline_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    for name, value in FAST_BACKOFF.items():
        monkeypatch.setenv(name, value)
    return start_pipeline_sandbox(SandboxConfig(seed=5, options={"avaroai": {"rate_limit": (20, 0.2)}}))


def load(host: str) -> None:
    listings_pipeline(host).run(by_name(host).dlt_source()())


def counted(host: str, load_it: Callable[[], None]) -> dict[str, float]:
    """What ``load_it`` added to the process's request counts. The seconds are rounded to the
    microsecond: a difference of two running float sums is off in its last bits (2 + 2 waits read
    3.9999999999999996 after an earlier test's fractional backoffs)."""
    before = RequestStats.snapshot(host)
    load_it()
    return {name: round(value, 6) for name, value in (RequestStats.snapshot(host) - before).items()}


@pytest.mark.parametrize("host", HOSTS)
def test_a_burst_of_twenty_429s_without_retry_after_is_waited_out(sandbox: Sandbox, raw, host: str) -> None:
    sandbox.arm_fault(host, "rate_limit_burst", times=20, after=1, retry_after=None)
    figures = counted(host, lambda: load(host))
    assert sandbox.app(host).faults.armed() == []
    assert figures["status_429"] == 20 and figures["retries"] == 20
    assert figures["retry_wait_seconds"] > 0
    assert set(raw.present(host)) == listed_truth(sandbox, host)  # the scan completed


def test_avaroai_waits_a_whole_documented_window_after_a_429_without_retry_after(sandbox: Sandbox) -> None:
    sandbox.arm_fault("avaroai", "rate_limit_burst", times=3, retry_after=None)
    figures = counted("avaroai", lambda: load("avaroai"))
    # the pacer's window (0.2 s here, 60 s documented) and its margin, rounded up to whole seconds
    assert figures["status_429"] == 3 and figures["retry_wait_seconds"] == 3 * 1


def test_retry_after_is_honoured(sandbox: Sandbox) -> None:
    sandbox.arm_fault("actuallycare", "rate_limit_burst", times=2, retry_after=2)
    figures = counted("actuallycare", lambda: load("actuallycare"))
    # each 429 waited its 2 s; on a loaded machine a refused connection may add a backoff of <= 0.1 s
    assert figures["status_429"] == 2 and 4 <= figures["retry_wait_seconds"] < 4.5


def test_retry_after_as_an_http_date_is_honoured(sandbox: Sandbox) -> None:
    """Retry-After may be a date (RFC 9110 10.2.3), not only seconds."""
    in_three_seconds = format_datetime(datetime.now(UTC) + timedelta(seconds=3), usegmt=True)
    sandbox.arm_fault("koto", "rate_limit_burst", retry_after=in_three_seconds)
    figures = counted("koto", lambda: load("koto"))
    assert figures["status_429"] == 1 and 1 <= figures["retry_wait_seconds"] <= 3


@pytest.mark.parametrize("host", ["actuallycare", "enclosure"])
def test_a_storm_lasting_seconds_is_waited_out(sandbox: Sandbox, raw, host: str) -> None:
    sandbox.arm_fault(host, "rate_limit_storm", seconds=2.0)
    figures = counted(host, lambda: load(host))
    assert figures["status_429"] >= 10  # every answer for two seconds, at a backoff of at most 0.1 s
    assert figures["retry_wait_seconds"] >= 1.5
    assert set(raw.present(host)) == listed_truth(sandbox, host)


@pytest.mark.parametrize("host", HOSTS)
def test_every_kind_of_trouble_on_one_scan(sandbox: Sandbox, raw, host: str) -> None:
    sandbox.arm_fault(host, "server_error", times=0, rate=0.3, status=500)
    sandbox.arm_fault(host, "rate_limit_burst", times=6, retry_after=None)
    sandbox.arm_fault(host, "rate_limit_storm", after=8, seconds=0.5)
    sandbox.arm_fault(host, "truncated_body", after=1)
    sandbox.arm_fault(host, "truncated_json", after=2)
    load(host)
    assert [fault["kind"] for fault in sandbox.app(host).faults.armed()] == ["server_error"]
    assert sandbox.stats(host)["status_500"] > 0
    assert set(raw.present(host)) == listed_truth(sandbox, host)
    assert raw.quarantined(host) == [] and raw.repeated_versions(host) == []


def test_each_wait_is_logged_with_provider_account_path_status_attempt_and_seconds(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.arm_fault("estateprime", "rate_limit_burst", times=2, retry_after=1)
    with caplog.at_level(logging.INFO, logger="dlt_sources.common.http"):
        load("estateprime")
    waits = [record.getMessage() for record in caplog.records if record.name == "dlt_sources.common.http"]
    store = sandbox.info()["providers"]["estateprime"]["accounts"][0]["store_id"]
    assert waits == [
        f"estateprime account {store}: GET /api/listings: HTTP 429 (attempt 1); retrying in 1 s (Retry-After)",
        f"estateprime account {store}: GET /api/listings: HTTP 429 (attempt 2); retrying in 1 s (Retry-After)",
    ]


def test_transient_failures_give_up_after_their_attempts_with_a_clear_error(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__ACTUALLYCARE__TRANSIENT_MAX_ATTEMPTS", "4")
    sandbox.arm_fault("actuallycare", "server_error", times=0)
    with pytest.raises(Exception) as failure:
        load("actuallycare")
    assert sandbox.stats("actuallycare")["status_503"] == 4  # four attempts, then no more
    error = failure.value
    while error.__cause__ is not None or error.__context__ is not None:  # dlt wraps the source's error
        error = error.__cause__ or error.__context__
    assert isinstance(error, ProviderRequestError)
    assert "HTTP 503 from GET /v1/listings: the API kept failing after the retries" in str(error)
    assert "transient_max_attempts" in str(error)


def test_a_rate_limit_past_its_budget_fails_naming_the_setting(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__ACTUALLYCARE__RATE_LIMIT_BUDGET_SECONDS", "3")
    sandbox.arm_fault("actuallycare", "rate_limit_burst", times=0, retry_after=2)
    with pytest.raises(Exception, match="rate_limit_budget_seconds"):
        load("actuallycare")
    assert sandbox.stats("actuallycare")["status_429"] == 2  # waited 2 s once; 2 more would pass 3 s


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_what_retrying_cannot_fix_fails_at_once(sandbox: Sandbox, status: int) -> None:
    sandbox.arm_fault("apimo", "server_error", times=0, status=status)
    with pytest.raises(Exception, match=f"HTTP {status} from GET"):
        load("apimo")
    assert sandbox.stats("apimo")["requests"] == 1


def test_retry_settings_are_read_per_provider_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__AVAROAI__RATE_LIMIT_BUDGET_SECONDS", "1800")
    monkeypatch.setenv("SOURCES__TRANSIENT_MAX_ATTEMPTS", "4")  # every provider
    avaroai, koto = RetrySettings.for_provider("avaroai"), RetrySettings.for_provider("koto")
    assert (avaroai.rate_limit_budget_seconds, koto.rate_limit_budget_seconds) == (1800, 900)
    assert avaroai.transient_max_attempts == koto.transient_max_attempts == 4
    monkeypatch.setenv("SOURCES__KOTO__BACKOFF_MAX_SECONDS", "0")
    with pytest.raises(Exception, match="backoff"):
        RetrySettings.for_provider("koto")


@pytest.mark.soak  # minutes: `make soak`
def test_a_storm_of_twenty_429s_is_survived_with_the_default_budget(
    start_pipeline_sandbox: Callable[..., Sandbox], raw
) -> None:
    """The defaults as shipped (a backoff from 1 s doubling to 30 s, 900 s of 429s allowed per
    request): twenty 429s in a row without Retry-After take several minutes and fail nothing."""
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=5))
    sandbox.arm_fault("enclosure", "rate_limit_burst", times=20, retry_after=None)
    figures = counted("enclosure", lambda: load("enclosure"))
    assert figures["status_429"] == 20 and 120 < figures["retry_wait_seconds"] <= 900
    assert set(raw.present("enclosure")) == listed_truth(sandbox, "enclosure")
