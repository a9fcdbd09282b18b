"""Properties of the diff over generated configurations (kept small: the suite must stay fast)."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.configitems import diff_configuration_items, parse_configuration_item
from pipeline.configitems.diff import content_equal

from .samples import security_group

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text("abc", max_size=3))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text("xyz", min_size=1, max_size=2), inner, max_size=3)),
    max_leaves=8)
configs = st.dictionaries(st.text("abcd", min_size=1, max_size=3), values, max_size=4)


def _item(configuration):
    item = parse_configuration_item(security_group("sg-1", []))
    item["configuration"] = configuration
    return item


@settings(max_examples=150, deadline=None)
@given(configs)
def test_an_item_against_itself_has_no_changes(configuration):
    item = _item(configuration)
    assert diff_configuration_items(item, copy.deepcopy(item))["changedProperties"] == {}


@settings(max_examples=150, deadline=None)
@given(configs, configs)
def test_changes_exactly_when_the_configurations_differ(a, b):
    diff = diff_configuration_items(_item(a), _item(b))
    assert diff["changeType"] == "UPDATE"
    paths = diff["changedProperties"]
    assert all(p.startswith("Configuration.") for p in paths)
    if content_equal(a, b):
        assert paths == {}
    else:
        # differing only in array order is not a change; anything else is
        assert paths or _same_up_to_array_order(a, b)
    for entry in paths.values():
        assert entry["changeType"] in ("CREATE", "UPDATE", "DELETE")
        if entry["changeType"] == "CREATE":
            assert entry["previousValue"] is None
        if entry["changeType"] == "DELETE":
            assert entry["updatedValue"] is None


def _same_up_to_array_order(a, b):
    def norm(v):
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            import json
            return sorted((norm(x) for x in v), key=lambda x: json.dumps(x, sort_keys=True))
        return v
    return content_equal(norm(a), norm(b))
