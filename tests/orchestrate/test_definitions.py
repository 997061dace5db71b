"""The Dagster code location loads, and dlt and dbt assets form one lineage graph."""

import dagster as dg

from orchestration.definitions import defs


def asset_graph():
    return defs().resolve_asset_graph()


def test_definitions_load_with_the_expected_asset_keys() -> None:
    keys = {key.to_user_string() for key in asset_graph().get_all_asset_keys()}
    assert keys == {
        "raw_actuallycare/listings",
        "raw_avaroai/listings",
        "raw_apimo/listings",
        "raw_enclosure/listings",
        "raw_koto/listings",
        "raw_estateprime/listings",
        "raw_estateprime/sources",
        "raw_estateprime/tags",
        "raw_estateprime/custom_fields",
        "staging/stg_actuallycare__listings",
        "marts/listings",
        "crosswalks/crosswalk_status",
        "crosswalks/crosswalk_property_type",
    }


def test_dbt_source_key_equals_the_dlt_asset_key() -> None:
    graph = asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_actuallycare__listings"]))
    assert {key.to_user_string() for key in staging.parent_keys} == {"raw_actuallycare/listings"}
    marts = graph.get(dg.AssetKey(["marts", "listings"]))
    assert dg.AssetKey(["staging", "stg_actuallycare__listings"]) in marts.parent_keys


def test_assets_are_grouped_by_layer_with_kinds_and_owners() -> None:
    graph = asset_graph()
    layer = {
        key.to_user_string(): (graph.get(key).group_name, graph.get(key).kinds, graph.get(key).owners)
        for key in graph.get_all_asset_keys()
    }
    assert layer["raw_actuallycare/listings"] == ("raw", {"dlt", "duckdb"}, ["team:data-platform"])
    assert layer["raw_avaroai/listings"] == ("raw", {"dlt", "duckdb"}, ["team:data-platform"])
    assert layer["staging/stg_actuallycare__listings"] == ("staging", {"dbt", "duckdb"}, ["team:data-platform"])
    assert layer["marts/listings"] == ("marts", {"dbt", "duckdb"}, ["team:data-platform"])


def test_dbt_tests_are_asset_checks_on_the_mart() -> None:
    checks = {key.name for key in asset_graph().asset_check_keys if key.asset_key == dg.AssetKey(["marts", "listings"])}
    assert {"unique_listings_listing_key", "not_null_listings_listing_key"} <= checks
