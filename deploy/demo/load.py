#!/usr/bin/env python3
"""Loads the demo catalog the way a real catalog is filled: by harvesting it.

The demo's documents (deploy/demo/*.ndjson, written by make_demo.py) are laid out as static
STAC catalogs, one per catalog of the demo federation file that has a `harvest` source, and
served over HTTP on 127.0.0.1 for the duration of the run. Then

    stacfed federation apply <the federation file>
    stacfed harvest --all --federation <the federation file>

walk them as they would walk a provider's static catalog: normalised, annotated with the
site-access extension (site:ref, site:tier, access:protocol, ..., site:locations,
access:online_status) by the rules of crawler/README.md, "Annotation", using the sites the
federation file declares. So what the demo serves is what a harvest produces.

The federation file names its sources at http://127.0.0.1:8090/<catalog>/catalog.json; the
static files are served on a free port, and the file is applied and harvested with that port
in the sources' URLs (a copy in a temporary folder; the tree is the file's).

    deploy/demo/load.py [--stacfed build/stacfed] [--federation deploy/demo/federation.json]

The database is the one every stacfed command finds (DATABASE_URL, else the embedded
cluster). Annotated documents name the extension by $STACFED_PUBLIC_URL (see `stacfed
harvest --help`). deploy/run.sh and conformance/test_demo.py both run this script.
Exit status: 0 when every source was harvested without error, else 1.
"""

import argparse
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# The base the federation file's harvest URLs are written against.
FILE_BASE = "http://127.0.0.1:8090/"


def read_demo(folder):
    """{collection id: collection document}, {collection id: [item documents]}, in file order."""
    collections, items = {}, {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".ndjson"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                doc = json.loads(line)
                if doc["type"] == "Collection":
                    collections[doc["id"]] = doc
                else:
                    items.setdefault(doc["collection"], []).append(doc)
    return collections, items


def harvested_catalogs(federation):
    """[(catalog id, path of its root below FILE_BASE, [collection ids])] of the file's sources."""
    out = []
    for catalog in federation["catalogs"]:
        harvest = catalog.get("harvest")
        if not harvest:
            continue
        if harvest.get("type") != "static" or not harvest["url"].startswith(FILE_BASE):
            raise SystemExit("load.py: the demo's sources are static catalogs under %s; %s is %s"
                             % (FILE_BASE, catalog["id"], harvest["url"]))
        children = [c["collection"] for c in catalog.get("children", []) if "collection" in c]
        out.append((catalog["id"], harvest["url"][len(FILE_BASE):], children))
    return out


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))


def file_name(item_id):
    return urllib.parse.quote(item_id, safe="") + ".json"


def write_static(root, federation, collections, items):
    """Writes one static catalog per harvested catalog under root: catalog.json, and per
    collection <id>/collection.json with its items beside it (links relative, as static
    catalogs write them). Every demo collection must be a child of exactly one source."""
    placed = {}
    for catalog_id, path, children in harvested_catalogs(federation):
        base = os.path.dirname(os.path.join(root, path))
        links = [{"rel": "self", "href": "./" + os.path.basename(path), "type": "application/json"},
                 {"rel": "root", "href": "./" + os.path.basename(path), "type": "application/json"}]
        for cid in children:
            if cid not in collections:
                raise SystemExit("load.py: %s lists collection %s, which no demo file holds" % (catalog_id, cid))
            if cid in placed:
                raise SystemExit("load.py: collection %s is harvested by %s and %s" % (cid, placed[cid], catalog_id))
            placed[cid] = catalog_id
            links.append({"rel": "child", "href": "./%s/collection.json" % cid, "type": "application/json"})
            collection_links = [link for link in collections[cid].get("links", [])] + [
                {"rel": "self", "href": "./collection.json", "type": "application/json"},
                {"rel": "root", "href": "../" + os.path.basename(path), "type": "application/json"},
                {"rel": "parent", "href": "../" + os.path.basename(path), "type": "application/json"}]
            for item in items.get(cid, []):
                collection_links.append({"rel": "item", "href": "./" + file_name(item["id"]),
                                         "type": "application/geo+json"})
                write_json(os.path.join(base, cid, file_name(item["id"])), item)
            write_json(os.path.join(base, cid, "collection.json"), {**collections[cid], "links": collection_links})
        write_json(os.path.join(root, path), {
            "type": "Catalog", "stac_version": "1.1.0", "id": catalog_id,
            "description": "The demo's %s documents as a static catalog" % catalog_id, "links": links})
    missing = sorted(set(collections) - set(placed))
    if missing:
        raise SystemExit("load.py: no harvest source of the federation file lists %s" % ", ".join(missing))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(root):
    """A static file server on a free port of 127.0.0.1, on a thread; returns (server, base)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d/" % server.server_address[1]


def with_base(federation, base):
    """The federation document with its sources' URLs moved from FILE_BASE to base."""
    copy = json.loads(json.dumps(federation))
    copy.pop("$schema", None)
    for catalog in copy["catalogs"]:
        if catalog.get("harvest"):
            catalog["harvest"]["url"] = base + catalog["harvest"]["url"][len(FILE_BASE):]
    return copy


def run(args, what):
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        sys.stdout.write(proc.stdout)
        raise SystemExit("load.py: %s failed (exit %d)" % (what, proc.returncode))
    return proc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stacfed", default=os.path.join(REPO, "build", "stacfed"), help="the stacfed binary")
    ap.add_argument("--federation", default=os.path.join(HERE, "federation.json"))
    ap.add_argument("--demo", default=HERE, help="folder of the demo's *.ndjson files")
    args = ap.parse_args()
    with open(args.federation, encoding="utf-8") as f:
        federation = json.load(f)
    collections, items = read_demo(args.demo)
    with tempfile.TemporaryDirectory(prefix="stacfed-demo-") as tmp:
        root = os.path.join(tmp, "static")
        write_static(root, federation, collections, items)
        server, base = serve(root)
        try:
            federation_file = os.path.join(tmp, "federation.json")
            write_json(federation_file, with_base(federation, base))
            run([args.stacfed, "federation", "apply", federation_file], "stacfed federation apply")
            proc = run([args.stacfed, "harvest", "--all", "--quiet", "--federation", federation_file],
                       "stacfed harvest")
        finally:
            server.shutdown()
            server.server_close()
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    print("demo harvested: %d collections, %d items (%d added, %d updated, %d unchanged), %d quarantined"
          % (summary["collections"], summary["items"], summary["added"], summary["updated"],
             summary["unchanged"], summary["quarantined"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
