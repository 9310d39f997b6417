"""The Fields extension (STAC API item-search#fields and ogcapi-features#fields): GET
(`fields=id,-geometry`, with '+' encoded, unencoded and absent) and POST
({"include": [...], "exclude": [...]}) on /search, GET on /collections/{id}/items and a
catalog's search, paging all matches with small limits. Every page is compared with the
fixture items (their links as the server writes them) selected here by the extension's
"Include/Exclude Semantics"; the default set still validates as STAC; malformed fields are 400s
that name the parameter."""

import json
import urllib.parse

import jsonschema
import pytest
import requests

import schemas
from stacutil import assert_error, load_fixtures, walk_get, walk_post

_, ITEMS = load_fixtures()
BY_KEY = {(i["collection"], i["id"]): i for i in ITEMS}
SEARCH = "https://api.stacspec.org/v1.0.0/item-search#fields"
FEATURES = "https://api.stacspec.org/v1.0.0/ogcapi-features#fields"

# The extension's default set, and `collection` (required of an Item with a collection link).
DEFAULT = ["type", "stac_version", "id", "geometry", "bbox", "links", "assets",
           "properties.datetime", "collection"]
WHEN_NO_DATETIME = ["properties.start_datetime", "properties.end_datetime"]
# What an include keeps besides, unless excluded.
WITH_INCLUDE = ["type", "stac_version", "id", "links"]


def _path(text):
    return tuple(text.split("."))


def _at_or_below(path, ancestor):
    return path[:len(ancestor)] == ancestor


def select(item, include, exclude):
    """`item` as the extension says `fields` should return it. `include` None is a missing
    include (POST only); [] a null or empty one."""
    exclude = {_path(p) for p in exclude}
    keep_rest = include is None and bool(exclude)
    if include:
        included = {_path(p) for p in include} | {
            _path(p) for p in WITH_INCLUDE if not any(_at_or_below(_path(p), e) for e in exclude)}
    elif keep_rest:
        included = set()
    else:
        default = DEFAULT + (WHEN_NO_DATETIME
                             if item.get("properties", {}).get("datetime") is None else [])
        included = {_path(p) for p in default
                    if not any(_at_or_below(_path(p), e) for e in exclude)}
    rules = included | exclude

    def mark(path):  # an include wins over the same path excluded
        if path in included:
            return True
        if path in exclude:
            return False
        return None

    def pick(obj, prefix, inherited):
        out = {}
        for key, value in obj.items():
            path = prefix + (key,)
            keep = inherited if mark(path) is None else mark(path)
            deeper = any(len(r) > len(path) and _at_or_below(r, path) for r in rules)
            if deeper and isinstance(value, dict):
                sub = pick(value, path, keep)
                if keep or sub:
                    out[key] = sub
            elif keep:
                out[key] = value
        return out

    return pick(item, (), keep_rest)


def _get_spec(text):
    """GET `fields` as (include, exclude): include is never missing in GET."""
    include, exclude = [], []
    for entry in text.split(","):
        entry = entry.strip(" ")
        if not entry:
            continue
        if entry[0] == "-":
            exclude.append(entry[1:])
        else:
            include.append(entry[1:] if entry[0] == "+" else entry)
    return include, exclude


def _post_spec(fields):
    """POST `fields` as (include, exclude): a null include is an empty one, not a missing one."""
    include = (fields["include"] or []) if "include" in fields else None
    return include, fields.get("exclude") or []


# Each case: a GET value and a POST object (None where a form has no counterpart).
CASES = {
    "include": ("id,properties.eo:cloud_cover,properties.cmip6:variable_id",
                {"include": ["id", "properties.eo:cloud_cover", "properties.cmip6:variable_id"]}),
    "include-plus": ("+id,+properties.cmip6:variable_id", None),
    "exclude-from-default": ("-geometry,-assets", {"include": [], "exclude": ["geometry", "assets"]}),
    "exclude-from-all": (None, {"exclude": ["geometry", "properties.created"]}),
    "exclude-with-null-include": (None, {"include": None, "exclude": ["bbox"]}),
    "default": ("", {}),
    "conflict-include-wins": ("id,geometry,-geometry", {"include": ["id", "geometry"],
                                                        "exclude": ["geometry", "bbox"]}),
    "nested-exclude": ("id,properties,-properties.datetime,-properties.eo:cloud_cover",
                       {"include": ["id", "properties"],
                        "exclude": ["properties.datetime", "properties.eo:cloud_cover"]}),
    "nested-include": ("properties.cmip6:variable_id,properties.platform,-properties",
                       {"include": ["properties.cmip6:variable_id", "properties.platform"],
                        "exclude": ["properties"]}),
    "assets-paths": ("id,assets.thumbnail.href,assets.data,-assets.data.roles",
                     {"include": ["id", "assets.thumbnail.href", "assets.data"],
                      "exclude": ["assets.data.roles"]}),
    "absent-fields": ("properties.no:such_property,nothing.at.all",
                      {"include": ["properties.no:such_property", "nothing.at.all"]}),
}


