"""The Dagster code location loads, and dlt and dbt assets form one lineage graph."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs, listings_run_job
from orchestration.defs.ingest.pipelines import listings_pipeline
from orchestration.registry import provider_names
from orchestration.settings import REPO_ROOT as REPO
from orchestration.settings import pipelines_dir


def asset_graph():
    return defs().resolve_asset_graph()


def test_definitions_load_with_the_expected_asset_keys() -> None:
    keys = {key.to_user_string() for key in asset_graph().get_all_asset_keys()}
    raw = {f"raw_{source}/{source}_listings" for source in provider_names()} | {
        f"raw_estateprime/estateprime_{lookup}" for lookup in ("sources", "tags", "custom_fields")
    }
    staging = {f"staging/stg_{source}__{entity}" for source in provider_names() for entity in ("listings", "loads")} | {
        f"staging/stg_estateprime__{lookup}" for lookup in ("sources", "tags", "custom_fields")
    }
    # each listing's agents and features, and its open houses, where the provider's document gives them
    staging |= {f"staging/stg_{source}__listing_agents" for source in provider_names()}
    staging |= {f"staging/stg_{source}__listing_features" for source in ("apimo", "avaroai", "estateprime")}
    staging |= {f"staging/stg_{source}__open_houses" for source in ("enclosure", "koto")}
    # the photos to copy (AvaroAI forbids hotlinking) and the copies made
    staging |= {"staging/stg_avaroai__photo_urls", "staging/stg_photos__downloads"}
    intermediate = {
        f"intermediate/{model}"
        for model in (
            "int_listing_versions",
            "int_listing_timeline",
            "int_source_loads",
            "int_quarantined_records",
            "int_unmapped_source_values",
            "int_listing_misses",
            "int_listing_states",
            "int_account_first_loads",
            "int_incremental_builds",
            "int_listing_latest_versions",
            "int_listing_agent_versions",
            "int_listing_agents",
            "int_listing_source_features",
            "int_listing_feature_versions",
            "int_listing_photo_sources",
            "int_listing_photo_mirror",
            "int_property_match_keys",
            "int_property_matches",
            "int_property_components",
            "int_fx_rates",
        )
    }
    marts = {f"marts/{model}" for model in ("listings", "listing_price_history", "listing_events", "listing_photos")}
    marts |= {f"marts/{model}" for model in ("agents", "offices", "listing_open_houses", "listing_features")}
    marts |= {"marts/properties", "marts/property_listings"}
    # deprecated model versions, built beside the latest until their deprecation date
    marts |= {f"marts/{model}_v1" for model in ("listings", "listing_price_history", "listing_events")}
    seeds = {"crosswalks/crosswalk_vocabulary", "crosswalks/crosswalk_features", "reference/fx_rates"}
    after = {"serving/marts", "report/market_metrics", "report/market_report", "photos/mirror"}
    assert keys == raw | staging | intermediate | marts | seeds | after


def test_dbt_source_key_equals_the_dlt_asset_key() -> None:
    graph = asset_graph()
    for source in provider_names():
        for entity in ("listings", "loads"):  # `_dlt_loads` is the raw listings asset too
            staging = graph.get(dg.AssetKey(["staging", f"stg_{source}__{entity}"]))
            assert {key.to_user_string() for key in staging.parent_keys} == {f"raw_{source}/{source}_listings"}
    versions = graph.get(dg.AssetKey(["intermediate", "int_listing_versions"]))
    # int_source_loads decides which committed loads are new, so it runs first
    assert {key.to_user_string() for key in versions.parent_keys} == {
        f"staging/stg_{s}__listings" for s in provider_names()
    } | {"intermediate/int_source_loads"}
    timeline = graph.get(dg.AssetKey(["intermediate", "int_listing_timeline"]))
    assert dg.AssetKey(["crosswalks", "crosswalk_vocabulary"]) in timeline.parent_keys
    # the listings mart is the per-listing states (incremental on the timeline) dated by the loads
    states = graph.get(dg.AssetKey(["intermediate", "int_listing_states"]))
    assert dg.AssetKey(["intermediate", "int_listing_timeline"]) in states.parent_keys
    marts = graph.get(dg.AssetKey(["marts", "listings"]))
    assert dg.AssetKey(["intermediate", "int_listing_states"]) in marts.parent_keys
    # a deprecated version reads the latest one
    assert graph.get(dg.AssetKey(["marts", "listings_v1"])).parent_keys == {dg.AssetKey(["marts", "listings"])}


def test_assets_are_grouped_by_layer_with_kinds_and_owners() -> None:
    graph = asset_graph()
    layer = {
        key.to_user_string(): (graph.get(key).group_name, graph.get(key).kinds, graph.get(key).owners)
        for key in graph.get_all_asset_keys()
    }
    assert layer["raw_actuallycare/actuallycare_listings"] == ("raw", {"dlt", "duckdb"}, ["team:data-platform"])
    assert layer["raw_avaroai/avaroai_listings"] == ("raw", {"dlt", "duckdb"}, ["team:data-platform"])
    assert layer["staging/stg_actuallycare__listings"] == ("staging", {"dbt", "duckdb"}, ["team:data-platform"])
    assert layer["intermediate/int_listing_versions"] == ("intermediate", {"dbt", "duckdb"}, ["team:data-platform"])
    assert layer["marts/listings"] == ("marts", {"dbt", "duckdb"}, ["team:data-platform"])


def test_dbt_tests_are_asset_checks_on_the_mart() -> None:
    checks = {key.name for key in asset_graph().asset_check_keys if key.asset_key.path[0] == "marts"}
    assert {
        "unique_listings_v2_listing_key",
        "not_null_listings_v2_listing_key",
        "assert_one_current_price_per_listing",
        "assert_price_periods_do_not_overlap",
        "relationships_listing_events_v2_listing_key__listing_key__ref_listings_",
    } <= checks


def test_every_check_says_what_it_guarantees() -> None:
    """dbt tests carry a description (dbt docs show it) that the Dagster check shows too."""
    specs = [spec for assets in defs().assets for spec in getattr(assets, "check_specs", [])]
    dbt_checks = [spec for spec in specs if spec.name != "freshness_check"]
    assert len(dbt_checks) >= 100
    assert [spec.name for spec in dbt_checks if not (spec.description or "").strip()] == []


def test_loading_the_definitions_writes_nothing_in_the_pipelines_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each step process of a run loads the definitions while other steps drop and restore their
    pipeline's local state there (a write in between failed a run with "Directory not empty")."""
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LISTINGS_WAREHOUSE_PATH", raising=False)
    listings_pipeline("apimo")  # one provider's local state, as a run leaves it

    def files() -> dict[Path, tuple[int, bytes]]:
        return {
            path: (path.stat().st_mtime_ns, path.read_bytes()) for path in pipelines_dir().rglob("*") if path.is_file()
        }

    before = files()
    assert before  # the state file, at least
    defs()
    assert files() == before
    assert [path.name for path in pipelines_dir().iterdir()] == ["listings_apimo"]


