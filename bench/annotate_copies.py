#!/usr/bin/env python3
"""Annotates bench/generate.py's items (NDJSON on stdin, to stdout) the way the harvest
annotates a merged ESGF item (crawler/README.md "Annotation", "Several sources of one
collection"), for bench/client_site.sh: each data file's own copy becomes ESGF West's HTTPS
copy, and gets three alternates: CEDA's OPeNDAP copy, DKRZ's site-internal /pool/data path
(offline on one file in ten) and DKRZ's tape copy. Kerchunk reference assets get a site and a
protocol only. With --federation PATH, also writes a federation file naming the sites and a
catalog of the collections.

    python3 bench/generate.py --items 1000 | python3 bench/annotate_copies.py > annotated.ndjson
"""

import argparse
import json
import sys

SITE_ACCESS = "https://stac.expect.example/extensions/site-access/v0.1.0/schema.json"


def annotate(item, n):
    exts = item.setdefault("stac_extensions", [])
    if SITE_ACCESS not in exts:
        exts.append(SITE_ACCESS)
    for key, asset in item.get("assets", {}).items():
        href = asset["href"]
        if "reference" in asset.get("roles", []):
            asset.update({"site:ref": "ceda", "access:protocol": "kerchunk",
                          "access:scope": "public", "access:status": "online"})
            continue
        path = href.split("/CMIP6/", 1)[-1]
        asset.update({"site:ref": "esgf-west", "site:tier": "disk", "access:protocol": "https",
                      "access:scope": "public", "access:status": "online",
                      "access:engine": "h5netcdf", "stacfed:source": "esgf-west"})
        asset["alternate"] = {
            "ceda": {"href": "https://dap.ceda.ac.uk/thredds/dodsC/badc/cmip6/data/CMIP6/" + path,
                     "alternate:name": "esgf.ceda.ac.uk", "site:ref": "ceda", "site:tier": "disk",
                     "access:protocol": "opendap", "access:scope": "public",
                     "access:status": "online", "access:engine": "netcdf4",
                     "stacfed:source": "esgf-east"},
            "dkrz": {"href": "/pool/data/CMIP6/" + path, "site:ref": "dkrz", "site:tier": "disk",
                     "access:protocol": "posix", "access:scope": "site-internal",
                     "access:status": "offline" if n % 10 == 0 else "online",
                     "access:engine": "netcdf4", "stacfed:source": "esgf-east"},
            "dkrz-tape": {"href": "slk:///arch/CMIP6/" + path, "site:ref": "dkrz",
                          "site:tier": "tape", "access:protocol": "slk",
                          "access:scope": "site-internal", "access:status": "nearline",
                          "stacfed:source": "esgf-east"},
        }
    props = item["properties"]
    props["site:locations"] = ["ceda", "dkrz", "esgf-west"]
    props["access:online_status"] = "online"
    return item


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--federation", metavar="PATH")
    args = ap.parse_args()
    collections = []
    n = 0
    out = sys.stdout
    for line in sys.stdin:
        doc = json.loads(line)
        if doc.get("type") == "Collection":
            collections.append(doc["id"])
        else:
            n += 1
            doc = annotate(doc, n)
        out.write(json.dumps(doc, separators=(",", ":")) + "\n")
    if args.federation:
        fed = {"stacfed_federation": "1.0",
               "sites": {"ceda": {"name": "CEDA", "country": "GB", "kind": "datacentre"},
                         "dkrz": {"name": "DKRZ", "country": "DE", "kind": "hpc"},
                         "esgf-west": {"name": "ESGF West", "country": "US", "kind": "cloud"}},
               "catalogs": [{"id": "bench", "title": "bench", "description": "bench",
                             "sites": ["ceda", "dkrz", "esgf-west"],
                             "children": [{"collection": c} for c in collections]}]}
        with open(args.federation, "w") as f:
            json.dump(fed, f, indent=1)


if __name__ == "__main__":
    main()
