"""The provider registry (orchestration/registry.py) is the one list of providers: the definitions and
the dbt union follow it, a provider taken out of it leaves no trace in either, and outside each
provider's own folders, the registry, the tests and the docs, no file names a provider."""

import inspect
import io
import json
import re
import subprocess
import tokenize
import tomllib
from pathlib import Path

import pytest

from orchestration.definitions import build_definitions
from orchestration.defs.transform.assets import listings_dbt_project
from orchestration.registry import PROVIDERS, dbt_vars, provider_names
from orchestration.settings import DBT_PROJECT_DIR, REPO_ROOT

REMOVED = "koto"  # any provider would do: it shares its dlt source folder and sandbox module with another
NARROWER = tuple(provider for provider in PROVIDERS if provider.name != REMOVED)
# dbt models that read every provider's staging models (or raw): the union of the registry's sources
UNIONS = ("int_source_loads", "int_listing_versions", "int_listing_misses", "int_quarantined_records")


def test_a_provider_taken_out_of_the_registry_leaves_no_asset_job_schedule_or_check() -> None:
    definitions = build_definitions(NARROWER)
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert not {key for key in keys if REMOVED in key}, "an asset of the removed provider"
    assert {f"raw_{provider}" for provider in provider_names(NARROWER)} <= {key.split("/")[0] for key in keys}
    jobs = {job.name for job in definitions.jobs}
    assert f"load_{REMOVED}" not in jobs and {f"load_{name}" for name in provider_names(NARROWER)} <= jobs
    schedules = {schedule.name for schedule in definitions.schedules}
    assert not {name for name in schedules if REMOVED in name}
    checks = {key.asset_key.to_user_string() for key in graph.asset_check_keys if key.name == "freshness_check"}
    assert checks == {f"raw_{name}/{name}_listings" for name in provider_names(NARROWER)}


def test_the_dbt_union_follows_the_registry() -> None:
    full = manifest(listings_dbt_project())
    narrower = manifest(listings_dbt_project(NARROWER))
    for union in UNIONS:
        node = f"model.listings.{union}"
        full_parents = set(full["nodes"][node]["depends_on"]["nodes"])
        narrower_parents = set(narrower["nodes"][node]["depends_on"]["nodes"])
        removed = {parent for parent in full_parents if f"stg_{REMOVED}__" in parent or f".raw_{REMOVED}." in parent}
        assert removed, f"{union} does not read {REMOVED}'s staging models or raw with the whole registry"
        assert narrower_parents == full_parents - removed, union
    # the removed provider's staging models and raw sources are disabled: a warehouse without its raw
    # dataset still builds
    enabled = {node for node, properties in narrower["nodes"].items() if properties["config"].get("enabled", True)}
    assert not {node for node in enabled if f"stg_{REMOVED}__" in node}
    assert not {source for source in narrower["sources"] if f"raw_{REMOVED}" in source}


def manifest(project) -> dict:  # noqa: ANN001 (dagster-dbt's DbtProject)
    return json.loads(Path(project.manifest_path).read_text())


def test_the_manifest_records_the_registry_and_engine_it_was_parsed_for() -> None:
    project = listings_dbt_project(NARROWER)
    parsed_for = json.loads(Path(project.manifest_path).with_name("parsed_for.json").read_text())
    assert parsed_for == {"vars": dbt_vars(NARROWER), "engine": "duckdb"}
    assert manifest(project)["metadata"]["adapter_type"] == "duckdb"
    assert Path(project.manifest_path).parent != Path(listings_dbt_project().manifest_path).parent


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda provider: provider.name)
def test_every_registry_entry_has_its_parts(provider) -> None:  # noqa: ANN001 (a registry Provider)
    """What a new provider must bring besides its registry entry, named when missing."""
    source = provider.dlt_source()
    secrets = {
        name
        for name, parameter in inspect.signature(getattr(source, "__wrapped__", source)).parameters.items()
        if "SecretValue" in repr(parameter.default)
    }
    assert set(provider.secrets) == secrets, "the registry's secret names are the dlt source's secrets"
    example = tomllib.loads((REPO_ROOT / ".dlt" / "secrets.toml.example").read_text())["sources"]
    assert set(provider.secrets) <= set(example.get(provider.name, {})), "secrets.toml.example lacks them"
    staging = DBT_PROJECT_DIR / "models" / "staging" / provider.name
    for model in ("listings", "loads"):
        assert (staging / f"stg_{provider.name}__{model}.sql").exists(), f"no stg_{provider.name}__{model}"
    crosswalk = (DBT_PROJECT_DIR / "seeds" / "crosswalk_vocabulary.csv").read_text()
    assert f"\n{api(provider)}," in crosswalk, "no crosswalk rows for its API's words"


