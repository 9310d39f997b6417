"""Locality as a search facet (issue 18): the site-access extension's item fields
`site:locations` and `access:online_status` as queryables, in CQL2 filters (text and JSON,
`a_contains` also with a single value), as term aggregations, and per-site item counts of
each catalog in `/catalogs`.

The data is the suite's CMIP6 and sentinel-2-l2a fixtures, annotated here as the harvester
would annotate copies at two sites (a deterministic pattern per item), loaded into a database
of this module's own with a federation file naming the sites; every expectation is computed
from those annotated items.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import requests

import conftest
import stacutil

SITES = ["ceda", "dkrz"]
LOCATIONS = [["ceda"], ["ceda", "dkrz"], ["dkrz"], []]
STATUSES = ["online", "partial", "offline"]
COLLECTIONS = ["CMIP6", "sentinel-2-l2a"]


def annotate(items):
    """The fixture items of COLLECTIONS with site:locations / access:online_status."""
    out = []
    for index, item in enumerate(i for i in items if i["collection"] in COLLECTIONS):
        item = json.loads(json.dumps(item))
        locations = LOCATIONS[index % len(LOCATIONS)]
        if locations:
            item["properties"]["site:locations"] = locations
        item["properties"]["access:online_status"] = STATUSES[index % len(STATUSES)]
        out.append(item)
    return out


@pytest.fixture(scope="module")
def located(cluster, workdir, stac_bin):
    collections, items = stacutil.load_fixtures()
    annotated = annotate(items)
    folder = Path(workdir) / "locality"
    folder.mkdir(exist_ok=True)
    files = []
    for cid in COLLECTIONS:
        path = folder / f"{cid}.json"
        path.write_text(json.dumps({"type": "FeatureCollection",
                                    "features": [i for i in annotated if i["collection"] == cid]}))
        cpath = folder / f"collection-{cid}.json"
        cpath.write_text(json.dumps(collections[cid]))
        files += [str(cpath), str(path)]
    federation = folder / "federation.json"
    federation.write_text(json.dumps({
        "stacfed_federation": "1.4",
        "sites": {"ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre"},
                  "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc"},
                  "lumi": {"name": "LUMI", "country": "FI", "kind": "hpc"}},
        "catalogs": [
            {"id": "esgf", "description": "ESGF", "sites": ["ceda"],
             "children": [{"collection": "CMIP6"}]},
            {"id": "copernicus", "description": "Copernicus",
             "children": [{"collection": "sentinel-2-l2a"}]},
            {"id": "everything", "description": "both",
             "children": [{"catalog": "esgf"}, {"catalog": "copernicus"}]},
        ]}))
    name = f"locality_{os.getpid()}"
    cluster.drop_database(name)
    url = cluster.create_database(name)
    env = conftest._base_env()
    env["DATABASE_URL"] = url
    try:
        conftest._run([stac_bin, "load", *files], env, "stacfed load of the annotated items")
        conftest._run([stac_bin, "federation", "apply", str(federation)], env, "federation apply")
        server = conftest.Server(url, workdir)
        assert server.wait_ready(), server.log()
        try:
            yield server.base, annotated
        finally:
            server.terminate()
    finally:
        cluster.drop_database(name)


def _walk(base, params):
    ids = set()
    with requests.Session() as session:
        for page in stacutil.walk_get(session, f"{base}/search", {"limit": 100, **params}):
            ids |= set(stacutil.ids_of(page))
    return ids


def expected(items, predicate):
    return {i["id"] for i in items if predicate(i["properties"])}


def at(site):
    return lambda p: site in p.get("site:locations", [])


def test_locality_fields_are_queryables(located):
    base, _ = located
    for cid in COLLECTIONS:
        doc = requests.get(f"{base}/collections/{cid}/queryables").json()
        locations = doc["properties"]["site:locations"]
        assert locations["type"] == "array"
        assert set(locations["items"].get("enum", SITES)) <= set(SITES)
        assert "dkrz" in locations["description"]
        status = doc["properties"]["access:online_status"]
        assert status["type"] == "string"
        assert set(status.get("enum", STATUSES)) <= set(STATUSES)


@pytest.mark.parametrize("site", SITES + ["lumi"])
def test_a_contains_site(located, site):
    base, items = located
    want = expected(items, at(site))
    for text in (f"a_contains(site:locations, ('{site}'))",
                 f"a_contains(site:locations, '{site}')",  # one value: a list of one
                 f"A_CONTAINS(\"site:locations\", ('{site}'))"):
        assert _walk(base, {"filter": text, "filter-lang": "cql2-text"}) == want, text
    body = {"filter-lang": "cql2-json", "limit": 100,
            "filter": {"op": "a_contains", "args": [{"property": "site:locations"}, [site]]}}
    got = set()
    with requests.Session() as session:
        for page in stacutil.walk_post(session, f"{base}/search", body):
            got |= set(stacutil.ids_of(page))
    assert got == want


def test_a_contains_every_site_and_status(located):
    base, items = located
    want = expected(items, lambda p: set(SITES) <= set(p.get("site:locations", []))
                    and p["access:online_status"] == "online")
    got = _walk(base, {"filter": "a_contains(site:locations, ('ceda', 'dkrz')) AND "
                                 "access:online_status = 'online'"})
    assert got == want and want


@pytest.mark.parametrize("status", STATUSES)
def test_online_status_equals(located, status):
    base, items = located
    want = expected(items, lambda p: p["access:online_status"] == status)
    assert _walk(base, {"filter": f"access:online_status = '{status}'"}) == want


def test_nothing_located_is_not_held_anywhere(located):
    base, items = located
    want = expected(items, lambda p: not p.get("site:locations"))
    got = _walk(base, {"collections": ",".join(COLLECTIONS),
                       "filter": "NOT a_overlaps(site:locations, ('ceda', 'dkrz'))"
                                 " OR site:locations IS NULL"})
    assert got == want and want


def buckets(doc, name):
    [aggregation] = [a for a in doc["aggregations"] if a["name"] == name]
    return {b["key"]: b["frequency"] for b in aggregation["buckets"]}


@pytest.mark.parametrize("scope", ["", "/collections/CMIP6", "/catalogs/esgf"])
def test_term_aggregations_by_site_and_status(located, scope):
    base, items = located
    if scope == "":
        chosen = items
    else:
        chosen = [i for i in items if i["collection"] == "CMIP6"]
    names = "site:locations_frequency,access:online_status_frequency"
    response = requests.get(f"{base}{scope}/aggregate", params={"aggregations": names})
    assert response.status_code == 200, response.text
    doc = response.json()
    sites = Counter(s for i in chosen for s in i["properties"].get("site:locations", []))
    statuses = Counter(i["properties"]["access:online_status"] for i in chosen)
    assert buckets(doc, "site:locations_frequency") == dict(sites)
    assert buckets(doc, "access:online_status_frequency") == dict(statuses)
    listed = {a["name"] for a in requests.get(f"{base}{scope}/aggregations").json()["aggregations"]}
    assert {"site:locations_frequency", "access:online_status_frequency"} <= listed


def test_filtered_aggregation_by_site(located):
    base, items = located
    chosen = [i for i in items if at("dkrz")(i["properties"])]
    doc = requests.get(f"{base}/aggregate", params={
        "aggregations": "access:online_status_frequency",
        "filter": "a_contains(site:locations, 'dkrz')"}).json()
    assert buckets(doc, "access:online_status_frequency") == dict(
        Counter(i["properties"]["access:online_status"] for i in chosen))


def site_counts(items, collections):
    counts = Counter(s for i in items if i["collection"] in collections
                     for s in i["properties"].get("site:locations", []))
    return dict(counts)


def test_catalogs_show_items_per_site(located):
    base, items = located
    below = {"esgf": {"CMIP6"}, "copernicus": {"sentinel-2-l2a"},
             "everything": set(COLLECTIONS)}
    doc = requests.get(f"{base}/catalogs").json()
    shown = {c["id"]: c["stacfed:site_counts"] for c in doc["catalogs"]}
    assert shown == {cid: site_counts(items, below[cid]) for cid in below}
    for cid in below:
        one = requests.get(f"{base}/catalogs/{cid}").json()
        assert one["stacfed:site_counts"] == site_counts(items, below[cid])
    # The site filter of catalog search is the catalogs' declared sites (as before).
    filtered = requests.get(f"{base}/catalogs", params={"site": "ceda"}).json()
    assert [c["id"] for c in filtered["catalogs"]] == ["esgf"]