def test_a_step_process_leaves_no_private_folder_behind(tmp_path: Path) -> None:
    """Each process that loads the definitions makes a private folder for dlt's definition-time
    state. A step process ends with os._exit, which skips its removal: the next process to load the
    definitions removes it, and keeps the folders of processes still running."""
    load = "from orchestration.defs.ingest.assets import definition_time_pipeline; definition_time_pipeline('apimo')"
    env = {**os.environ, "TMPDIR": str(tmp_path), "LISTINGS_DATA_DIR": str(tmp_path / "data")}

    def python(code: str) -> None:
        ran = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
        )
        assert ran.returncode == 0, ran.stderr[-2000:]

    running = tmp_path / f"listings-definitions-pid{os.getpid()}-kept"
    running.mkdir()
    python(f"{load}; import os; os._exit(0)")  # as multiprocessing ends a step process
    left = [path.name for path in tmp_path.glob("listings-definitions-*") if path != running]
    assert len(left) == 1 and any((tmp_path / left[0]).rglob("*.json")), left  # its dlt state, left behind
    python(load)
    assert [path.name for path in tmp_path.glob("listings-definitions-*")] == [running.name]


def test_dagster_from_the_repository_root_finds_the_code_location(tmp_path: Path) -> None:
    """`dagster dev` and `dagster definitions validate` read `[tool.dagster]` in pyproject.toml."""
    dagster = Path(sys.executable).parent / "dagster"
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path), "DAGSTER_HOME": str(tmp_path)}
    validated = subprocess.run(
        [str(dagster), "definitions", "validate"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert validated.returncode == 0, validated.stderr[-2000:]
    assert "Validation successful for code location listings" in validated.stderr + validated.stdout


def test_definitions_are_built_once_per_process_and_again_under_other_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`listings run` and each of its step processes once built them many times over (1-2 s each)."""
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path / "one"))
    first = defs()
    assert defs() is first
    assert listings_run_job() is listings_run_job()
    monkeypatch.setenv("LISTINGS_DATA_DIR", str(tmp_path / "two"))
    assert defs() is not first


def test_a_raw_load_step_process_builds_its_job_without_dbt(tmp_path: Path) -> None:
    """What a raw load's step process does (`listings run` starts its raw run so): it imports
    dagster-dbt, or dbt, only at the cost of seconds, and reads no dbt manifest."""
    step = (
        "import sys, dagster as dg\n"
        "job = dg.build_reconstructable_job('orchestration.definitions', 'listings_run_job', "
        "reconstructable_kwargs={'dbt': False})\n"
        "keys = job.get_definition().asset_layer.asset_graph.get_all_asset_keys()\n"
        "assert keys and all(key.path[0].startswith('raw_') for key in keys), keys\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('dagster_dbt', 'dbt', 'pandas'))\n"
        "print(loaded)\n"
    )
    env = {**os.environ, "LISTINGS_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", step], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_dbt_resource_skips_what_dagster_dbt_does_before_each_command() -> None:
    """ListingsDbtCli overrides two private members of dagster-dbt's resource: an upgrade that
    renames them would silently bring back a `dbt --version` and an in-process adapter per command."""
    from dagster_dbt import DbtCliResource

    from orchestration.defs.transform.assets import ListingsDbtCli

    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(DbtCliResource))
    assert {"_cli_version", "_initialize_dbt_core_adapter"} <= set(vars(ListingsDbtCli))


def test_the_dbt_step_keeps_only_its_latest_invocation_folders(tmp_path: Path) -> None:
    """dagster-dbt leaves a folder per build under dbt's target path: the step deletes all but the
    newest few, always keeping the current one, and nothing else in the target folder."""
    from orchestration.defs.transform.assets import INVOCATION_PREFIX, prune_invocation_folders

    folders = [tmp_path / f"{INVOCATION_PREFIX}run{n:02d}-x" for n in range(6)]
    for age, folder in enumerate(reversed(folders)):  # folders[0] the oldest
        (folder / "compiled").mkdir(parents=True)
        os.utime(folder, (1_000_000 - age * 60, 1_000_000 - age * 60))
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "registry-abc").mkdir()

    prune_invocation_folders(folders[0], keep=3)  # the oldest is the current build's

    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [folders[0].name, folders[4].name, folders[5].name, "manifest.json", "registry-abc"]
    )


def test_each_dbt_build_leaves_its_parse_for_the_next(tmp_path: Path) -> None:
    """A build's saved parse (made under the build's own profile) replaces the one in the project's
    target folder, whole, where dagster-dbt copies it from for the next build; a build elsewhere (a
    narrower registry's project) leaves it alone."""
    from orchestration.defs.transform.assets import INVOCATION_PREFIX, keep_parse_for_next_build

    target = tmp_path / "target"
    (target / "registry-abc" / f"{INVOCATION_PREFIX}run02-y").mkdir(parents=True)
    (target / f"{INVOCATION_PREFIX}run01-x").mkdir()
    (target / "partial_parse.msgpack").write_bytes(b"the definitions' parse")
    (target / f"{INVOCATION_PREFIX}run01-x" / "partial_parse.msgpack").write_bytes(b"the build's parse")
    (target / "registry-abc" / f"{INVOCATION_PREFIX}run02-y" / "partial_parse.msgpack").write_bytes(b"narrower")

    keep_parse_for_next_build(target / "registry-abc" / f"{INVOCATION_PREFIX}run02-y", target)
    assert (target / "partial_parse.msgpack").read_bytes() == b"the definitions' parse"
    keep_parse_for_next_build(target / f"{INVOCATION_PREFIX}run01-x", target)
    assert (target / "partial_parse.msgpack").read_bytes() == b"the build's parse"
    assert sorted(path.name for path in target.iterdir() if path.is_file()) == [".parse.lock", "partial_parse.msgpack"]
