"""The sandbox's hosts come from the registry; each is built by the provider module that declares it,
with that module's options."""

import argparse

import pytest

from listings_sandbox import HOSTS, Sandbox, SandboxConfig, dlt_environment, provider_module
from listings_sandbox.cli import add_commands
from listings_sandbox.providers import modules_by_host
from orchestration.registry import PROVIDERS, provider_names

from .conftest import actuallycare_session


def test_every_registry_provider_is_a_host_served_by_one_module() -> None:
    assert tuple(provider_names()) == HOSTS
    modules = modules_by_host()
    assert set(HOSTS) <= set(modules), "a registry provider without a sandbox module"
    for host in HOSTS:
        module = provider_module(host)
        assert host in module.hosts and module.sizes[host] and module.max_page_size > 0


def test_the_dlt_environment_sets_every_secret_the_registry_names() -> None:
    sandbox = Sandbox(SandboxConfig(seed=3))
    environment = dlt_environment(sandbox.info())
    for provider in PROVIDERS:
        prefix = f"SOURCES__{provider.name.upper()}__"
        assert prefix + "BASE_URL" in environment, provider.name
        for secret in provider.secrets:
            assert environment.get(prefix + secret.upper()), (provider.name, secret)


def test_options_are_checked_against_the_modules_options() -> None:
    with pytest.raises(ValueError, match="has no option 'nope'"):
        SandboxConfig(options={"apimo": {"nope": True}})
    with pytest.raises(ValueError, match="no sandbox host"):
        SandboxConfig(options={"nowhere": {}})
    with pytest.raises(ValueError, match="rate limit"):
        SandboxConfig(options={"avaroai": {"rate_limit": 20}})
    assert SandboxConfig(options={"apimo": {"public_mode": True}}).host_options("apimo").public_mode is True
    assert SandboxConfig().host_options("apimo").public_mode is False


def test_options_are_per_host_even_where_one_module_serves_two() -> None:
    sandbox = Sandbox(SandboxConfig(options={"koto": {"strict_times": False}}))
    assert sandbox.options["koto"].strict_times is False and sandbox.options["enclosure"].strict_times is True


def serve_arguments(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    return parser.parse_args(["sandbox", "serve", *argv])


def test_the_serve_command_takes_a_quota_per_provider() -> None:
    args = serve_arguments("--rate-limit", "avaroai=5/2", "--rate-limit", "actuallycare=off")
    assert args.rate_limit == [("avaroai", (5, 2.0)), ("actuallycare", None)]
    assert not serve_arguments().rate_limit and serve_arguments("--no-rate-limits").no_rate_limits
    with pytest.raises(SystemExit):
        serve_arguments("--rate-limit", "apimo=5/2")  # no quota option: none documented


def test_served_records_are_every_listed_record_as_the_list_serves_it(docs_sandbox: Sandbox) -> None:
    for host in HOSTS:
        records = list(docs_sandbox.app(host).served_records())
        assert len(records) == sum(world.listed_count for world in docs_sandbox.worlds(host)), host
    session, url = actuallycare_session(docs_sandbox)
    first_page = session.get(url, params={"limit": 100}).json()["data"]["listings"]
    assert list(docs_sandbox.app("actuallycare").served_records())[:100] == first_page
