"""Landing page, /conformance, /api and /api.html (STAC API Core, OGC API Features)."""

import re

import requests

from stacutil import GEOJSON, JSON, OPENAPI, links_by_rel, media_type, one_link

REQUIRED_CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/item-search",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


def test_landing_is_a_catalog(base):
    r = requests.get(base + "/")
    assert r.status_code == 200
    assert media_type(r) == JSON
    doc = r.json()
    assert doc.get("type") == "Catalog"
    for key in ("id", "title", "description", "stac_version"):
        assert isinstance(doc.get(key), str) and doc[key], f"landing page lacks {key}"
    assert doc["stac_version"].startswith("1."), doc["stac_version"]
    assert isinstance(doc.get("conformsTo"), list) and doc["conformsTo"]
    assert isinstance(doc.get("links"), list) and doc["links"]


def test_landing_links(base, landing):
    self_link = one_link(landing, "self")
    assert self_link["href"].rstrip("/") == base, self_link
    assert self_link.get("type") == JSON
    root = one_link(landing, "root")
    assert root["href"].rstrip("/") == base
    assert root.get("type") == JSON

    desc = one_link(landing, "service-desc")
    assert desc.get("type") == OPENAPI
    assert desc["href"] == base + "/api"
    doc = one_link(landing, "service-doc")
    assert doc.get("type") == "text/html"
    assert doc["href"] == base + "/api.html"
    conf = one_link(landing, "conformance")
    assert conf.get("type") == JSON
    assert conf["href"] == base + "/conformance"
    data = one_link(landing, "data")
    assert data.get("type") == JSON
    assert data["href"] == base + "/collections"
    assert not links_by_rel(landing, "collections"), "use rel=data, never rel=collections"


def test_landing_has_get_and_post_search_links(base, landing):
    searches = links_by_rel(landing, "search")
    assert len(searches) == 2, searches
    methods = sorted(link.get("method", "GET").upper() for link in searches)
    assert methods == ["GET", "POST"], searches
    for link in searches:
        assert link.get("type") == GEOJSON, link  # stac-browser wants exactly this
        assert link["href"] == base + "/search"


def test_every_landing_href_is_absolute(base, landing):
    for link in landing["links"]:
        assert link["href"].startswith(base + "/") or link["href"] == base, link


def test_conformance_contains_the_v1_0_0_uris(landing):
    conforms = landing["conformsTo"]
    for uri in REQUIRED_CONFORMANCE:
        assert uri in conforms, f"{uri} missing from conformsTo"
    assert len(conforms) == len(set(conforms)), "duplicates in conformsTo"
    assert not [u for u in conforms if "/ogcapi-features-1/1.0/req/" in u], "use conf, not req"


def test_pystac_client_recognises_the_landing_page(landing):
    # pystac-client reads conformsTo from the landing page only, with this pattern.
    for suffix in ("core", "item-search", "collections", "ogcapi-features"):
        pattern = re.compile(re.escape("https://api.stacspec.org/v1.0.") + "(.*)"
                             + re.escape("/" + suffix))
        assert any(pattern.fullmatch(uri) for uri in landing["conformsTo"]), suffix


def test_conformance_endpoint_equals_conformsto(base, landing):
    r = requests.get(base + "/conformance")
    assert r.status_code == 200
    assert media_type(r) == JSON
    doc = r.json()
    assert doc["conformsTo"] == landing["conformsTo"]


def test_conformance_is_sorted(landing):
    # DESIGN.md: /conformance and conformsTo are the sorted union of the enabled modules.
    assert landing["conformsTo"] == sorted(landing["conformsTo"])


def test_service_desc_answers_with_its_link_type(base, landing):
    desc = one_link(landing, "service-desc")
    r = requests.get(desc["href"], headers={"Accept": desc["type"]})
    assert r.status_code == 200
    got = r.headers.get("Content-Type", "").replace(" ", "").lower()
    assert got == OPENAPI, got
    r = requests.get(desc["href"])  # no Accept: still the document
    assert r.status_code == 200
    r.json()


def test_service_doc_is_html(base, landing):
    doc = one_link(landing, "service-doc")
    r = requests.get(doc["href"])
    assert r.status_code == 200
    assert media_type(r) == "text/html"
    assert "<html" in r.text.lower()


def _resolve(spec, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), f"external $ref {ref}"
        target = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        obj = target
    return obj


