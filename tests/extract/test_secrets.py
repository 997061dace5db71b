"""Credentials never reach logs (even at DEBUG), exception texts, the warehouse, dlt state or
Dagster's event logs, for every provider, including Enclosure/Koto whose key travels in the URL."""

import json
import logging
import traceback
from pathlib import Path
from urllib.parse import quote, quote_plus

import dagster as dg
import dlt
import duckdb
import pytest
from dagster_dlt import DagsterDltResource
from dlt.pipeline.exceptions import PipelineStepFailed

from dlt_sources.common.raw import canonical_json, raw_columns
from dlt_sources.common.scan import AccountScan
from dlt_sources.common.secrets import MASK, redact, register_secrets
from dlt_sources.enclosure_koto import enclosure_source
from listings_sandbox import HOSTS, Sandbox
from orchestration.defs.ingest.assets import build_raw_assets
from orchestration.defs.ingest.pipelines import keep_dlt_telemetry_off, listings_pipeline
from orchestration.settings import data_dir, warehouse_path
from orchestration.warehouse.resource import Warehouse


def test_a_registered_secret_is_masked_in_any_logger_even_inside_urls(caplog: pytest.LogCaptureFixture) -> None:
    register_secrets("s3cr3t-query-key")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3.connectionpool").debug(
        "GET /v1/listings?key=%s&territory=ter_west HTTP/1.1", "s3cr3t-query-key"
    )
    assert "s3cr3t-query-key" not in caplog.text and f"key={MASK}&territory" in caplog.text


def test_a_payload_loses_the_secret_in_every_spelling_and_stays_json() -> None:
    secret = 'k3y+with/"quote"'
    register_secrets(secret)
    spelled = [secret, quote(secret, safe=""), quote_plus(secret)]
    payload = canonical_json({"links": [f"https://api.example/v1/x?key={form}" for form in spelled], "raw": secret})
    assert '\\"quote\\"' in payload  # the JSON text escapes it
    masked = redact(payload)
    assert json.loads(masked) == {"links": [f"https://api.example/v1/x?key={MASK}"] * 3, "raw": MASK}


