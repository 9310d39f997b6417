"""The Sort extension (item-search#sort, ogcapi-features#sort, v1.0.0 and v1.1.0 with
sortables): every page of a sorted search, followed forwards by next links and back by prev
links, GET and POST, lists the matches exactly once in the order computed here from the
fixtures by the extension's rules (ties broken by collection and id; items lacking a property
last); sorted searches with a filter, a bbox and in one collection; /sortables; and every
malformed or unsortable sortby refused with 400."""

import functools
import json
import urllib.parse

import pytest
import requests

from stacutil import (assert_error, item_interval, links_by_rel, load_fixtures, matches_bbox,
                      one_link, parse_rfc3339, walk_get, walk_post)

COLLECTIONS, ITEMS = load_fixtures()
CLASSES = {
    "https://api.stacspec.org/v1.0.0/item-search#sort",
    "https://api.stacspec.org/v1.0.0/ogcapi-features#sort",
    "https://api.stacspec.org/v1.1.0/item-search#sort",
    "https://api.stacspec.org/v1.1.0/ogcapi-features#sort",
    "https://api.stacspec.org/v1.1.0/item-search#sortables",
}
SORTABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/sortables"


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _timestamp(v):
    try:
        return parse_rfc3339(v) if isinstance(v, str) else None
    except ValueError:
        return None


# How the server reads each field: item fields, then properties by the type of their values.
FIELDS = {
    "id": lambda i: i["id"],
    "collection": lambda i: i["collection"],
    "datetime": lambda i: item_interval(i)[0],
    "end_datetime": lambda i: item_interval(i)[1],
    "eo:cloud_cover": lambda i: i["properties"].get("eo:cloud_cover")
    if _number(i["properties"].get("eo:cloud_cover")) else None,
    "gsd": lambda i: i["properties"].get("gsd") if _number(i["properties"].get("gsd")) else None,
    "cmip6:variable_id": lambda i: i["properties"].get("cmip6:variable_id"),
    "title": lambda i: i["properties"].get("title"),
    "created": lambda i: _timestamp(i["properties"].get("created")),
    "latest": lambda i: i["properties"].get("latest")
    if isinstance(i["properties"].get("latest"), bool) else None,
}


def _bare(field):
    return field[len("properties."):] if field.startswith("properties.") else field


def expected_order(sortby, items=ITEMS):
    """The items in the order of `sortby` ([(field, descending)]): each field's value, missing
    values last whichever the direction, then collection and id, running against the first
    field (ascending after a descending first field)."""
    keys = [(_bare(f), d) for f, d in sortby]
    named = {f for f, _ in keys}
    ties = not keys[0][1]
    keys += [(f, ties) for f in ("collection", "id") if f not in named]

    def compare(a, b):
        for field, descending in keys:
            va, vb = FIELDS[field](a), FIELDS[field](b)
            if (va is None) != (vb is None):
                return 1 if va is None else -1
            if va is None or va == vb:
                continue
            less = va < vb
            return (1 if less else -1) if descending else (-1 if less else 1)
        return 0

    return [(i["collection"], i["id"]) for i in sorted(items, key=functools.cmp_to_key(compare))]


def _get_text(sortby):
    return ",".join(("-" if d else "+") + f for f, d in sortby)


def _post_value(sortby):
    return [{"field": f, "direction": "desc" if d else "asc"} for f, d in sortby]


CASES = {
    "datetime-desc": [("datetime", True)],
    "datetime-asc": [("properties.datetime", False)],
    "id-asc": [("id", False)],
    "id-desc": [("id", True)],
    "collection-then-id-desc": [("collection", False), ("id", True)],
    "cloud-desc-then-id": [("properties.eo:cloud_cover", True), ("id", False)],
    "cloud-asc": [("eo:cloud_cover", False)],
    "gsd-then-datetime": [("gsd", False), ("datetime", True)],
    "variable-then-datetime-asc": [("cmip6:variable_id", False), ("datetime", False)],
    "title-desc": [("title", True)],
    "created-asc": [("created", False)],
    "end-datetime-desc": [("end_datetime", True)],
    "latest-desc": [("latest", True), ("end_datetime", False)],
}


