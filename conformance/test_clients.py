"""What pystac-client (0.9) and stac-browser do, replayed in plain Python: they must work
against stacfed with no workaround (reference/stac-api.md sections 3 and 4)."""

import json
import re

import pytest
import requests

from stacutil import GEOJSON, JSON, keys_of, links_by_rel, matches_datetime


# item_search.py's OP_MAP, longest operators first, as its _format_query tries them.
_QUERY_OPS = [(">=", "gte"), ("<=", "lte"), ("<>", "neq"), ("=", "eq"), (">", "gt"), ("<", "lt")]


def _format_query(strings):
    out = {}
    for text in strings:
        for symbol, name in _QUERY_OPS:
            if symbol in text:
                prop, value = text.split(symbol, 1)
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
                out.setdefault(prop, {})[name] = value
                break
    return out


def _format_fields(value):
    """item_search.py's _format_fields: "a,-b" or ["a", "-b"] -> {"include", "exclude"}."""
    names = value.split(",") if isinstance(value, str) else value
    out = {"include": [], "exclude": []}
    for name in names:
        if name.startswith("-"):
            out["exclude"].append(name[1:])
        else:
            out["include"].append(name[1:] if name.startswith("+") else name)
    return out


class MiniPystacClient:
    """The parts of pystac_client.Client / ItemSearch / CollectionClient / StacApiIO that
    matter for a server, re-implemented in a few lines."""

    def __init__(self, url):
        self.session = requests.Session()
        r = self.session.get(url)
        assert r.status_code == 200
        self.root = r.json()

    def conforms_to(self, suffix):
        # conformance.py: only the landing page's conformsTo, only v1.0.x URIs.
        pattern = re.compile(re.escape("https://api.stacspec.org/v1.0.") + "(.*)"
                             + re.escape("/" + suffix))
        return any(pattern.fullmatch(uri) for uri in self.root.get("conformsTo", []))

    def _link(self, doc, rel, media_types=(GEOJSON, JSON)):
        for link in doc.get("links", []):
            if link.get("rel") == rel and link.get("type", JSON) in media_types:
                return link
        return None

    def _pages(self, method, href, body_or_params):
        """stac_api_io.get_pages: follow the first rel=next until none or an empty page."""
        if method == "POST":
            r = self.session.post(href, json=body_or_params)
        else:
            r = self.session.get(href, params=body_or_params)
        original = body_or_params
        for _ in range(1000):
            if r.status_code != 200:
                raise AssertionError(f"APIError {r.status_code}: {r.text[:300]}")
            page = r.json()
            yield page
            features = page.get("features", page.get("collections"))
            if not features:
                return
            nxt = next((link for link in page.get("links", []) if link["rel"] == "next"), None)
            if nxt is None:
                return
            if nxt.get("method", "GET").upper() == "POST":
                body = nxt.get("body", {})
                if nxt.get("merge", False):
                    body = {**original, **body}
                r = self.session.post(nxt["href"], json=body, headers=nxt.get("headers"))
            else:
                r = self.session.get(nxt["href"])
        raise AssertionError("next links never end")

    def search(self, method="POST", **params):
        assert self.conforms_to("item-search"), "pystac-client: no ITEM_SEARCH"
        link = self._link(self.root, "search")
        assert link is not None, "pystac-client: no search link typed geo+json/json"
        if "query" in params:
            # ItemSearch: asserts QUERY, turns ["p<10"] into {"p": {"lt": 10}}, and sends it
            # as a JSON string in GET.
            assert self.conforms_to("item-search#query"), "pystac-client: no QUERY"
            query = params["query"]
            if isinstance(query, list):
                query = _format_query(query)
            params["query"] = json.dumps(query) if method == "GET" else query
        if "sortby" in params:
            # ItemSearch._format_sortby: "-a,+b" or ["-a", "b"] become [{"field", "direction"}];
            # GET sends them back as "-a,+b" (the '+' percent-encoded by requests).
            assert self.conforms_to("item-search#sort"), "pystac-client: no SORT"
            parts = params["sortby"]
            if isinstance(parts, str):
                parts = parts.split(",")
            sortby = [{"field": p[1:], "direction": "desc"} if p.startswith("-") else
                      {"field": p[1:] if p.startswith("+") else p, "direction": "asc"}
                      for p in parts]
            params["sortby"] = sortby if method == "POST" else ",".join(
                ("-" if s["direction"] == "desc" else "+") + s["field"] for s in sortby)
        if method == "GET":
            params = {k: (",".join(v) if isinstance(v, list) else v) for k, v in params.items()}
        if "fields" in params:
            # Always both lists in POST; GET writes them as "+a,-b" (_fields_dict_to_str).
            assert self.conforms_to("item-search#fields"), "pystac-client: no FIELDS"
            fields = _format_fields(params["fields"])
            params["fields"] = fields if method == "POST" else ",".join(
                [f"+{x}" for x in fields["include"]] + [f"-{x}" for x in fields["exclude"]])
        for page in self._pages(method, link["href"], params):
            yield from page["features"]

    def matched(self, **params):
        link = self._link(self.root, "search")
        r = self.session.post(link["href"], json={**params, "limit": 1})
        doc = r.json()
        if "context" in doc and "matched" in doc["context"]:
            return doc["context"]["matched"]
        return doc.get("numberMatched")

    def get_collections(self):
        assert self.conforms_to("collections") or self.conforms_to("ogcapi-features")
        data = self._link(self.root, "data", (JSON,))
        for page in self._pages("GET", data["href"], None):
            yield from page["collections"]

    def get_collection(self, cid):
        data = self._link(self.root, "data", (JSON,))
        r = self.session.get(f"{data['href']}/{cid}")
        assert r.status_code == 200
        return r.json()

    def collection_search(self, **params):
        """pystac_client.CollectionSearch: always GET on the data link; q joined by commas,
        a string filter sent as cql2-text with filter-lang, sortby as "+f,-g", fields as
        "+a,-b"; each parameter only when the server declares its class."""
        assert self.conforms_to("collection-search"), "pystac-client: no COLLECTION_SEARCH"
        data = self._link(self.root, "data", (JSON,))
        out = {}
        for name, value in params.items():
            if name == "q":
                assert self.conforms_to("collection-search#free-text")
                out["q"] = ",".join(value) if isinstance(value, list) else value
            elif name == "filter":
                assert self.conforms_to("collection-search#filter")
                out["filter"] = value
                out["filter-lang"] = "cql2-text"
            elif name == "sortby":
                assert self.conforms_to("collection-search#sort")
                parts = value.split(",") if isinstance(value, str) else value
                out["sortby"] = ",".join(p if p[0] in "+-" else "+" + p for p in parts)
            elif name == "fields":
                assert self.conforms_to("collection-search#fields")
                fields = _format_fields(value)
                out["fields"] = ",".join([f"+{x}" for x in fields["include"]]
                                         + [f"-{x}" for x in fields["exclude"]])
            elif name == "bbox":
                out["bbox"] = ",".join(str(v) for v in value)
            else:
                out[name] = value
        for page in self._pages("GET", data["href"], out):
            yield from page["collections"]

    def collection_get_items(self, collection):
        # CollectionClient.get_items(): GET <items link>?collections=<id>, following next.
        items_link = self._link(collection, "items")
        for page in self._pages("GET", items_link["href"], {"collections": collection["id"]}):
            yield from page["features"]