def test_a_secret_echoed_in_one_record_of_a_page_is_masked_in_raw_and_the_others_are_stored_as_read(
    tmp_path: Path,
) -> None:
    secret = "echo-k3y/one+record"
    register_secrets(secret)
    page = [{"id": str(n), "price": 100 + n, "links": {"self": f"/v1/listings/{n}"}} for n in range(5)]
    page[2]["links"]["photo"] = f"https://cdn.example/p.jpg?key={quote(secret, safe='')}&sig=1"
    page[3]["notes"] = f"ask {secret} for access"

    @dlt.resource(name="listings", write_disposition="append", columns=raw_columns())
    def listings():
        scan = AccountScan("test", "default", full=True)
        yield from scan.add_page(page)
        yield from scan.finish()

    keep_dlt_telemetry_off()  # as the project's own pipelines: a later test asserts nothing left loopback
    pipeline = dlt.pipeline(
        pipeline_name="echo",
        destination=dlt.destinations.duckdb(str(tmp_path / "echo.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    pipeline.run(listings()).raise_on_failed_jobs()
    with pipeline.sql_client() as client:
        stored = dict(client.execute_sql("select source_listing_id, payload from listings"))
    assert set(stored) == {"0", "1", "2", "3", "4"}
    assert not [payload for payload in stored.values() if secret in payload or quote(secret, safe="") in payload]
    assert json.loads(stored["2"])["links"]["photo"] == f"https://cdn.example/p.jpg?key={MASK}&sig=1"
    assert json.loads(stored["3"])["notes"] == f"ask {MASK} for access"
    assert {key: stored[key] for key in "014"} == {key: canonical_json(page[int(key)]) for key in "014"}


def test_no_credential_reaches_logs_errors_warehouse_dlt_state_or_dagster(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUNTIME__LOG_LEVEL", "DEBUG")  # dlt's REST client logs headers and params here
    monkeypatch.setenv("SOURCES__TRANSIENT_MAX_ATTEMPTS", "2")  # the failing run below gives up sooner
    caplog.set_level(logging.DEBUG)
    dlt_logger = logging.getLogger("dlt")  # it does not propagate to the root logger
    dlt_logger.addHandler(caplog.handler)
    monkeypatch.setattr(dlt_logger, "level", logging.DEBUG)
    secrets = pipeline_sandbox.credential_values()
    assert len(secrets) == 7  # ActuallyCare, AvaroAI, Apimo, two EstatePrime stores, Enclosure, Koto
    for host in HOSTS:  # every list page echoes its credential in a link on each record
        pipeline_sandbox.arm_fault(host, "echo_credentials", times=0)
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    settings = {"python_logs": {"managed_python_loggers": ["dlt_sources", "dlt"], "python_log_level": "DEBUG"}}
    with dg.instance_for_test(temp_dir=str(dagster_home), overrides=settings) as instance:
        result = dg.materialize(
            list(build_raw_assets().values()),
            resources={"dlt": DagsterDltResource(), "warehouse": Warehouse.from_settings()},
            instance=instance,
        )
        assert result.success
        pipeline_sandbox.clear_faults()
        pipeline_sandbox.arm_fault("enclosure", "server_error", times=0)  # a failure, with its error text
        failed = dg.materialize(
            list(build_raw_assets().values()),
            selection="raw_enclosure/enclosure_listings",
            resources={"dlt": DagsterDltResource(), "warehouse": Warehouse.from_settings()},
            instance=instance,
            raise_on_error=False,
        )
        assert not failed.success
        failure = next(event for event in failed.all_events if event.is_step_failure)
        error_text = str(failure.event_specific_data.error.to_string())
    dlt_logger.removeHandler(caplog.handler)
    assert "HTTP 503 from GET /v1/listings" in error_text  # the real error text was captured
    assert "Making GET request" in caplog.text  # and so were the DEBUG logs
    files = [path for folder in (Path(data_dir()), dagster_home) for path in folder.rglob("*") if path.is_file()]
    assert any(path.suffix == ".duckdb" for path in files) and any(path.suffix == ".db" for path in files)
    texts = {"logs": caplog.text, "dagster error": error_text}
    hits = [(secret[:4], name) for name, text in texts.items() for secret in secrets if secret in text]
    hits += [(secret[:4], str(path)) for path in files for secret in secrets if secret.encode() in path.read_bytes()]
    assert hits == []
    assert warehouse_texts_holding(secrets) == []  # DuckDB compresses strings: the bytes alone prove little
    assert echoed_links_masked() == {f"raw_{host}": True for host in HOSTS}
    assert "Starting new HTTPS connection" not in caplog.text  # nothing left loopback (dlt telemetry is off)


def test_a_request_error_carries_no_url_query_and_chains_no_original(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__TRANSIENT_MAX_ATTEMPTS", "2")
    key = pipeline_sandbox.info()["providers"]["enclosure"]["key"]
    pipeline_sandbox.arm_fault("enclosure", "server_error", times=0)
    with pytest.raises(PipelineStepFailed) as failure:
        listings_pipeline("enclosure").run(enclosure_source())
    text = "".join(traceback.format_exception(failure.value))  # with every cause and context
    assert "enclosure account enclosure: HTTP 503 from GET /v1/listings" in text
    assert key not in text and "key=" not in text


def warehouse_texts_holding(secrets: list[str]) -> list[str]:
    """Every text column of every warehouse table that holds a secret, searched by SQL."""
    with duckdb.connect(str(warehouse_path()), read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON')"
        ).fetchall()
        return [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            for secret in secrets
            if connection.execute(
                f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)', [secret]
            ).fetchone()[0]
        ]


def echoed_links_masked() -> dict[str, bool]:
    """Per raw dataset: did its stored payloads keep the echoed links, with the key masked?"""
    with duckdb.connect(str(warehouse_path()), read_only=True) as connection:
        return {
            dataset: connection.execute(
                f"select count(*) > 0 from {dataset}.listings where contains(payload, '?key={MASK}')"
            ).fetchone()[0]
            for dataset in (f"raw_{host}" for host in HOSTS)
        }