def _keys(pages):
    keys = [(f["collection"], f["id"]) for page in pages for f in page["features"]]
    assert len(keys) == len(set(keys)), "an item came twice while paging"
    return keys


@pytest.fixture(scope="module")
def declared(base):
    return set(requests.get(base + "/conformance").json()["conformsTo"])


def test_sort_classes_are_declared(declared, landing):
    assert CLASSES <= declared
    assert CLASSES <= set(landing["conformsTo"])


def test_cases_order_differently():
    orders = {tuple(expected_order(sortby)) for sortby in CASES.values()}
    assert len(orders) == len(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_get_sorted_pages(base, http, name):
    sortby = CASES[name]
    pages = walk_get(http, base + "/search", {"sortby": _get_text(sortby), "limit": 7})
    assert _keys(pages) == expected_order(sortby)
    assert pages[0]["numberMatched"] == len(ITEMS)


@pytest.mark.parametrize("name", sorted(CASES))
def test_post_sorted_pages(base, http, name):
    sortby = CASES[name]
    pages = walk_post(http, base + "/search", {"sortby": _post_value(sortby), "limit": 9})
    assert _keys(pages) == expected_order(sortby)


@pytest.mark.parametrize("name", ["cloud-desc-then-id", "datetime-asc", "variable-then-datetime-asc"])
def test_prev_links_walk_back(base, http, name):
    sortby = CASES[name]
    pages = walk_get(http, base + "/search", {"sortby": _get_text(sortby), "limit": 10})
    assert len(pages) > 3
    back = [pages[-1]]
    while links_by_rel(back[-1], "prev"):
        back.append(http.get(links_by_rel(back[-1], "prev")[0]["href"]).json())
    assert _keys(reversed(back)) == expected_order(sortby)
    # POST: the prev link of the last page carries the order in its body.
    posted = walk_post(http, base + "/search", {"sortby": _post_value(sortby), "limit": 10})
    prev = one_link(posted[-1], "prev")
    assert prev["method"] == "POST"
    previous = http.post(prev["href"], json=prev["body"]).json()
    assert _keys([previous]) == _keys([posted[-2]])


def test_unencoded_plus_reads_as_ascending(base, http):
    # "+id" typed into a URL arrives as " id" once the query string is decoded.
    r = http.get(base + "/search?limit=200&sortby=+id")
    assert r.status_code == 200, r.text
    assert [(f["collection"], f["id"]) for f in r.json()["features"]] == \
        expected_order([("id", False)])
    r = http.get(base + "/search?limit=200&sortby=%2Bid,-collection")
    assert r.status_code == 200, r.text
    assert [(f["collection"], f["id"]) for f in r.json()["features"]] == \
        expected_order([("id", False), ("collection", True)])


def test_sorted_collection_items(base, http):
    collection = max({i["collection"] for i in ITEMS},
                     key=lambda c: sum(i["collection"] == c for i in ITEMS))
    sortby = [("id", True)]
    pages = walk_get(http, f"{base}/collections/{collection}/items",
                     {"sortby": _get_text(sortby), "limit": 4})
    assert _keys(pages) == expected_order(sortby, [i for i in ITEMS if i["collection"] == collection])


def test_sorted_with_filter(base, http):
    sortby = [("eo:cloud_cover", True)]
    cut = sorted(FIELDS["eo:cloud_cover"](i) for i in ITEMS if FIELDS["eo:cloud_cover"](i) is not None)
    median = cut[len(cut) // 2]
    body = {"filter": {"op": "<", "args": [{"property": "eo:cloud_cover"}, median]},
            "sortby": _post_value(sortby), "limit": 3}
    matching = [i for i in ITEMS
                if FIELDS["eo:cloud_cover"](i) is not None and FIELDS["eo:cloud_cover"](i) < median]
    assert matching
    assert _keys(walk_post(http, base + "/search", body)) == expected_order(sortby, matching)


def test_sorted_with_bbox(base, http):
    bbox = [-10, 30, 40, 70]
    sortby = [("id", False)]
    matching = [i for i in ITEMS if matches_bbox(i, bbox)]
    assert 0 < len(matching) < len(ITEMS)
    pages = walk_get(http, base + "/search", {"bbox": ",".join(map(str, bbox)),
                                              "sortby": _get_text(sortby), "limit": 5})
    assert _keys(pages) == expected_order(sortby, matching)


def test_token_of_another_order_is_refused(base, http):
    page = http.get(base + "/search", params={"sortby": "id", "limit": 2}).json()
    token = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(
        one_link(page, "next")["href"]).query))["token"]
    r = http.get(base + "/search", params={"sortby": "-id", "limit": 2, "token": token})
    assert_error(r, 400)


