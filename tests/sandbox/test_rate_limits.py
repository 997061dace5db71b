"""Quotas: AvaroAI's documented 20 per minute, ActuallyCare's 429 with Retry-After."""

import time

import requests

from listings_sandbox import Sandbox, SandboxConfig, provider_module

from .conftest import actuallycare_session, provider


def test_documented_quotas_are_the_defaults() -> None:
    config = SandboxConfig()
    assert config.host_options("avaroai").rate_limit == (20, 60.0)
    assert config.host_options("actuallycare").rate_limit == (120, 60.0)
    assert provider_module("avaroai").documented_quota == (20, 60.0)  # avaroai.txt:28
    assert provider_module("actuallycare").documented_quota is None


def test_rate_limits_off_turns_every_quota_off_but_those_the_options_set() -> None:
    config = SandboxConfig(rate_limits=False, options={"avaroai": {"rate_limit": [3, 1]}})
    assert config.host_options("avaroai").rate_limit == (3, 1.0)
    assert config.host_options("actuallycare").rate_limit is None


def test_avaroai_answers_429_past_its_quota_until_the_window_resets() -> None:
    with Sandbox(SandboxConfig(options={"avaroai": {"rate_limit": (3, 1.0)}})) as sandbox:
        info = provider(sandbox, "avaroai")
        headers = {"Authorization": f"Bearer {info['api_key']}"}
        url = info["base_url"] + "/listings"
        assert [requests.get(url, headers=headers).status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = requests.get(url, headers=headers)
        assert limited.status_code == 429 and "Retry-After" not in limited.headers  # none documented
        deadline = time.monotonic() + 5
        while requests.get(url, headers=headers).status_code == 429:
            assert time.monotonic() < deadline, "the window never reset"
            time.sleep(0.1)


def test_actuallycare_429_carries_retry_after_and_the_error_envelope() -> None:
    with Sandbox(SandboxConfig(options={"actuallycare": {"rate_limit": (2, 30.0)}})) as sandbox:
        session, url = actuallycare_session(sandbox)
        assert [session.get(url).status_code for _ in range(2)] == [200, 200]
        limited = session.get(url)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        assert limited.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