def _features(pages):
    features = [f for page in pages for f in page["features"]]
    return features


def _full(base, http, url, params):
    """The features of the same search without fields: the order, and each item's links as
    the server writes them (the rest must be the fixture item)."""
    full = []
    for feature in _features(walk_get(http, url, {**params, "limit": 1000})):
        item = BY_KEY[(feature["collection"], feature["id"])]
        assert {k: v for k, v in feature.items() if k != "links"} == \
               {k: v for k, v in item.items() if k != "links"}
        # The fixture's members in the order the server writes them.
        full.append({k: feature["links"] if k == "links" else item[k] for k in feature})
    assert full, "the search matches nothing"
    return full


def _check(got, full, include, exclude):
    assert len(got) == len(full)
    for feature, item in zip(got, full):
        want = select(item, include, exclude)
        assert feature == want, (item["id"], feature, want)
        # Members keep the order the server writes them in without fields.
        assert list(feature) == [k for k in item if k in feature]


@pytest.fixture(scope="module")
def declared(base):
    return set(requests.get(base + "/conformance").json()["conformsTo"])


@pytest.fixture(scope="module")
def full_search(base):
    with requests.Session() as s:
        return _full(base, s, base + "/search", {})


def test_fields_classes_are_declared(declared):
    assert {SEARCH, FEATURES} <= declared


def test_cases_say_something():
    """Each case keeps something of some item and differs from the full item for some."""
    for name, (get, post) in CASES.items():
        for include, exclude in ([_get_spec(get)] if get is not None else []) + \
                                ([_post_spec(post)] if post is not None else []):
            selected = [select(i, include, exclude) for i in ITEMS]
            if name != "absent-fields":
                assert any(selected), name
            assert any(s != i for s, i in zip(selected, ITEMS)), name


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c[0] is not None))
def test_get_fields(base, http, full_search, name):
    text = CASES[name][0]
    pages = walk_get(http, base + "/search", {"fields": text, "limit": 7})
    assert len(pages) > 1
    for page in pages[:-1]:
        nxt = next(link for link in page["links"] if link["rel"] == "next")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(nxt["href"]).query,
                                      keep_blank_values=True)
        assert query["fields"] == [text], "the next link dropped or changed fields"
    _check(_features(pages), full_search, *_get_spec(text))


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c[1] is not None))
def test_post_fields(base, http, full_search, name):
    fields = CASES[name][1]
    pages = walk_post(http, base + "/search", {"fields": fields, "limit": 9})
    assert len(pages) > 1
    for page in pages[:-1]:
        nxt = next(link for link in page["links"] if link["rel"] == "next")
        assert nxt["body"]["fields"] == fields, "the next link dropped or changed fields"
    _check(_features(pages), full_search, *_post_spec(fields))


def test_get_and_post_agree_where_the_extension_says_so(base, http):
    """GET cannot leave include out: `-geometry` is POST's empty include, not a missing one."""
    get = _features(walk_get(http, base + "/search", {"fields": "-geometry", "limit": 1000}))
    empty = _features(walk_post(http, base + "/search",
                                {"fields": {"include": [], "exclude": ["geometry"]}, "limit": 1000}))
    missing = _features(walk_post(http, base + "/search",
                                  {"fields": {"exclude": ["geometry"]}, "limit": 1000}))
    assert get == empty
    assert get != missing
    assert all("geometry" not in f for f in get + missing)


@pytest.mark.parametrize("raw", ["%2Bid,%2Bproperties.cmip6:variable_id",
                                 "+id,+properties.cmip6:variable_id",
                                 "id,properties.cmip6:variable_id"])