def test_sortables(base, http, landing):
    link = one_link(landing, SORTABLES_REL)
    assert link["type"] == "application/schema+json"
    r = http.get(link["href"])
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/schema+json")
    doc = r.json()
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == link["href"]
    assert doc["additionalProperties"] is False
    names = set(doc["properties"])
    assert set(FIELDS) <= names
    # Never an array, an object or a geometry (OGC API Features Part 5).
    queryables = http.get(base + "/queryables").json()["properties"]
    for name, schema in doc["properties"].items():
        assert schema.get("type") not in ("array", "object"), name
        assert "$ref" not in schema, name
    assert "geometry" not in names and "instruments" not in names and "geometry" in queryables
    # Every sortable sorts.
    for name in sorted(names):
        r = http.get(base + "/search", params={"sortby": "-" + name, "limit": 1})
        assert r.status_code == 200, (name, r.text)


def test_collection_and_catalog_sortables(base, http, fixtures):
    collection = ITEMS[0]["collection"]
    doc = http.get(f"{base}/collections/{collection}").json()
    link = one_link(doc, SORTABLES_REL)
    sortables = http.get(link["href"]).json()
    own = {k for i in ITEMS if i["collection"] == collection for k in i["properties"]}
    assert set(sortables["properties"]) - {"id", "collection", "datetime", "start_datetime",
                                           "end_datetime"} <= own
    assert_error(http.get(f"{base}/collections/no-such-collection/sortables"), 404)
    assert_error(http.get(f"{base}/sortables?x=1"), 400)


@pytest.mark.parametrize("sortby", [
    "geometry", "instruments", "no:such_property", "-properties.no_such", "id,-id",
    "datetime,start_datetime",
])
def test_unsortable_field_is_400_naming_it(base, http, sortby):
    r = http.get(base + "/search", params={"sortby": sortby})
    assert_error(r, 400)
    assert "sortby" in r.json()["description"]
    field = sortby.split(",")[0].lstrip("+-").removeprefix("properties.")
    assert field in r.json()["description"]
    r = http.post(base + "/search", json={"sortby": [{"field": f.lstrip("+-")}
                                                     for f in sortby.split(",")]})
    assert_error(r, 400)


@pytest.mark.parametrize("body", [
    {"sortby": "id"}, {"sortby": []}, {"sortby": [{}]}, {"sortby": [{"field": 3}]},
    {"sortby": [{"field": "id", "direction": "ascending"}]},
    {"sortby": [{"field": "id", "extra": 1}]},
    {"sortby": [{"field": f"f{n}"} for n in range(9)]},
])
def test_malformed_sortby_is_400(base, http, body):
    r = http.post(base + "/search", data=json.dumps(body),
                  headers={"Content-Type": "application/json"})
    assert_error(r, 400)
    assert "sortby" in r.json()["description"]


@pytest.mark.parametrize("text", ["", ",", "-", "+,", "properties."])
def test_malformed_get_sortby_is_400(base, http, text):
    r = http.get(base + "/search", params={"sortby": text})
    assert_error(r, 400)
    assert "sortby" in r.json()["description"]
