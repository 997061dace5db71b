"""Bad configuration fails with a message naming provider and cause, before any data is written."""

import duckdb
import pytest
from dlt.common.configuration.exceptions import ConfigFieldMissingException
from dlt.pipeline.exceptions import PipelineStepFailed

from listings_sandbox import Sandbox
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.registry import by_name, provider_names
from orchestration.settings import warehouse_path

SECRET_SETTING = {
    "actuallycare": "API_KEY",
    "apimo": "TOKEN",
    "avaroai": "API_KEY",
    "enclosure": "KEY",
    "estateprime": "API_KEYS",
    "koto": "KEY",
}
WRONG_SECRET = {"estateprime": '{"1": "wrong-key-123", "2": "wrong-key-456"}'}


def load(provider: str) -> None:
    listings_pipeline(provider).run(by_name(provider).dlt_source()())


def raw_tables(provider: str) -> list[str]:
    if not warehouse_path().exists():
        return []
    with duckdb.connect(str(warehouse_path()), read_only=True) as con:
        return [
            row[0]
            for row in con.execute(
                f"select table_name from duckdb_tables() where schema_name = 'raw_{provider}'"
            ).fetchall()
        ]


@pytest.mark.parametrize("provider", provider_names())
def test_a_missing_credential_fails_before_any_request(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    monkeypatch.delenv(f"SOURCES__{provider.upper()}__{SECRET_SETTING[provider]}")
    with pytest.raises(ConfigFieldMissingException, match=SECRET_SETTING[provider].lower()):
        load(provider)
    assert pipeline_sandbox.stats(provider).get("requests", 0) == 0 and raw_tables(provider) == []


@pytest.mark.parametrize("provider", provider_names())
def test_a_refused_credential_fails_fast_without_retrying(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    monkeypatch.setenv(
        f"SOURCES__{provider.upper()}__{SECRET_SETTING[provider]}", WRONG_SECRET.get(provider, "wrong-key-123")
    )
    with pytest.raises(PipelineStepFailed, match=rf"{provider} account \S+: HTTP 40[13] from GET .*check this account"):
        load(provider)
    assert pipeline_sandbox.stats(provider)["requests"] == 1 and raw_tables(provider) == []


@pytest.mark.parametrize("provider", provider_names())
def test_a_wrong_url_fails_with_what_to_fix(
    pipeline_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    setting = f"SOURCES__{provider.upper()}__BASE_URL"
    monkeypatch.setenv(setting, "api.example.com/v1")  # no scheme
    with pytest.raises(PipelineStepFailed, match="base_url 'api.example.com/v1' is not an http"):
        load(provider)
    monkeypatch.setenv(setting, pipeline_sandbox.info()["providers"][provider]["base_url"] + "/nowhere")
    with pytest.raises(PipelineStepFailed, match=rf"{provider} account \S+: HTTP 404 .*check base_url"):
        load(provider)
    assert pipeline_sandbox.stats(provider)["requests"] == 1 and raw_tables(provider) == []
