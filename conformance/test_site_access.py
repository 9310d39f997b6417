"""The site-access extension (schemas/site-access/v1.0.0): served where stac_extensions points,
and every item and collection stacfed serves validates against it.

* The schema is a valid draft-07 schema; GET /extensions/site-access/v1.0.0/schema.json and
  README.md answer the files' bytes with their media types and cache headers; other versions
  and files are 404 {"code","description"}.
* A harvest through `stacfed harvest` of the recorded documents of all four providers
  (../shared/fixtures/upstream: ESGF, Copernicus, DestinE, DKRZ; skipped only when that
  folder is absent), of the project's provider-shaped APIs (tests/crawler/upstream, served by
  tests/crawler/fake_upstream.py), of tests/crawler/annotate's documents and of two sources
  of one collection (merged: stacfed:source, stacfed:sources), with STACFED_PUBLIC_URL set;
  then every collection and item `stacfed serve` answers (same STACFED_PUBLIC_URL) must
  validate, name the extension by that URL, and that URL must resolve on the server.
* Every site:/access:/stacfed: member seen there, and every such literal the crawler and
  server sources write, must be described by the schema at its scope (the schema also
  refuses unknown members of its namespaces).
* The demo catalog as deploy/run.sh produces it (harvested by deploy/demo/load.py, every
  document annotated) and the conformance fixtures validate too.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import pytest
import requests

from conftest import DEMO_PUBLIC, _base_env, _bin, _run
from stacutil import assert_error, media_type

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "schemas" / "site-access" / "v1.0.0"
SCHEMA_PATH = "/extensions/site-access/v1.0.0/schema.json"
README_PATH = "/extensions/site-access/v1.0.0/README.md"
SCHEMA = json.loads((SCHEMA_DIR / "schema.json").read_text())
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)
SHARED = REPO.parent / "shared" / "fixtures" / "upstream"
PROVIDERS = ["esgf", "copernicus", "destine", "dkrz"]
UPSTREAM = REPO / "tests" / "crawler" / "upstream"
ANNOTATE = REPO / "tests" / "crawler" / "annotate"
# The public base the harvest and the server share (with a path and a trailing slash, which
# both drop).
PUBLIC = "https://stac.example.org/fed/"
URI = PUBLIC.rstrip("/") + SCHEMA_PATH
DEFAULT_URI = "http://127.0.0.1:8080" + SCHEMA_PATH
NAMESPACED = re.compile(r"^(site|access|stacfed):")

# The members the schema describes, per scope.
COPY_FIELDS = set(SCHEMA["definitions"]["copy"]["properties"])
ITEM_FIELDS = set(SCHEMA["definitions"]["item_properties"]["properties"])
COLLECTION_FIELDS = {k for k in SCHEMA["oneOf"][1]["allOf"][0]["properties"] if NAMESPACED.match(k)}
# Catalogs' fields: described, not validated (the schema validates Items and Collections).
CATALOG_FIELDS = set(SCHEMA["definitions"]["catalog_fields"]["properties"])
# What the harvest writes (crawler/annotate, crawler/sink/merge.cpp): each must be seen.
WRITTEN = {
    "copy": {"site:ref", "site:tier", "site:replica", "access:protocol", "access:scope",
             "access:status", "access:engine", "stacfed:source"},
    "item": {"site:locations", "access:online_status", "stacfed:sources"},
    "collection": {"site:sites", "stacfed:sources"},
}


def problems(doc):
    """The schema's complaints about one document, readable (oneOf: the branch of its type)."""
    branch = {"Feature": 0, "Collection": 1}.get(doc.get("type"))
    schema = SCHEMA if branch is None else {**SCHEMA, "oneOf": [SCHEMA["oneOf"][branch]]}
    out = []
    for error in jsonschema.Draft7Validator(schema).iter_errors(doc):
        leaves = [error]
        while any(e.context for e in leaves):
            leaves = [c for e in leaves for c in (e.context or [e])]
        for leaf in leaves:
            out.append(f"/{'/'.join(map(str, leaf.absolute_path))}: {leaf.message[:300]}")
    return out


def assert_valid(docs, what):
    bad = {}
    for doc in docs:
        found = problems(doc)
        if found:
            bad[f"{doc.get('type')} {doc.get('collection', '')}/{doc.get('id')}"] = found[:5]
    assert not bad, f"{len(bad)} of {len(docs)} {what} do not validate:\n" + "\n".join(
        f"{k}: {v}" for k, v in list(bad.items())[:20])