def test_plus_signs_however_encoded(base, http, full_search, raw):
    """pystac-client writes "+id"; sent unencoded, the '+' arrives as a space."""
    response = http.get(f"{base}/search?limit=1000&fields={raw}")
    assert response.status_code == 200, response.text[:300]
    _check(response.json()["features"], full_search, ["id", "properties.cmip6:variable_id"], [])


def test_default_set_is_valid_stac(base, http):
    for doc in (http.get(base + "/search", params={"fields": "", "limit": 1000}).json(),
                http.post(base + "/search", json={"fields": {}, "limit": 1000}).json()):
        errors = list(jsonschema.Draft7Validator(schemas.ITEM_COLLECTION).iter_errors(doc))
        assert not errors, [e.message[:200] for e in errors[:5]]
    # The default set leaves out what is not in it.
    doc = http.get(base + "/search", params={"fields": "", "limit": 1000}).json()
    assert all("stac_extensions" not in f for f in doc["features"])


def test_without_fields_items_are_whole(base, http, full_search):
    assert all(set(i) == set(BY_KEY[(i["collection"], i["id"])]) for i in full_search)


def test_collection_items_fields(base, http):
    collection = ITEMS[0]["collection"]
    url = f"{base}/collections/{collection}/items"
    text = "id,collection,properties.title,-properties.datetime"
    with requests.Session() as s:
        full = _full(base, s, url, {})
    pages = walk_get(http, url, {"fields": text, "limit": 5})
    assert len(pages) > 1
    _check(_features(pages), full, *_get_spec(text))
    # The collection's page keeps its own links whatever the items show.
    rels = {link["rel"] for link in pages[0]["links"]}
    assert {"self", "root", "collection", "next"} <= rels


def test_catalog_search_fields(base, http, federation):
    if not federation["applied"]:
        pytest.skip("the fixture federation is not applied: " + federation["message"][:200])
    doc = http.post(f"{base}/catalogs/esgf/search",
                    json={"fields": {"include": ["id"],
                                     "exclude": ["type", "stac_version", "links"]},
                          "limit": 3})
    assert doc.status_code == 200, doc.text[:300]
    features = doc.json()["features"]
    assert features and all(f == {"id": f["id"]} for f in features)


def test_fields_with_other_parameters(base, http, full_search):
    """Fields do not change which items match nor their order."""
    item = next(i for i in ITEMS if "eo:cloud_cover" in i["properties"])
    params = {"collections": item["collection"], "filter": "eo:cloud_cover >= 0"}
    with requests.Session() as s:
        full = _full(base, s, base + "/search", params)
    got = _features(walk_get(http, base + "/search", {
        **params, "fields": "id,-type,-stac_version,-links", "limit": 4}))
    assert got == [{"id": i["id"]} for i in full]


@pytest.mark.parametrize("value", [
    "properties..x", ".id", "id.", "-", "%2B", "id,-", ".", "a" * 1001, ",".join(["a"] * 1001),
])
def test_malformed_get_fields_is_400(base, http, value):
    for path in ("/search", f"/collections/{ITEMS[0]['collection']}/items"):
        r = http.get(f"{base}{path}?fields={value if value == '%2B' else urllib.parse.quote(value)}")
        assert_error(r, 400)
        assert "'fields'" in r.json()["description"]


@pytest.mark.parametrize("fields", [
    "id,-geometry", ["id"], 1, True, {"include": "id"}, {"include": [1]}, {"include": [None]},
    {"exclude": {"a": 1}}, {"include": [""]}, {"include": ["properties..x"]},
    {"exclude": ["x."]}, {"includes": ["id"]}, {"include": ["id"], "other": []},
    {"include": [f"p{i}" for i in range(1001)]}, {"exclude": ["a" * 1001]},
])
def test_malformed_post_fields_is_400(base, http, fields):
    r = http.post(base + "/search", json={"fields": fields})
    assert_error(r, 400)
    assert "'fields'" in r.json()["description"]


def test_fields_null_is_400(base, http):
    """"fields" is an object (stac-api-validator checks that null is refused); other null
    members are absent ones on this server."""
    r = http.post(base + "/search", json={"fields": None, "limit": 3})
    assert_error(r, 400)
    assert "'fields'" in r.json()["description"]
