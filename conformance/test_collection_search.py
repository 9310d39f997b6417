"""Collection search (https://github.com/stac-api-extensions/collection-search) on
GET /collections and GET /catalogs/{id}/collections: q (basic: comma = OR; advanced), bbox and
datetime against the extent, filter (CQL2 on collection fields and summaries), sortby, fields,
limit, keyset paging (next and prev), exact numberMatched, the queryables and sortables
linked from /collections, strict parameters. Expectations are computed here from the
collection documents (the fixtures: every collection /collections lists is a fixture one or
checked against it)."""

import functools
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from stacutil import (JSON, assert_error, links_by_rel, load_fixtures, matches_bbox, media_type,
                      parse_datetime_param, parse_rfc3339)

FIXTURE_COLLECTIONS, _ = load_fixtures()
CLASSES = {
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search",
    "https://api.stacspec.org/v1.0.0/collection-search",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/simple-query",
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text",
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search#advanced-free-text",
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search#sort",
    "https://api.stacspec.org/v1.1.0/collection-search#sortables",
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search#fields",
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search#filter",
}
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SORTABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/sortables"


@pytest.fixture(scope="module")
def every(base):
    """Every collection the catalog holds, by id, as /collections serves it (one page)."""
    r = requests.get(base + "/collections", params={"limit": 10000})
    assert r.status_code == 200, r.text[:300]
    docs = {c["id"]: c for c in r.json()["collections"]}
    assert set(FIXTURE_COLLECTIONS) <= set(docs)
    for cid, fixture in FIXTURE_COLLECTIONS.items():
        for member in ("title", "description", "keywords", "license", "extent", "summaries"):
            assert docs[cid].get(member) == fixture.get(member), (cid, member)
    return docs


def walk(session, url, params=None, max_pages=100):
    """The pages of a GET, following next links as given; checks each page's form."""
    pages = []
    r = session.get(url, params=params)
    while True:
        assert r.status_code == 200, f"GET {r.url}: {r.status_code} {r.text[:300]}"
        assert media_type(r) == JSON
        page = r.json()
        pages.append(page)
        assert page["numberReturned"] == len(page["collections"])
        nxt = [link for link in page["links"] if link["rel"] == "next"]
        assert len(nxt) <= 1
        if not nxt:
            return pages
        assert nxt[0].get("method", "GET") == "GET"
        assert len(pages) < max_pages, "next links never end"
        r = session.get(nxt[0]["href"])


def walk_back(session, page, max_pages=100):
    """From a page, the pages before it by prev links, nearest first."""
    pages = []
    while True:
        prev = [link for link in page["links"] if link["rel"] == "prev"]
        if not prev:
            return pages
        r = session.get(prev[0]["href"])
        assert r.status_code == 200, r.text[:300]
        page = r.json()
        pages.append(page)
        assert len(pages) < max_pages, "prev links never end"


def ids(pages):
    out = [c["id"] for page in pages for c in page["collections"]]
    assert len(out) == len(set(out)), f"a collection came twice: {out}"
    return out


def search_ids(session, base, params, path="/collections"):
    pages = walk(session, base + path, params)
    found = ids(pages)
    for page in pages:
        assert page.get("numberMatched") == len(found), (params, page.get("numberMatched"))
    return found


# ---- free text ---------------------------------------------------------------------------------

def tokens(text):
    """Words in order as PostgreSQL's parser splits the fixture texts: a hyphenated word is
    itself, then its parts."""
    out = []
    for token in re.findall(r"[0-9a-z]+(?:-[0-9a-z]+)*", text.lower()):
        out.append(token)
        if "-" in token:
            out.extend(token.split("-"))
    return out


def words(c):
    """The words q searches (sql/0001 document_search_text): id and title, the keywords,
    the description."""
    return (tokens(c["id"] + " " + c.get("title", "")) + tokens(" ".join(c.get("keywords", [])))
            + tokens(c.get("description", "")))


def has(c, term):
    target = tokens(term)
    ws = words(c)
    return any(ws[i:i + len(target)] == target for i in range(len(ws)))