def namespaced_members(doc):
    """(scope, member) for every site:/access:/stacfed: member of an item or collection."""
    seen = set()
    scope = "item" if doc.get("type") == "Feature" else "collection"
    for key in doc:
        if NAMESPACED.match(key):
            seen.add((scope + "-top" if scope == "item" else scope, key))
    for key in doc.get("properties") or {}:
        if NAMESPACED.match(key):
            seen.add(("item", key))
    for assets in (doc.get("assets") or {}, doc.get("item_assets") or {}):
        for asset in assets.values():
            copies = [asset] + list((asset.get("alternate") or {}).values())
            for copy in copies:
                for key in copy:
                    if NAMESPACED.match(key):
                        seen.add(("copy", key))
    return seen


def described(scope, key):
    return key in {"copy": COPY_FIELDS, "item": ITEM_FIELDS, "collection": COLLECTION_FIELDS}.get(scope, ())


# ---- the schema and the server -------------------------------------------------------------


def test_schema_is_a_valid_draft_07_schema():
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path,file,content_type", [
    (SCHEMA_PATH, "schema.json", "application/schema+json"),
    (README_PATH, "README.md", "text/markdown"),
])
def test_extension_files_are_served_byte_for_byte(base, path, file, content_type):
    r = requests.get(base + path)
    assert r.status_code == 200, r.text[:300]
    assert r.content == (SCHEMA_DIR / file).read_bytes()
    assert media_type(r) == content_type
    if content_type == "text/markdown":
        assert "charset=utf-8" in r.headers["Content-Type"].replace(" ", "").lower()
    max_age = re.search(r"max-age=(\d+)", r.headers.get("Cache-Control", ""))
    assert max_age and int(max_age.group(1)) >= 86400, r.headers.get("Cache-Control")
    assert r.headers.get("ETag")
    assert requests.get(base + path, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_served_schema_is_a_valid_draft_07_schema(base):
    jsonschema.Draft7Validator.check_schema(requests.get(base + SCHEMA_PATH).json())


@pytest.mark.parametrize("path", [
    "/extensions/site-access/v0.1.0/schema.json",
    "/extensions/site-access/v2.0.0/schema.json",
    "/extensions/site-access/v1.0.0/other.json",
    "/extensions/other/v1.0.0/schema.json",
])
def test_other_versions_and_files_are_404(base, path):
    assert_error(requests.get(base + path), 404)


def test_schema_refuses_unknown_and_undeclared_fields():
    item = {"type": "Feature", "stac_extensions": [URI], "properties": {"datetime": None},
            "assets": {"a": {"href": "https://x.example/a.nc", "site:ref": "dkrz",
                             "alternate": {"b": {"href": "https://y.example/a.nc", "access:rank": 2}}}}}
    assert problems(item) == []
    for mutate in [
        lambda d: d["assets"]["a"]["alternate"]["b"].update({"access:bogus": 1}),  # unknown member
        lambda d: d["properties"].update({"site:ref": "dkrz"}),  # a copy field at item level
        lambda d: d["assets"]["a"].update({"access:status": "maybe"}),  # not in the enum
        lambda d: d["assets"]["a"]["alternate"]["b"].update({"access:rank": 0}),
        lambda d: d.update({"stac_extensions": []}),  # fields used, extension not declared
        lambda d: d.update({"stac_extensions": [URI.replace("v1.0.0", "v0.1.0")]}),
        lambda d: d.update({"site:locations": ["dkrz"]}),  # an item property at the top
    ]:
        doc = json.loads(json.dumps(item))
        mutate(doc)
        assert problems(doc), doc
    # Without any field, nothing is required.
    assert problems({"type": "Feature", "properties": {"datetime": None}, "assets": {}}) == []


def test_every_field_the_sources_write_is_described():
    # String literals naming a member of the extension's namespaces in what writes documents.
    literals = set()
    for folder in ("crawler", "server"):
        for path in (REPO / folder).rglob("*.[ch]pp"):
            literals |= set(re.findall(r'"((?:site|access|stacfed):[a-z_]+)"', path.read_text()))
    assert {"site:ref", "access:status", "stacfed:source"} <= literals, literals
    everywhere = COPY_FIELDS | ITEM_FIELDS | COLLECTION_FIELDS | CATALOG_FIELDS
    assert not literals - everywhere, f"written but not in the schema: {sorted(literals - everywhere)}"
    # And the README documents every field of the schema.
    readme = (SCHEMA_DIR / "README.md").read_text()
    assert not [f for f in everywhere if f"`{f}`" not in readme]


def test_conformance_fixtures_as_served_validate(base):
    docs = requests.get(base + "/collections", params={"limit": 1000}).json()["collections"]
    items = requests.get(base + "/search", params={"limit": 1000}).json()["features"]
    assert docs and items
    assert_valid(docs + items, "served conformance documents")


def test_demo_items_validate(demo):
    # The demo as deploy/run.sh produces it: harvested by deploy/demo/load.py (the `demo`
    # fixture), so its items and collections carry the extension; each must validate.
    collections = requests.get(demo.base + "/collections", params={"limit": 1000}).json()["collections"]
    items = requests.get(demo.base + "/search", params={"limit": 1000}).json()["features"]
    uri = DEMO_PUBLIC + SCHEMA_PATH
    files = [line for path in sorted((REPO / "deploy" / "demo").glob("*.ndjson"))
             for line in path.read_text().splitlines() if line.strip()]
    assert len(collections) + len(items) == len(files)
    annotated = [d for d in collections + items if uri in (d.get("stac_extensions") or [])]
    assert len(annotated) == len(files), "every demo document is annotated"
    assert sum(bool(i["properties"].get("site:locations")) for i in items) > len(items) // 2
    assert_valid(collections + items, "served demo documents")


# ---- a harvest of every provider ----------------------------------------------------------


def _start_upstream(root):
    proc = subprocess.Popen([sys.executable, str(REPO / "tests" / "crawler" / "fake_upstream.py"),
                             "--root", str(root)], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("PORT "), line
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def _write(path, doc):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))


