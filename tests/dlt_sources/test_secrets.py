"""Credentials never reach logs (even at DEBUG), the warehouse file or dlt's state."""

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from dlt_sources.actuallycare import actuallycare_source
from dlt_sources.avaroai import avaroai_source
from dlt_sources.common.secrets import MASK, register_secrets
from dlt_sources.sandbox import Sandbox, SandboxConfig
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.settings import data_dir


def test_a_registered_secret_is_masked_in_any_logger_even_inside_urls(caplog: pytest.LogCaptureFixture) -> None:
    register_secrets("s3cr3t-query-key")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3.connectionpool").debug(
        "GET /v1/listings?key=%s&territory=ter_west HTTP/1.1", "s3cr3t-query-key"
    )
    assert "s3cr3t-query-key" not in caplog.text and f"key={MASK}&territory" in caplog.text


def test_no_credential_reaches_logs_warehouse_or_dlt_state(
    start_pipeline_sandbox: Callable[..., Sandbox], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("RUNTIME__LOG_LEVEL", "DEBUG")  # dlt's REST client logs headers and params here
    caplog.set_level(logging.DEBUG)
    dlt_logger = logging.getLogger("dlt")  # it does not propagate to the root logger
    dlt_logger.addHandler(caplog.handler)
    monkeypatch.setattr(dlt_logger, "level", logging.DEBUG)
    sandbox = start_pipeline_sandbox(SandboxConfig(seed=3, avaroai_rate_limit=(20, 1.0)))
    providers = sandbox.info()["providers"]
    secrets = [providers["actuallycare"]["api_key"], providers["avaroai"]["api_key"]]
    listings_pipeline("actuallycare").run(actuallycare_source())
    listings_pipeline("avaroai").run(avaroai_source())
    assert "Making GET request" in caplog.text  # the logs were really captured
    written = [path for path in Path(data_dir()).rglob("*") if path.is_file()]
    assert any(path.suffix == ".duckdb" for path in written)
    hits = [(secret[:4], str(path)) for path in written for secret in secrets if secret.encode() in path.read_bytes()]
    hits += [(secret[:4], "logs") for secret in secrets if secret in caplog.text]
    assert hits == []
    dlt_logger.removeHandler(caplog.handler)
    assert "Starting new HTTPS connection" not in caplog.text  # nothing left loopback (dlt telemetry is off)
