"""The Query extension (STAC API item-search#query and ogcapi-features#query): every
operator, GET (a JSON string) and POST, paging through all matches exactly once, the answer
compared with one computed here from the fixtures by the extension's own rules; with a
filter beside it; and malformed queries refused with 400."""

import json

import pytest
import requests

from stacutil import assert_error, load_fixtures, walk_get, walk_post

_, ITEMS = load_fixtures()
SEARCH = "https://api.stacspec.org/v1.0.0/item-search#query"
FEATURES = "https://api.stacspec.org/v1.0.0/ogcapi-features#query"


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _compare(op, value, operand):
    """An operator on one item's value, by the extension's rules: a missing value or one of
    another type matches nothing."""
    if op == "in" and isinstance(value, list):
        # On an array property: an element among the values.
        return any(_compare("eq", element, v) for element in value for v in operand)
    if value is None or isinstance(value, (list, dict)):
        return False
    if op == "in":
        return any(_compare("eq", value, v) for v in operand)
    if op in ("startsWith", "endsWith", "contains"):
        if not isinstance(value, str):
            return False
        return {"startsWith": value.startswith, "endsWith": value.endswith,
                "contains": value.__contains__}[op](operand)
    same_kind = (_number(value) and _number(operand)) or (
        type(value) is type(operand) and not _number(value))
    if not same_kind:
        return False
    return {"eq": value == operand, "neq": value != operand, "lt": value < operand,
            "lte": value <= operand, "gt": value > operand, "gte": value >= operand}[op]


def expected(query, items=ITEMS, collection=None):
    out = set()
    for item in items:
        if collection and item["collection"] != collection:
            continue
        props = item["properties"]
        if all(_compare(op, props.get(name), operand)
               for name, ops in query.items() for op, operand in ops.items()):
            out.add((item["collection"], item["id"]))
    return out


def _values(name):
    return sorted({i["properties"][name] for i in ITEMS if name in i["properties"]})