Q_CASES = {
    "one-word": ("EERIE", lambda c: has(c, "eerie")),
    "case-insensitive": ("cmip6", lambda c: has(c, "cmip6")),
    "basic-or": ("cmip6,eerie", lambda c: has(c, "cmip6") or has(c, "eerie")),
    "basic-phrase": ("model output,sentinel", lambda c: has(c, "model output") or has(c, "sentinel")),
    "keyword": ("Copernicus", lambda c: has(c, "copernicus")),
    "description": ("reflectance", lambda c: has(c, "reflectance")),
    "advanced-and": ("synthetic AND ocean", lambda c: has(c, "synthetic") and has(c, "ocean")),
    "advanced-or": ("ocean OR optical", lambda c: has(c, "ocean") or has(c, "optical")),
    "advanced-not": ("synthetic NOT ESGF", lambda c: has(c, "synthetic") and not has(c, "esgf")),
    "advanced-phrase": ('"climate dt"', lambda c: has(c, "climate dt")),
    "advanced-parentheses": ("(cmip6 OR eerie) AND regional",
                             lambda c: (has(c, "cmip6") or has(c, "eerie")) and has(c, "regional")),
    "advanced-plus-minus": ("climate +synthetic -ESGF",
                            lambda c: has(c, "synthetic") and not has(c, "esgf")),
    "nothing": ("nosuchwordanywhere", lambda c: False),
}


@pytest.fixture(scope="module")
def declared(base):
    return set(requests.get(base + "/conformance").json()["conformsTo"])


def test_classes_are_declared(declared, landing):
    assert CLASSES <= declared
    assert CLASSES <= set(landing["conformsTo"])
    assert "https://api.stacspec.org/v1.0.0-rc.1/collection-search#query" not in declared


@pytest.mark.parametrize("name", list(Q_CASES))
def test_q(base, http, every, name):
    q, predicate = Q_CASES[name]
    expected = {cid for cid, c in every.items() if predicate(c)}
    if name != "nothing":
        assert expected and expected != set(every), name
    assert set(search_ids(http, base, {"q": q, "limit": 2})) == expected


def test_q_ranks_collections_holding_every_term_first(base, http, every):
    found = search_ids(http, base, {"q": "ocean,regional,synthetic"})
    score = [sum(has(every[cid], t) for t in ("ocean", "regional", "synthetic")) for cid in found]
    assert found and score[0] == 3, (found, score)
    assert found != sorted(found), "relevance, not id order"


# ---- bbox, datetime ----------------------------------------------------------------------------