def _normalise(path):
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_openapi_document(base):
    spec = requests.get(base + "/api").json()
    assert str(spec.get("openapi", "")).startswith("3.0."), spec.get("openapi")
    assert spec["info"]["title"] and spec["info"]["version"]
    paths = {_normalise(p): v for p, v in spec["paths"].items()}
    for path in ("/", "/conformance", "/collections", "/collections/{}",
                 "/collections/{}/items", "/collections/{}/items/{}", "/search"):
        assert path in paths, f"{path} missing from the OpenAPI paths"
    assert "get" in paths["/search"] and "post" in paths["/search"]
    for path, operations in paths.items():
        for method, op in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert op.get("responses"), f"{method} {path} has no responses"

    def limit_of(op):
        params = [_resolve(spec, p) for p in op.get("parameters", [])]
        found = [p for p in params if p.get("name") == "limit" and p.get("in") == "query"]
        assert found, "no limit parameter"
        return _resolve(spec, found[0]["schema"])

    for path in ("/search", "/collections/{}/items"):
        schema = limit_of(paths[path]["get"])
        assert schema.get("minimum") == 1, schema
        assert schema.get("maximum") == 10000, schema
        assert schema.get("default") == 10, schema


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_refs_resolve(base):
    spec = requests.get(base + "/api").json()
    for ref in set(_refs(spec)):
        _resolve(spec, {"$ref": ref})


SAMPLE_QUERY_VALUES = {
    "bbox": "-10.5,-10.5,10.5,10.5",
    "datetime": "2000-01-01T00:00:00Z/..",
    "ids": "a,b",
    "collections": "CMIP6",
    "limit": "5",
    "intersects": '{"type":"Point","coordinates":[0.5,0.5]}',
    "aggregations": "total_count",
}
# Members of a POST body that a documented body schema requires.
SAMPLE_BODY_VALUES = {"aggregations": ["total_count"]}


# Every path the server routes (server/api: handlers.cpp, catalogs_handlers.cpp), with its
# parameters in the OpenAPI spelling: each must be in the document.
SERVED_PATHS = (
    "/", "/conformance", "/api", "/api.html", "/children", "/search",
    "/export/intake-esm.json", "/export/intake-esm.csv", "/export/xarray.py",
    "/catalogs/{}/export/intake-esm.json", "/catalogs/{}/export/intake-esm.csv",
    "/catalogs/{}/export/xarray.py",
    "/collections", "/collections/{}", "/collections/{}/items", "/collections/{}/items/{}",
    "/collections/{}/browse", "/collection-queryables", "/collection-sortables",
    "/catalogs", "/catalogs/{}", "/catalogs/{}/catalogs", "/catalogs/{}/collections",
    "/catalogs/{}/children", "/catalogs/{}/conformance", "/catalogs/{}/search",
    "/aggregate", "/aggregations", "/collections/{}/aggregate", "/collections/{}/aggregations",
    "/catalogs/{}/aggregate", "/catalogs/{}/aggregations",
    "/extensions/site-access/v1.0.0/schema.json", "/extensions/site-access/v1.0.0/README.md",
)


def test_openapi_documents_every_served_path(base):
    spec = requests.get(base + "/api").json()
    documented = {_normalise(p) for p in spec["paths"]}
    missing = [p for p in SERVED_PATHS if p not in documented]
    assert not missing, f"served but not in the OpenAPI document: {missing}"
    scoped = next(v for p, v in spec["paths"].items() if _normalise(p) == "/catalogs/{}/search")
    assert "get" in scoped and "post" in scoped


def test_openapi_describes_what_is_served(base, items, federation):
    """Every documented path answers, and every documented query parameter is accepted."""
    spec = requests.get(base + "/api").json()
    item = next(i for i in items if i["collection"] == "CMIP6")
    for path, operations in spec["paths"].items():
        url = base + path
        if "{catalogId}" in path and not federation["applied"]:
            continue  # no catalogs without the fixture federation (test_catalogs.py says why)
        for name in re.findall(r"\{([^}]+)\}", path):
            if name == "catalogId":
                value = "esgf-west"  # holds CMIP6 in fixtures/federation/federation.json
            elif path.endswith("{" + name + "}") and "/items/" in path:
                value = item["id"]
            else:
                value = "CMIP6"
            url = url.replace("{" + name + "}", value)
        for method, op in operations.items():
            if method not in ("get", "post"):
                continue
            params = [_resolve(spec, p) for p in op.get("parameters", []) +
                      operations.get("parameters", [])]
            # What the operation requires (/aggregate's aggregations), from the samples.
            required = {p["name"]: SAMPLE_QUERY_VALUES[p["name"]] for p in params
                        if p.get("in") == "query" and p.get("required")}
            body = {}
            if method == "post":
                content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
                schema = _resolve(spec, content.get("schema", {}))
                body = {name: SAMPLE_BODY_VALUES[name] for name in schema.get("required", [])}
            r = requests.request(method.upper(), url, json=body if method == "post" else None,
                                 params=required if method == "get" else None)
            assert r.status_code == 200, f"{method.upper()} {url} (documented): {r.status_code}"
            if method != "get":
                continue
            for param in params:
                if param.get("in") != "query" or param["name"] not in SAMPLE_QUERY_VALUES:
                    continue
                r = requests.get(url, params={**required,
                                              param["name"]: SAMPLE_QUERY_VALUES[param["name"]]})
                assert r.status_code == 200, \
                    f"GET {url} with documented {param['name']}: {r.status_code} {r.text[:200]}"