@pytest.fixture(scope="module")
def client(base):
    return MiniPystacClient(base + "/")


def test_client_recognises_an_api(client):
    for suffix in ("core", "item-search", "collections", "ogcapi-features"):
        assert client.conforms_to(suffix), suffix


def test_post_search_pages_to_the_end(client, items):
    got = [(f["collection"], f["id"]) for f in client.search(collections=["CMIP6",
                                                                         "sentinel-2-l2a"],
                                                            limit=9)]
    expected = {(i["collection"], i["id"]) for i in items
                if i["collection"] in ("CMIP6", "sentinel-2-l2a")}
    assert len(got) == len(set(got))
    assert set(got) == expected


def test_get_search_pages_to_the_end(client, items):
    got = [(f["collection"], f["id"]) for f in client.search(method="GET", limit=11)]
    assert len(got) == len(set(got))
    assert set(got) == {(i["collection"], i["id"]) for i in items}


def test_search_with_a_year_as_pystac_client_sends_it(client, items):
    dt = "2023-01-01T00:00:00Z/2023-12-31T23:59:59Z"  # datetime="2023"
    got = {(f["collection"], f["id"]) for f in client.search(datetime=dt, limit=20)}
    assert got == {(i["collection"], i["id"]) for i in items if matches_datetime(i, dt)}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_with_query_as_pystac_client_sends_it(client, items, method):
    clouds = sorted(i["properties"]["eo:cloud_cover"] for i in items
                    if "eo:cloud_cover" in i["properties"])
    cut = clouds[len(clouds) // 2]
    got = [(f["collection"], f["id"]) for f in client.search(
        method=method, query=[f"eo:cloud_cover<{cut}", "platform<>none"], limit=3)]
    want = {(i["collection"], i["id"]) for i in items
            if isinstance(i["properties"].get("eo:cloud_cover"), (int, float))
            and i["properties"]["eo:cloud_cover"] < cut
            and isinstance(i["properties"].get("platform"), str)
            and i["properties"]["platform"] != "none"}
    assert want and len(got) == len(set(got))
    assert set(got) == want


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_sorted_as_pystac_client_sends_it(client, items, method):
    got = [f["id"] for f in client.search(method=method, sortby="-properties.eo:cloud_cover,id",
                                          collections=["sentinel-2-l2a"], limit=4)]
    ranked = sorted((i for i in items if i["collection"] == "sentinel-2-l2a"),
                    key=lambda i: i["id"])
    ranked.sort(key=lambda i: -i["properties"]["eo:cloud_cover"])
    assert len(ranked) > 4 and got == [i["id"] for i in ranked]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_with_q_as_pystac_client_sends_it(client, items, method):
    # ItemSearch passes q through as given: here a string, comma-separated (basic).
    from test_free_text import has
    got = {(f["collection"], f["id"]) for f in client.search(method=method, q="tas,cesm2",
                                                             limit=5)}
    want = {(i["collection"], i["id"]) for i in items if has(i, "tas") or has(i, "cesm2")}
    assert want and got == want


def test_matched(client, items):
    count = client.matched(collections=["eerie-pacific-regional"])
    if count is None:
        pytest.skip("numberMatched not offered")
    assert count == sum(1 for i in items if i["collection"] == "eerie-pacific-regional")


def test_collections_and_get_items(client, items, collections):
    listed = {c["id"]: c for c in client.get_collections()}
    assert set(collections) <= set(listed)
    for cid in collections:
        collection = client.get_collection(cid)
        got = [f["id"] for f in client.collection_get_items(collection)]
        assert len(got) == len(set(got))
        assert set(got) == {i["id"] for i in items if i["collection"] == cid}


def test_get_item_by_id_through_search(client, items):
    # pystac-client's get_items(ids) with ITEM_SEARCH: POST {"ids": [...], "collections": [...]}
    item = items[77]
    got = list(client.search(ids=[item["id"]], collections=[item["collection"]]))
    assert [f["id"] for f in got] == [item["id"]]


def test_stac_browser_search_link_and_paging(base, client):
    # stac-browser: search link typed exactly geo+json, POST preferred, merge ignored.
    posts = [link for link in links_by_rel(client.root, "search")
             if link.get("method") == "POST"]
    assert posts and posts[0]["type"] == GEOJSON
    r = requests.post(posts[0]["href"], json={"limit": 12, "collections": ["sentinel-2-l2a"]})
    first = r.json()
    nxt = [link for link in first["links"] if link["rel"] == "next"][0]
    second = requests.request(nxt.get("method", "GET"), nxt["href"], json=nxt.get("body"),
                              headers=nxt.get("headers")).json()
    assert set(keys_of(first)).isdisjoint(keys_of(second))
    assert all(f["collection"] == "sentinel-2-l2a" for f in second["features"])


def test_root_self_is_stable_for_stac_browser(base, client):
    # stac-browser's catalogUrl must equal the root's self href exactly.
    self_href = [link for link in client.root["links"] if link["rel"] == "self"][0]["href"]
    again = requests.get(self_href).json()
    assert [link for link in again["links"] if link["rel"] == "self"][0]["href"] == self_href


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_with_fields_as_pystac_client_sends_them(client, items, method):
    s2 = [i for i in items if i["collection"] == "sentinel-2-l2a"]
    got = list(client.search(method=method, collections=["sentinel-2-l2a"],
                             fields="id,properties.eo:cloud_cover", limit=7))
    # With an include, an item keeps type, stac_version, id and links besides.
    assert all(f.pop("links") for f in got)
    assert sorted(got, key=lambda f: f["id"]) == sorted(
        ({"type": "Feature", "stac_version": i["stac_version"], "id": i["id"],
          "properties": {"eo:cloud_cover": i["properties"]["eo:cloud_cover"]}}
         for i in s2), key=lambda f: f["id"])
    # Excludes alone: pystac-client sends an empty include, so the default set without them.
    got = list(client.search(method=method, collections=["sentinel-2-l2a"],
                             fields=["-geometry", "-assets"], limit=50))
    assert len(got) == len(s2)
    assert all(set(f) == {"type", "stac_version", "id", "collection", "bbox", "links",
                          "properties"} and set(f["properties"]) == {"datetime"} for f in got)


def test_collection_search_as_pystac_client_sends_it(client, collections):
    every = {c["id"] for c in client.get_collections()}
    got = [c["id"] for c in client.collection_search(q=["cmip6", "eerie"], limit=1)]
    assert sorted(got) == ["CMIP6", "eerie-pacific-regional"]
    got = [c["id"] for c in client.collection_search(q="synthetic", filter="license = 'CC-BY-4.0'",
                                                     sortby="-id", limit=1)]
    assert got == sorted((cid for cid, c in collections.items()
                          if c.get("license") == "CC-BY-4.0"), reverse=True)
    got = list(client.collection_search(filter="cmip6:experiment_id = 'historical'",
                                        fields=["id", "title"]))
    # With an include, a collection keeps type, stac_version, id and links besides.
    assert all(c.pop("links") for c in got)
    assert got == [{"type": "Collection", "stac_version": collections["CMIP6"]["stac_version"],
                    "id": "CMIP6", "title": collections["CMIP6"]["title"]}]
    got = {c["id"] for c in client.collection_search(bbox=[0, 60, 10, 70],
                                                     datetime="2030-06-01T00:00:00Z/..")}
    assert got == {"CMIP6", "destine-climate-dt"} and got <= every
