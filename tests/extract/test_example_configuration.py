"""`.dlt/config.toml.example` and `.dlt/secrets.toml.example` document every setting of every source,
with the defaults the code has: a new setting or a changed default that the examples miss fails here."""

import inspect
import tomllib
from pathlib import Path

import pytest

from dlt_sources.common.retries import RetrySettings
from orchestration.registry import by_name, provider_names

DLT_DIR = Path(__file__).resolve().parents[2] / ".dlt"
CONFIG = (DLT_DIR / "config.toml.example").read_text()
SECRETS = (DLT_DIR / "secrets.toml.example").read_text()


def settings(source: str) -> dict[str, inspect.Parameter]:
    function = by_name(source).dlt_source()
    return dict(inspect.signature(getattr(function, "__wrapped__", function)).parameters)


@pytest.mark.parametrize("source", provider_names())
def test_every_setting_of_a_source_is_in_the_examples(source: str) -> None:
    config = tomllib.loads(CONFIG)["sources"][source]
    secrets = tomllib.loads(SECRETS)["sources"][source]
    section = CONFIG[CONFIG.index(f"[sources.{source}]") :].split("\n[", 1)[0]
    for name, parameter in settings(source).items():
        is_secret = "SecretValue" in repr(parameter.default)
        if is_secret:
            assert name in secrets and name not in config, f"{source}.{name}: a secret, in secrets.toml.example only"
        elif name in config:
            has_default = parameter.default is not None and "ConfigValue" not in repr(parameter.default)
            assert not has_default or config[name] == parameter.default, f"{source}.{name}: not the code's default"
        else:  # an optional mapping shown commented out
            assert f"# {name} = " in section, f"{source}.{name} is not documented in config.toml.example"
    assert set(config) | set(secrets) <= set(settings(source)), f"{source}: a setting the source does not take"


def test_the_retry_settings_and_their_defaults_are_in_the_examples() -> None:
    shared = {name: value for name, value in tomllib.loads(CONFIG)["sources"].items() if not isinstance(value, dict)}
    defaults = RetrySettings()
    assert shared == {name: getattr(defaults, name) for name in RetrySettings.__annotations__}