VARIABLES = _values("cmip6:variable_id")
CLOUDS = _values("eo:cloud_cover")
MEDIAN_CLOUD = CLOUDS[len(CLOUDS) // 2]
TITLES = _values("title")

CASES = {
    "eq-string": {"cmip6:variable_id": {"eq": VARIABLES[0]}},
    "neq-string": {"cmip6:variable_id": {"neq": VARIABLES[0]}},
    "lt-number": {"eo:cloud_cover": {"lt": MEDIAN_CLOUD}},
    "lte-number": {"eo:cloud_cover": {"lte": MEDIAN_CLOUD}},
    "gt-number": {"eo:cloud_cover": {"gt": MEDIAN_CLOUD}},
    "gte-number": {"eo:cloud_cover": {"gte": MEDIAN_CLOUD}},
    "range-two-operators": {"eo:cloud_cover": {"gte": CLOUDS[1], "lt": CLOUDS[-2]}},
    "integer-eq-as-float": {"gsd": {"eq": float(_values("gsd")[0])}},
    "startsWith": {"title": {"startsWith": TITLES[0][:3]}},
    "endsWith": {"title": {"endsWith": TITLES[-1][-4:]}},
    "contains": {"title": {"contains": TITLES[len(TITLES) // 2][2:6]}},
    "contains-wildcards-are-literal": {"title": {"contains": "%"}},
    "startsWith-underscore-is-literal": {"cmip6:variable_id": {"startsWith": "_"}},
    "in-strings": {"cmip6:variable_id": {"in": VARIABLES[:2]}},
    "in-numbers": {"gsd": {"in": _values("gsd")[:1] + [123456]}},
    "two-properties": {"cmip6:variable_id": {"in": VARIABLES}, "cmip6:frequency": {"eq": "mon"}},
    "properties-prefix": {"properties.cmip6:variable_id": {"eq": VARIABLES[-1]}},
    "in-on-an-array": {"instruments": {"in": ["msi", "no-such-instrument"]}},
    "in-on-an-array-of-ids": {"cmip6:activity_id": {"in": ["CMIP"]}},
}


def _key(name):
    return name[len("properties."):] if name.startswith("properties.") else name


def _expected(query):
    return expected({_key(k): v for k, v in query.items()})


@pytest.fixture(scope="module")
def declared(base):
    return set(requests.get(base + "/conformance").json()["conformsTo"])


def test_query_classes_are_declared(declared):
    assert {SEARCH, FEATURES} <= declared


def test_cases_say_something():
    for name, query in CASES.items():
        if "literal" in name:
            continue
        want = _expected(query)
        assert want and want != {(i["collection"], i["id"]) for i in ITEMS}, name


def _keys(pages):
    keys = [(f["collection"], f["id"]) for page in pages for f in page["features"]]
    assert len(keys) == len(set(keys)), "an item came twice while paging"
    return set(keys)


@pytest.mark.parametrize("name", sorted(CASES))
def test_get_query(base, http, name):
    got = _keys(walk_get(http, base + "/search", {"query": json.dumps(CASES[name]), "limit": 3}))
    assert got == _expected(CASES[name]), name


@pytest.mark.parametrize("name", sorted(CASES))
def test_post_query(base, http, name):
    got = _keys(walk_post(http, base + "/search", {"query": CASES[name], "limit": 4}))
    assert got == _expected(CASES[name]), name


def test_collection_items_query(base, http):
    item = next(i for i in ITEMS if "eo:cloud_cover" in i["properties"])
    query = {"eo:cloud_cover": {"lt": MEDIAN_CLOUD}}
    got = _keys(walk_get(http, f"{base}/collections/{item['collection']}/items",
                         {"query": json.dumps(query), "limit": 2}))
    assert got == expected(query, collection=item["collection"])


@pytest.mark.parametrize("op", ["eq", "neq", "lt", "lte", "gt", "gte"])
def test_numbers_sent_as_strings_compare_as_numbers(base, http, op):
    # stac-api-validator (and other clients) send the values of a number property as strings.
    as_number = {"eo:cloud_cover": {op: MEDIAN_CLOUD}}
    as_string = {"eo:cloud_cover": {op: repr(MEDIAN_CLOUD)}}
    got = _keys(walk_post(http, base + "/search", {"query": as_string, "limit": 7}))
    assert got == expected(as_number)
    got = _keys(walk_get(http, base + "/search", {"query": json.dumps(as_string), "limit": 7}))
    assert got == expected(as_number)


def test_number_text_on_a_string_property_stays_a_string(base, http):
    got = _keys(walk_post(http, base + "/search",
                          {"query": {"cmip6:variable_id": {"eq": "10"}}, "limit": 50}))
    assert got == expected({"cmip6:variable_id": {"eq": "10"}}) == set()


def test_query_and_filter_together(base, http):
    query = {"cmip6:variable_id": {"in": VARIABLES}}
    body = {"query": query, "filter": f"cmip6:frequency = 'mon'", "limit": 2}
    got = _keys(walk_post(http, base + "/search", body))
    assert got == expected({**query, "cmip6:frequency": {"eq": "mon"}})


@pytest.mark.parametrize("query", [
    "not json", "[1]", '"text"', '{"cmip6:variable_id": 1}', '{"cmip6:variable_id": {}}',
    '{"cmip6:variable_id": {"like": "x"}}', '{"cmip6:variable_id": {"in": []}}',
    '{"cmip6:variable_id": {"in": "tas"}}', '{"cmip6:variable_id": {"eq": [1]}}',
    '{"cmip6:variable_id": {"startsWith": 1}}', '{"no:such_property": {"eq": 1}}',
    '{"eo:cloud_cover": {"lt": "ten"}}', '{"cmip6:variable_id": {"eq": null}}',
    '{"a": {"eq": "\\u0000"}}',
])
def test_malformed_query_is_400(base, http, query):
    r = http.get(base + "/search", params={"query": query})
    assert_error(r, 400)
    assert "query" in r.json()["description"]
    r = http.post(base + "/search", data=json.dumps({"query": json.loads(query)})
                  if query.startswith("{") or query.startswith("[") or query.startswith('"')
                  else "{\"query\": " + json.dumps(query) + "}",
                  headers={"Content-Type": "application/json"})
    assert_error(r, 400)