def extent_as_item(c):
    w, s, e, n = c["extent"]["spatial"]["bbox"][0]
    return {"geometry": {"type": "Polygon",
                         "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}}


def overlaps(c, dt):
    qs, qe = parse_datetime_param(dt)
    start, end = c["extent"]["temporal"]["interval"][0]
    start = parse_rfc3339(start) if start else datetime.min.replace(tzinfo=timezone.utc)
    end = parse_rfc3339(end) if end else datetime.max.replace(tzinfo=timezone.utc)
    return (qe is None or start <= qe) and (qs is None or end >= qs)


@pytest.mark.parametrize("bbox", ["-60.3,40.3,-50.3,50.3", "170,-20,-170,-10", "0,60,10,70"])
def test_bbox(base, http, every, bbox):
    box = [float(v) for v in bbox.split(",")]
    expected = {cid for cid, c in every.items() if matches_bbox(extent_as_item(c), box)}
    assert set(search_ids(http, base, {"bbox": bbox})) == expected


@pytest.mark.parametrize("dt", ["2030-06-01T00:00:00Z/..", "../1900-01-01T00:00:00Z",
                                "2001-01-01T00:00:00Z/2001-02-01T00:00:00Z",
                                "2024-01-01T00:00:00Z"])
def test_datetime(base, http, every, dt):
    expected = {cid for cid, c in every.items() if overlaps(c, dt)}
    assert expected and expected != set(every)
    assert set(search_ids(http, base, {"datetime": dt, "limit": 1})) == expected


def test_combinations(base, http, every):
    params = {"q": "synthetic", "bbox": "-60.3,40.3,-50.3,50.3",
              "datetime": "1990-01-01T00:00:00Z/..", "filter": "license <> 'proprietary'",
              "sortby": "-title", "limit": 1}
    box = [float(v) for v in params["bbox"].split(",")]
    expected = sorted((c for c in every.values()
                       if has(c, "synthetic") and matches_bbox(extent_as_item(c), box)
                       and overlaps(c, params["datetime"]) and c.get("license") != "proprietary"),
                      key=lambda c: c["title"], reverse=True)
    assert len(expected) >= 2
    assert search_ids(http, base, params) == [c["id"] for c in expected]


# ---- sortby and paging -------------------------------------------------------------------------

def sort_value(c, field):
    if field == "id":
        return c["id"]
    if field in ("title", "description", "license"):
        return c.get(field)
    start, end = c["extent"]["temporal"]["interval"][0]
    value = start if field in ("datetime", "start_datetime") else end
    return parse_rfc3339(value) if value else None


def expected_order(every, sortby):
    """Missing values last either way; text compared bytewise; ties by id ascending."""
    fields = [(part.lstrip("+-"), part.startswith("-")) for part in sortby.split(",")]
    if "id" not in [field for field, _ in fields]:
        fields.append(("id", False))

    def compare(a, b):
        for field, desc in fields:
            va, vb = sort_value(a, field), sort_value(b, field)
            if va is None or vb is None:
                if (va is None) != (vb is None):
                    return 1 if va is None else -1
                continue
            if isinstance(va, str):
                va, vb = va.encode(), vb.encode()
            if va != vb:
                return (-1 if va < vb else 1) * (-1 if desc else 1)
        return 0

    return [c["id"] for c in sorted(every.values(), key=functools.cmp_to_key(compare))]


SORTS = ["id", "-id", "title", "-title", "license,-id", "-license", "datetime", "-datetime",
         "end_datetime", "-end_datetime,title", "start_datetime"]


@pytest.mark.parametrize("sortby", SORTS)
def test_sortby_pages_every_collection_once_both_ways(base, http, every, sortby):
    expected = expected_order(every, sortby)
    pages = walk(http, base + "/collections", {"sortby": sortby, "limit": 1})
    assert ids(pages) == expected
    for page in pages:
        assert page["numberMatched"] == len(expected)
    back = walk_back(http, pages[-1])
    assert [c["id"] for page in reversed(back) for c in page["collections"]] == expected[:-1]
    for page in back:
        assert page["numberMatched"] == len(expected)


def test_default_order_is_id(base, http, every):
    assert search_ids(http, base, {"limit": 3}) == sorted(every, key=lambda i: i.encode())


def test_paging_with_q_walks_back_exactly(base, http, every):
    pages = walk(http, base + "/collections", {"q": "synthetic", "limit": 1})
    forward = ids(pages)
    assert len(forward) >= 3
    back = walk_back(http, pages[-1])
    assert [c["id"] for page in reversed(back) for c in page["collections"]] == forward[:-1]


def test_sortables_and_queryables_are_linked(base, http):
    doc = http.get(base + "/collections").json()
    queryables = [link for link in doc["links"] if link["rel"] == QUERYABLES_REL]
    sortables = [link for link in doc["links"] if link["rel"] == SORTABLES_REL]
    assert len(queryables) == 1 and len(sortables) == 1
    assert queryables[0]["href"] != base + "/queryables"
    q = http.get(queryables[0]["href"])
    assert q.status_code == 200 and q.headers["Content-Type"].startswith("application/schema+json")
    props = q.json()["properties"]
    assert {"id", "title", "description", "license", "keywords", "datetime", "geometry"} <= set(props)
    s = http.get(sortables[0]["href"]).json()["properties"]
    assert set(s) == {"id", "title", "description", "license", "datetime", "start_datetime",
                      "end_datetime"}
    for field in s:  # every sortable sorts
        assert http.get(base + "/collections", params={"sortby": field}).status_code == 200


@pytest.mark.parametrize("sortby", ["keywords", "geometry", "summaries", "cmip6:source_id",
                                    "title,title", "+", ""])
def test_unsortable_field_is_a_400_naming_sortby(base, http, sortby):
    r = http.get(base + "/collections", params={"sortby": sortby})
    assert_error(r, 400)
    assert "sortby" in r.json()["description"]


# ---- fields ------------------------------------------------------------------------------------

def test_fields(base, http, every):
    # With an include, a collection keeps type, stac_version, id and links besides.
    core = {"type", "stac_version", "id", "links"}
    doc = http.get(base + "/collections", params={"fields": "id,title"}).json()
    for c in doc["collections"]:
        assert set(c) == ({"id", "title"} | core) & (set(every[c["id"]]) | {"links"}) | {"id"}
    doc = http.get(base + "/collections", params={"fields": "-links"}).json()
    for c in doc["collections"]:
        want = {"type", "stac_version", "stac_extensions", "id", "title", "description",
                "license", "extent"} & set(every[c["id"]])
        assert set(c) == want
    doc = http.get(base + "/collections", params={"fields": "+summaries,-links,-type,+id"}).json()
    for c in doc["collections"]:
        assert set(c) == ({"id", "stac_version"} | ({"summaries"} & set(every[c["id"]])))
    # Fields do not change which collections match, nor their paging.
    assert search_ids(http, base, {"fields": "id", "limit": 1}) == sorted(every)


# ---- filter ------------------------------------------------------------------------------------

def summary_values(c, name):
    s = c.get("summaries", {}).get(name)
    if isinstance(s, list):
        return s
    if isinstance(s, dict):
        return [s.get("minimum"), s.get("maximum")]
    return [] if s is None else [s]


FILTERS = {
    "title LIKE '%CMIP6%'": lambda c: "CMIP6" in c.get("title", ""),
    "license = 'CC-BY-4.0'": lambda c: c.get("license") == "CC-BY-4.0",
    "id IN ('CMIP6', 'sentinel-2-l2a', 'nope')": lambda c: c["id"] in ("CMIP6", "sentinel-2-l2a"),
    "cmip6:experiment_id = 'historical'":
        lambda c: "historical" in summary_values(c, "cmip6:experiment_id"),
    "gsd < 15": lambda c: any(isinstance(v, (int, float)) and v < 15 for v in summary_values(c, "gsd")),
    "gsd > 100": lambda c: False,
    "platform LIKE 'sentinel-2%' AND license = 'other'":
        lambda c: any(str(v).startswith("sentinel-2") for v in summary_values(c, "platform"))
        and c.get("license") == "other",
    "NOT (cmip6:source_id = 'CESM2')": lambda c: "CESM2" not in summary_values(c, "cmip6:source_id"),
    "A_CONTAINS(keywords, ('ESGF'))": lambda c: "ESGF" in c.get("keywords", []),
    "T_INTERSECTS(datetime, INTERVAL('2000-06-01T00:00:00Z', '2001-01-01T00:00:00Z'))":
        lambda c: overlaps(c, "2000-06-01T00:00:00Z/2001-01-01T00:00:00Z"),
    "end_datetime < TIMESTAMP('2025-01-01T00:00:00Z')":
        lambda c: parse_rfc3339(c["extent"]["temporal"]["interval"][0][1])
        < datetime(2025, 1, 1, tzinfo=timezone.utc),
    "S_INTERSECTS(geometry, BBOX(-60.3, 40.3, -50.3, 50.3))":
        lambda c: matches_bbox(extent_as_item(c), [-60.3, 40.3, -50.3, 50.3]),
    "CASEI(title) LIKE '%sentinel%'": lambda c: "sentinel" in c.get("title", "").lower(),
    # Equality with strings answered by the summaries' terms, and the same read value by value.
    "cmip6:source_id IN ('CESM2', 'NoSuchModel')":
        lambda c: "CESM2" in summary_values(c, "cmip6:source_id"),
    "'sentinel-2b' = platform": lambda c: "sentinel-2b" in summary_values(c, "platform"),
    "NOT (cmip6:experiment_id = 'historical') AND license = 'CC-BY-4.0'":
        lambda c: "historical" not in summary_values(c, "cmip6:experiment_id")
        and c.get("license") == "CC-BY-4.0",
    "CASEI(cmip6:experiment_id) = 'historical'":
        lambda c: "historical" in [str(v).lower() for v in summary_values(c, "cmip6:experiment_id")],
    "gsd = 20": lambda c: 20 in summary_values(c, "gsd"),
    "gsd = '20'": lambda c: "20" in [str(v) for v in summary_values(c, "gsd")],
    "nosuchsummary = 'x'": lambda c: False,
    "nosuchsummary IS NULL": lambda c: True,
}


@pytest.mark.parametrize("text", list(FILTERS))
def test_filter_text(base, http, every, text):
    expected = {cid for cid, c in every.items() if FILTERS[text](c)}
    assert set(search_ids(http, base, {"filter": text, "limit": 2})) == expected


def test_filter_json(base, http, every):
    body = ('{"op":"and","args":[{"op":"=","args":[{"property":"license"},"CC-BY-4.0"]},'
            '{"op":"like","args":[{"property":"title"},"%synthetic%"]}]}')
    expected = {cid for cid, c in every.items()
                if c.get("license") == "CC-BY-4.0" and "synthetic" in c.get("title", "")}
    assert expected
    assert set(search_ids(http, base, {"filter": body, "filter-lang": "cql2-json"})) == expected


def test_every_filter_case_says_something(every):
    for text, predicate in FILTERS.items():
        matched = {cid for cid, c in every.items() if predicate(c)}
        if text not in ("gsd > 100", "nosuchsummary = 'x'", "nosuchsummary IS NULL"):
            assert matched and matched != set(every), text


# ---- federation --------------------------------------------------------------------------------

def test_each_collection_once_with_its_catalogs(base, http, every, federation):
    if not federation["applied"]:
        pytest.skip("no fixture federation")
    doc = http.get(base + "/collections", params={"q": "cmip6"}).json()
    cmip6 = [c for c in doc["collections"] if c["id"] == "CMIP6"]
    assert len(cmip6) == 1
    related = {link["href"] for link in cmip6[0]["links"] if link["rel"] == "related"}
    assert {f"{base}/catalogs/esgf-west", f"{base}/catalogs/esgf-east"} <= related


def test_scoped_collection_search(base, http, every, federation):
    if not federation["applied"]:
        pytest.skip("no fixture federation")
    from test_catalogs import CLOSURE
    for catalog, held in CLOSURE.items():
        held = set(held) & set(every)
        got = search_ids(http, base, {"limit": 1, "sortby": "-id"},
                         path=f"/catalogs/{catalog}/collections")
        assert got == sorted(held, reverse=True), catalog
        q = {cid for cid in held if has(every[cid], "synthetic")}
        assert set(search_ids(http, base, {"q": "synthetic"},
                              path=f"/catalogs/{catalog}/collections")) == q
        page = http.get(f"{base}/catalogs/{catalog}/collections").json()
        assert links_by_rel(page, "parent")[0]["href"] == f"{base}/catalogs/{catalog}"
    assert_error(http.get(base + "/catalogs/no-such-catalog/collections", params={"q": "x"}), 404)


# ---- bad input ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/collections", "/catalogs/esgf/collections"])
@pytest.mark.parametrize("name", ["ids", "collections", "intersects", "query", "foo", "type"])
def test_unknown_parameters_are_a_400(base, http, path, name):
    r = http.get(base + path, params={name: "CMIP6"})
    assert_error(r, 400)
    description = r.json()["description"]
    assert name in description
    for supported in ("bbox", "datetime", "limit", "q", "sortby", "fields", "filter"):
        assert supported in description


MALFORMED = [("q", "(cmip6"), ("q", "cmip6)"), ("q", "a,,b"), ("q", ""), ("q", "a AND"),
             ("bbox", "1,2,3"), ("bbox", "a,b,c,d"), ("bbox", "0,10,1,0"),
             ("datetime", "yesterday"), ("datetime", "../.."), ("limit", "0"), ("limit", "x"),
             ("fields", "a..b"), ("filter", "title ="), ("filter", "title > 3"),
             ("filter", "nosuchfunction(title)"), ("filter-lang", "sql"),
             ("token", "garbage"), ("sortby", "-")]


@pytest.mark.parametrize("name,value", MALFORMED)
def test_malformed_parameters_are_a_400_naming_them(base, http, name, value):
    r = http.get(base + "/collections", params={name: value})
    assert_error(r, 400)
    assert name in r.json()["description"]


def test_a_token_belongs_to_its_search(base, http):
    doc = http.get(base + "/collections", params={"q": "synthetic", "limit": 1}).json()
    nxt = [link for link in doc["links"] if link["rel"] == "next"][0]["href"]
    token = parse_qs(urlparse(nxt).query)["token"][0]
    assert_error(http.get(base + "/collections", params={"q": "cmip6", "limit": 1,
                                                         "token": token}), 400)
    assert_error(http.get(base + "/collections", params={"token": token}), 400)
    # limit and fields aside, the same search continues.
    r = http.get(base + "/collections", params={"q": "synthetic", "limit": 2, "token": token,
                                                "fields": "id"})
    assert r.status_code == 200