def api(provider) -> str:  # noqa: ANN001 (a registry Provider)
    """The provider API a source reads: its dlt source package (one API may serve several sources),
    the crosswalk's ``provider``."""
    return provider.source.split(":")[0].split(".")[1]


def provider_folders(provider) -> list[str]:  # noqa: ANN001 (a registry Provider)
    """Where a provider may be named: its own folders (its dlt source package, its staging models and
    the staging macro its API's sources share, its sandbox module)."""
    package = api(provider)
    return [
        f"dbt_project/macros/stg_{package}_",
        f"dlt_sources/{package}/",
        f"dbt_project/models/staging/{provider.name}/",
        f"sandbox/listings_sandbox/providers/{package}.py",
    ]


# Where any provider may be named: the registry, the crosswalk's rows (one per provider word), the
# tests, and the docs (markdown, dbt's property files' descriptions, the dlt configuration examples).
# A known exception, to move into the providers' own folders: the sandbox's pool of homes listed on
# several US portals names the three (each provider module could say whether it lists pool homes).
NAMES_A_PROVIDER_FOR_NOW = ("sandbox/listings_sandbox/homes.py",)

SHARED = (
    "orchestration/registry.py",
    "dbt_project/seeds/crosswalk_vocabulary.csv",
    "dbt_project/seeds/crosswalk_features.csv",
    "tests/",
    ".dlt/config.toml.example",
    ".dlt/secrets.toml.example",
)


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda provider: provider.name)
def test_no_file_outside_its_own_folders_names_a_provider(provider) -> None:  # noqa: ANN001 (a registry Provider)
    named = subprocess.run(
        ["git", "grep", "-il", provider.name, "--", ".", ":!*.md"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # Enclosure and Koto are one API: each may name the other in the folders they share
    same_api = [other for other in PROVIDERS if other.source.split(":")[0] == provider.source.split(":")[0]]
    own = tuple(folder for other in same_api for folder in provider_folders(other))
    allowed = own + SHARED + NAMES_A_PROVIDER_FOR_NOW
    outside = [
        path
        for path in named
        if not path.startswith(allowed)
        and not (path.endswith(".yml") and only_in_descriptions(path, provider.name))
        and provider.name in code_of(path)
    ]
    assert outside == [], f"{provider.name} is named outside its own folders and the registry"


def code_of(path: str) -> str:
    """A file's text less its comments and docstrings, in lower case: what names a provider as a fact
    rather than in a sentence about it (a shared model's note of which providers send a field)."""
    text = (REPO_ROOT / path).read_text()
    if path.endswith(".py"):
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        kept, previous = [], tokenize.NEWLINE
        for token in tokens:
            is_docstring = token.type == tokenize.STRING and previous in (
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.NL,
            )
            if token.type != tokenize.COMMENT and not is_docstring:
                kept.append(token.string)
            if token.type not in (tokenize.COMMENT,):
                previous = token.type
        return " ".join(kept).lower()
    if path.endswith(".sql"):
        text = re.sub(r"\{#.*?#\}", " ", text, flags=re.DOTALL)
        return re.sub(r"--[^\n]*", " ", text).lower()
    if path.endswith((".yml", ".yaml", ".toml")):
        text = text.split("\nunit_tests:\n")[0]  # a dbt unit test's rows are a test's fixtures
        return re.sub(r"(?m)^\s*#[^\n]*|\s#\s[^\n]*", " ", text).lower()
    return text.lower()


def only_in_descriptions(path: str, name: str) -> bool:
    """Whether every line of a dbt property file that names ``name`` is documentation: a
    ``description`` or a line of one (indented below it)."""
    description_indent = None
    for line in (REPO_ROOT / path).read_text().splitlines():
        if line == "unit_tests:":  # the rest are a test's fixtures
            break
        indent = len(line) - len(line.lstrip())
        if description_indent is not None and line.strip() and indent <= description_indent:
            description_indent = None
        if line.lstrip().startswith(("description:", "- description:")):
            description_indent = indent
        elif name in line.lower() and description_indent is None:
            return False
    return True