def _static_catalog(root, catalog_id, collections, items_by_collection):
    """A static catalog under root/catalog_id: one folder per collection, links relative."""
    children = []
    for n, (cid, collection) in enumerate(collections.items()):
        folder = root / catalog_id / f"c{n}"
        links = [{"rel": "root", "href": "../catalog.json", "type": "application/json"}]
        for k, item in enumerate(items_by_collection.get(cid, [])):
            _write(folder / f"i{k}.json", {**item, "collection": cid})
            links.append({"rel": "item", "href": f"./i{k}.json", "type": "application/geo+json"})
        _write(folder / "collection.json", {**collection, "links": links})
        children.append({"rel": "child", "href": f"./c{n}/collection.json", "type": "application/json"})
    _write(root / catalog_id / "catalog.json",
           {"type": "Catalog", "stac_version": "1.1.0", "id": catalog_id, "description": catalog_id,
            "links": children})


def _stub_collection(cid):
    return {"type": "Collection", "stac_version": "1.1.0", "id": cid, "license": "other",
            "description": "collection of harvested fixture items", "links": [],
            "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                       "temporal": {"interval": [[None, None]]}}}


def _recorded_documents():
    """Collections and items of the recorded provider documents and tests/crawler/annotate,
    each tagged with the provider folder it came from."""
    collections, items = {}, {}
    files = [(p.parent.name, p) for name in PROVIDERS for p in sorted((SHARED / name).glob("*.json"))]
    files += [("annotate", p) for p in sorted(ANNOTATE.glob("*.json"))]
    provider_of = {}
    for provider, path in files:
        doc = json.loads(path.read_text())
        if not isinstance(doc, dict):
            continue
        kind = doc.get("type")
        found_items = [doc] if kind == "Feature" else doc.get("features", []) if kind == "FeatureCollection" else []
        found_collections = [doc] if kind == "Collection" else doc.get("collections", []) if kind != "Feature" else []
        for c in found_collections:
            if isinstance(c, dict) and c.get("id") and c.get("type", "Collection") == "Collection":
                collections.setdefault(c["id"], c)
                provider_of.setdefault(("collection", c["id"]), provider)
        for item in found_items:
            cid = item.get("collection") or "fixtures-without-collection"
            items.setdefault(cid, []).append(item)
            provider_of.setdefault(("item", item.get("id")), provider)
    for cid in items:
        collections.setdefault(cid, _stub_collection(cid))
    return collections, items, provider_of


def _esgf_item(node, title):
    # One dataset as two ESGF indexes publish it, each naming its own data node.
    dataset = "CMIP6.ScenarioMIP.MPI-M.MPI-ESM1-2-LR.ssp245.r1i1p1f1.Amon.tas.gn.v20190710"
    return {"type": "Feature", "stac_version": "1.1.0", "id": dataset, "collection": "CMIP6-merged",
            "geometry": {"type": "Polygon", "coordinates": [[[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]]},
            "bbox": [-180, -90, 180, 90],
            "properties": {"datetime": None, "start_datetime": "2015-01-16T12:00:00Z",
                           "end_datetime": "2100-12-16T12:00:00Z", "title": title, "version": "20190710",
                           "latest": True, "retracted": False},
            "links": [],
            "assets": {"tas.nc": {"href": f"https://{node}/thredds/fileServer/CMIP6/{dataset}/tas.nc",
                                  "type": "application/netcdf", "roles": ["data"], "node": node,
                                  "protocol": "https", "file:checksum": "1220aa"}}}


@pytest.fixture(scope="module")
def harvest(cluster, workdir, stac_bin):
    """A database harvested from every provider's documents; yields (url, provider_of)."""
    name = f"site_access_{os.getpid()}"
    root = Path(tempfile.mkdtemp(prefix="stacfed-site-access-"))
    procs = []
    try:
        url = cluster.create_database(name)
        api, api_base = _start_upstream(UPSTREAM)
        files, files_base = _start_upstream(root)
        procs += [api, files]
        provider_of = {}
        catalogs = []
        sites = json.loads((REPO / "deploy" / "federation.example.json").read_text())["sites"]

        def source(cid, harvest_url, kind, **extra):
            catalogs.append({"id": cid, "description": cid, "sites": sorted(sites),
                             "harvest": {"url": harvest_url, "type": kind, **extra}})

        if SHARED.is_dir():
            collections, items, provider_of = _recorded_documents()
        else:  # tests/crawler/annotate alone
            collections, items, provider_of = {}, {}, {}
            for path in sorted(ANNOTATE.glob("*.json")):
                doc = json.loads(path.read_text())
                if doc.get("type") == "Collection":
                    collections[doc["id"]] = doc
                else:
                    items.setdefault(doc.get("collection") or "annotate", []).append(doc)
            for cid in items:
                collections.setdefault(cid, _stub_collection(cid))
        _static_catalog(root, "recorded", collections, items)
        source("recorded", f"{files_base}/recorded/catalog.json", "static")
        for cid, path, kind in [("sites", "/sites/", "stac-api"), ("esgf-west-api", "/esgf-west/", "stac-api"),
                                ("hda", "/hda/", "stac-api"), ("cads", "/cads/", "stac-api"),
                                ("eerie-static", "/eerie/catalog.json", "static")]:
            source(cid, api_base + path, kind)
        merged = _stub_collection("CMIP6-merged")
        for cid, node in [("index-east", "esgf.ceda.ac.uk"), ("index-west", "esgf-data.dkrz.de")]:
            _static_catalog(root, cid, {"CMIP6-merged": merged}, {"CMIP6-merged": [_esgf_item(node, cid)]})
            source(cid, f"{files_base}/{cid}/catalog.json", "static")
        federation_file = root / "federation.json"
        _write(federation_file, {"stacfed_federation": "1.4", "sites": sites, "catalogs": catalogs})
        env = _base_env()
        env["DATABASE_URL"] = url
        _run([stac_bin, "federation", "apply", str(federation_file)], env, "stacfed federation apply")
        env["STACFED_PUBLIC_URL"] = PUBLIC
        proc = subprocess.run([stac_bin, "harvest", "--all", "--quiet", "--federation", str(federation_file)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
        # Partial (a quarantined document, a missing collection) is fine; a failed source is not.
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        failed = [s for s in summary.get("sources", []) if s.get("status") == "failed"]
        assert not failed, f"{failed}\n{proc.stderr[-3000:]}"
        yield url, provider_of, root
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        cluster.drop_database(name)
        shutil.rmtree(root, ignore_errors=True)


def _walk(session, srv, path, key):
    """Every document of a paged listing, following next links (their hrefs name the public
    base: they are asked of the server's own address)."""
    docs = []
    r = session.get(srv.base + path)
    for _ in range(1000):
        assert r.status_code == 200, r.text[:300]
        page = r.json()
        docs += page[key]
        nxt = [link for link in page.get("links", []) if link.get("rel") == "next"]
        if not nxt:
            return docs
        assert nxt[0]["href"].startswith(PUBLIC), nxt[0]
        r = session.get(srv.base + "/" + nxt[0]["href"][len(PUBLIC):])
    raise AssertionError("next links loop")


@pytest.fixture(scope="module")
def served(harvest, workdir):
    """(collections, items) as `stacfed serve` answers them, with the harvest's public URL."""
    from conftest import Server  # a server of this module's own, on the harvested database
    url, provider_of, _ = harvest
    srv = Server(url, workdir, {"STACFED_PUBLIC_URL": PUBLIC})
    try:
        assert srv.wait_ready(), srv.log()
        with requests.Session() as s:
            collections = _walk(s, srv, "/collections?limit=1000", "collections")
            items = _walk(s, srv, "/search?limit=1000", "features")
            schema = s.get(srv.base + SCHEMA_PATH)
        yield collections, items, provider_of, schema
    finally:
        srv.terminate()


def test_harvest_covers_every_provider(served):
    collections, items, provider_of, _ = served
    expected = PROVIDERS + ["annotate"] if SHARED.is_dir() else ["annotate"]
    if not SHARED.is_dir():
        pytest.skip("../shared/fixtures/upstream not found: the recorded provider documents are left out")
    seen = {provider_of.get(("item", i["id"])) for i in items} | \
           {provider_of.get(("collection", c["id"])) for c in collections}
    assert set(expected) <= seen, f"no document served from {set(expected) - seen}"
    assert len(items) > 50 and len(collections) > 100


def test_every_harvested_document_validates(served):
    collections, items, _, _ = served
    annotated = [d for d in collections + items if URI in (d.get("stac_extensions") or [])]
    # The recorded provider documents (../shared) bring most of them; without them only the
    # project's own fixtures are harvested.
    assert len(annotated) > (50 if SHARED.is_dir() else 20), len(annotated)
    assert_valid(collections, "served harvested collections")
    assert_valid(items, "served harvested items")


def test_annotated_documents_name_the_served_schema(served):
    collections, items, _, schema = served
    uris = {u for d in collections + items for u in d.get("stac_extensions") or [] if "site-access" in u}
    assert uris == {URI}
    # The URI minus the public base is a path the server answers with the schema.
    assert schema.status_code == 200 and schema.content == (SCHEMA_DIR / "schema.json").read_bytes()


def test_every_member_seen_is_described(served):
    collections, items, _, _ = served
    seen = set()
    for doc in collections + items:
        seen |= namespaced_members(doc)
    undescribed = sorted(f"{scope}: {key}" for scope, key in seen if not described(scope, key))
    assert not undescribed, undescribed
    for scope, keys in WRITTEN.items():
        missing = keys - {k for s, k in seen if s == scope}
        assert not missing, f"the harvest wrote no {scope} member {sorted(missing)}: the test sees too little"


def test_merged_copies_carry_their_sources(served):
    _, items, _, _ = served
    merged = [i for i in items if i["collection"] == "CMIP6-merged"]
    assert len(merged) == 1
    item = merged[0]
    assert item["properties"]["stacfed:sources"] == ["index-east", "index-west"]
    copies = [item["assets"]["tas.nc"]] + list(item["assets"]["tas.nc"].get("alternate", {}).values())
    assert sorted(c["stacfed:source"] for c in copies) == ["index-east", "index-west"]
    assert problems(item) == []


# ---- the URI's configuration ---------------------------------------------------------------


def _harvest_sites(stac_bin, url, api_base, public_url):
    env = _base_env()
    env["DATABASE_URL"] = url
    if public_url is not None:
        env["STACFED_PUBLIC_URL"] = public_url
    return subprocess.run([stac_bin, "harvest", "--quiet", "--url", api_base + "/sites/", "--type", "stac-api",
                           "--into", "multi-site"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=300)


def test_default_uri_and_invalid_public_url(cluster, stac_bin):
    name = f"site_access_default_{os.getpid()}"
    api, api_base = _start_upstream(UPSTREAM)
    try:
        url = cluster.create_database(name)
        env = _base_env()
        env["DATABASE_URL"] = url
        _run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
              "INSERT INTO stacfed.catalogs (id, content) VALUES ('multi-site', '{}')"], env, "psql")
        for bad in ["ftp://stac.example.org", "stac.example.org", "https://stac.example.org/?x=1", "https://"]:
            proc = _harvest_sites(stac_bin, url, api_base, bad)
            assert proc.returncode == 2 and "STACFED_PUBLIC_URL" in proc.stderr, (bad, proc.stderr)
        proc = _harvest_sites(stac_bin, url, api_base, None)
        assert proc.returncode == 0, proc.stderr
        out = _run(["psql", "-X", "-At", url, "-c",
                    "SELECT DISTINCT e FROM stacfed.items, jsonb_array_elements_text(content::jsonb->'stac_extensions') e"
                    " WHERE e LIKE '%site-access%'"], env, "psql").stdout.split()
        assert out == [DEFAULT_URI]
    finally:
        api.terminate()
        api.wait()
        cluster.drop_database(name)
