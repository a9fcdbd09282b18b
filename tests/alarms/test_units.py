"""Unit views: which series of a metric a datum feeds, given the Units its alarms name."""

from __future__ import annotations

from types import SimpleNamespace

from pipeline.alarms.units import series_key, unit_views, view_of


def alarms(*units):
    return [SimpleNamespace(unit=unit) for unit in units]


def test_no_alarm_names_a_unit_one_series_under_the_metric_key():
    assert unit_views(alarms(None, None), "Count") == [None]
    assert unit_views(alarms(None), None) == [None]
    assert series_key("Shop|Errors|", None) == "Shop|Errors|"


def test_a_datum_feeds_all_units_and_its_own_unit_only():
    readers = alarms(None, "Seconds", "Count", "Seconds")
    assert unit_views(readers, "Seconds") == [None, "Seconds"]
    assert unit_views(readers, "Count") == [None, "Count"]
    assert unit_views(readers, "Bytes") == [None]
    assert unit_views(alarms("Seconds"), "Count") == []  # nobody reads Count data


def test_a_missing_unit_is_the_unit_None():
    assert unit_views(alarms("None", "Count"), None) == ["None"]
    assert unit_views(alarms("None"), "None") == ["None"]


def test_series_keys_never_collide():
    keys = {series_key("Shop|Errors|", None), series_key("Shop|Errors|", "Count"),
            series_key("Shop|Errors|", "Seconds"), series_key("Shop|ErrorsCount|", None)}
    assert len(keys) == 4
    assert view_of(SimpleNamespace(unit="")) is None  # an empty Unit is no unit
