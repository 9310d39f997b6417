#!/usr/bin/env python3
"""A fast local STAC API over an NDJSON file of bench/generate.py, the upstream of the harvest
benchmark (issue 5). Python stdlib only.

    python3 bench/upstream.py bench/data/items-1000000-c20-s1.ndjson [--port 0] [--page-size 100]

Prints "PORT <n>" once it listens on 127.0.0.1. It indexes the byte offsets of the lines once
(memory: 8 bytes per item), then serves pages by joining the raw lines, so it never parses or
re-encodes an item and costs the harvester as little CPU as possible on a shared machine:

    GET /                                   landing page (core, collections, item-search)
    GET /conformance
    GET /collections                        every collection of the file, one page
    GET /collections/{id}
    GET /collections/{id}/items?limit=&token=   pages in file order (at most --page-size
                                            items), rel=next with token=
    GET /stats                              {"requests": n, "items": n} served so far

--replace OLD=NEW (repeatable) replaces bytes in every page served: the merge run of
bench/harvest.sh serves the same items a second time with the files at another data node.
"""

import argparse
import json
import mmap
import sys
import threading
from array import array
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/item-search",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
]


class Catalog:
    """Line offsets of the NDJSON file: collections (parsed) and, per collection, its items."""

    def __init__(self, path):
        self.file = open(path, "rb")
        self.data = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
        self.replacements = []  # (old, new) bytes, applied to every page
        self.collections = {}  # id -> parsed document
        self.order = []
        self.items = {}  # collection id -> array of line start offsets (+ one end offset)
        pos, size = 0, len(self.data)
        current, offsets = None, None
        while pos < size:
            end = self.data.find(b"\n", pos)
            if end < 0:
                end = size
            if self.data[pos:pos + 40].find(b'"type":"Collection"') >= 0:
                doc = json.loads(self.data[pos:end])
                self.collections[doc["id"]] = doc
                self.order.append(doc["id"])
            else:
                head = self.data[pos:min(end, pos + 4096)]
                # "collection":"<id>" appears before the large members in generated items.
                k = head.find(b'"collection":"') + len(b'"collection":"')
                cid = head[k:head.find(b'"', k)].decode()
                if cid != current:
                    if offsets is not None:
                        offsets.append(last_end)
                    current = cid
                    offsets = self.items.setdefault(cid, array("Q"))
                    if len(offsets):
                        sys.exit("items of collection %s are not contiguous in the file" % cid)
                offsets.append(pos)
            last_end = end + 1
            pos = end + 1
        if offsets is not None:
            offsets.append(last_end)
        self.counts = {cid: len(off) - 1 for cid, off in self.items.items()}

    def page(self, cid, start, limit):
        """Raw JSON text of items [start, start+limit) of the collection, comma-joined."""
        offsets = self.items.get(cid)
        if offsets is None:
            return b"", 0
        n = self.counts[cid]
        end = min(n, start + limit)
        if start >= end:
            return b"", 0
        # Consecutive lines: one slice, newlines turned into commas.
        chunk = self.data[offsets[start]:offsets[end]].rstrip(b"\n").replace(b"\n", b",")
        for old, new in self.replacements:
            chunk = chunk.replace(old, new)
        return chunk, end - start


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, doc, status=200, content_type="application/json"):
        self.send_body(status, json.dumps(doc, separators=(",", ":")).encode(), content_type)

    def do_GET(self):
        server = self.server
        catalog = server.catalog
        split = urlsplit(self.path)
        parts = [unquote(p) for p in split.path.split("/") if p]
        query = parse_qs(split.query)
        base = "http://%s:%d" % self.server.server_address[:2]
        with server.lock:
            server.requests += 1
        if not parts:
            return self.send_json({
                "type": "Catalog", "id": "bench-upstream", "stac_version": "1.1.0",
                "description": "stacfed harvest benchmark upstream", "conformsTo": CONFORMANCE,
                "links": [
                    {"rel": "self", "href": base + "/", "type": "application/json"},
                    {"rel": "root", "href": base + "/", "type": "application/json"},
                    {"rel": "conformance", "href": base + "/conformance", "type": "application/json"},
                    {"rel": "data", "href": base + "/collections", "type": "application/json"},
                ]})
        if parts == ["conformance"]:
            return self.send_json({"conformsTo": CONFORMANCE})
        if parts == ["stats"]:
            return self.send_json({"requests": server.requests, "items": server.items_served})
        if parts[0] != "collections":
            return self.send_json({"code": "NotFound", "description": "no such path"}, 404)
        if len(parts) == 1:
            docs = [self.collection_doc(base, cid) for cid in catalog.order]
            return self.send_json({"collections": docs, "numberMatched": len(docs), "numberReturned": len(docs),
                                   "links": [{"rel": "self", "href": base + "/collections"}]})
        cid = parts[1]
        if cid not in catalog.collections:
            return self.send_json({"code": "NotFound", "description": "no collection " + cid}, 404)
        if len(parts) == 2:
            return self.send_json(self.collection_doc(base, cid))
        if len(parts) == 3 and parts[2] == "items":
            try:
                # Pages are never larger than --page-size, whatever the client asks for.
                limit = max(1, min(server.page_size, int(query.get("limit", [server.page_size])[0])))
                start = int(query.get("token", ["0"])[0])
            except ValueError:
                return self.send_json({"code": "BadRequest", "description": "bad limit or token"}, 400)
            chunk, n = catalog.page(cid, start, limit)
            with server.lock:
                server.items_served += n
            href = "%s/collections/%s/items" % (base, quote(cid))
            links = [{"rel": "self", "href": "%s?limit=%d&token=%d" % (href, limit, start),
                      "type": "application/geo+json"}]
            if start + n < catalog.counts[cid]:
                links.append({"rel": "next", "href": "%s?limit=%d&token=%d" % (href, limit, start + n),
                              "type": "application/geo+json"})
            tail = json.dumps({"links": links, "numberMatched": catalog.counts[cid], "numberReturned": n},
                              separators=(",", ":"))
            body = b'{"type":"FeatureCollection","features":[' + chunk + b"]," + tail[1:].encode()
            return self.send_body(200, body, "application/geo+json")
        return self.send_json({"code": "NotFound", "description": "no such path"}, 404)

    def collection_doc(self, base, cid):
        doc = dict(self.server.catalog.collections[cid])
        href = "%s/collections/%s" % (base, quote(cid))
        doc["links"] = list(doc.get("links", [])) + [
            {"rel": "self", "href": href, "type": "application/json"},
            {"rel": "root", "href": base + "/", "type": "application/json"},
            {"rel": "parent", "href": base + "/", "type": "application/json"},
            {"rel": "items", "href": href + "/items", "type": "application/geo+json"},
        ]
        return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ndjson")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--replace", action="append", default=[], metavar="OLD=NEW")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.catalog = Catalog(args.ndjson)
    server.catalog.replacements = [tuple(part.encode() for part in r.split("=", 1)) for r in args.replace]
    server.page_size = args.page_size
    server.lock = threading.Lock()
    server.requests = 0
    server.items_served = 0
    print("PORT %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
