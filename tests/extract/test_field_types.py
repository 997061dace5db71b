"""Schema drift reads field types from every stored record, skipping shapes it has walked before."""

from dlt_sources.common.scan import FieldTypes


def test_records_of_a_known_shape_still_report_what_differs_inside_them() -> None:
    types = FieldTypes()
    types.add({"id": "a", "price": 100, "agent": {"name": "x", "phone": None}})
    types.add({"id": "b", "price": 200, "agent": {"name": "y", "phone": None}})  # same shape
    assert types.types == {"id": {"string"}, "price": {"number"}, "agent.name": {"string"}, "agent.phone": set()}

    # same top-level shape, but the nested object changed: walked all the same
    types.add({"id": "c", "price": 300, "agent": {"name": "z", "phone": "555"}})
    # a value of a new type, and a new field, at the top
    types.add({"id": "d", "price": "on request", "agent": {"name": "z", "phone": "555"}, "video": None})
    assert types.types["agent.phone"] == {"string"}
    assert types.types["price"] == {"number", "string"}
    assert types.types["video"] == set()


def test_objects_deeper_than_the_drift_depth_count_as_one_value() -> None:
    types = FieldTypes()
    types.add({"a": {"b": {"c": {"d": 1}}}})
    types.add({"a": {"b": {"c": {"e": "x"}}}})  # deeper keys may be data, not schema
    assert types.types == {"a.b.c": {"object"}}
