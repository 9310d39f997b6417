#!/usr/bin/env python3
"""A fake STAC upstream for the crawler tests and the harvest benchmark (stdlib only).

Started by the tests on 127.0.0.1 with an ephemeral port, which it prints as "PORT <n>".

Routes
  /fault/<spec>/<rest>   fault injection in front of <rest>; <spec> is a comma list:
                           429x<N> / 503x<N>  the first N requests answer 429 / 503
                           ra=<s>             ... with Retry-After: <s>
                           500                always HTTP 500
                           slow=<s>           wait <s> seconds before answering
                           trunc              announce the full length, send half, close
                           malformed          a body that is not JSON
                           loop               redirect to itself, forever
                           big=<bytes>        a JSON body of that size
                           tag=<t>            separates the counters of different tests
  /gen/<params>/...      a synthetic STAC API; <params> is a comma list of k=v:
                           c collections (2), n items per collection (250), p page size (100),
                           v content version (1), drop first items left out (0),
                           delay seconds per items page (0), loop 1: the last page links
                           back to the first, search 1: next links are POST /search,
                           filter 1 / sort 1: the landing declares CQL2-text filtering (filter 3: as
                           item search rc.1 names it, filter:cql-text) /
                           sorting (sort 2: declared, but sortby is ignored), filter 2:
                           CQL2-JSON filtering by POST only; /search (GET and POST) also
                           takes datetime=<start>/.. and (sort 1) newest-first sorting;
                           postonly 1: the landing declares POST search only and GET
                           /search answers 405; refuse 1: /search answers 400 to
                           datetime, sortby and filter; facets 1: items carry a string
                           facet, platform sat-<index mod 3>
  anything else          a file under --root: "/a/b/" is a/b/index.json; a `page` or `token`
                           query parameter (or POST body member) selects a/b@page=2.json;
                           "{{BASE}}" in files becomes this server's URL. ETag and
                           If-None-Match are honoured.
"""
import argparse
import gzip
import hashlib
import json
import os
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

COUNTERS = {}
LOCK = threading.Lock()


def gen_params(text):
    params = {"c": 2, "n": 250, "p": 100, "v": 1, "drop": 0, "delay": 0.0, "loop": 0, "search": 0, "filter": 0,
              "sort": 0, "postonly": 0, "refuse": 0, "facets": 0}
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        params[key] = float(value) if key == "delay" else int(value)
    return params


def updated_of(version, index):
    # Item i of content version v was last updated i seconds after the 1st of month v.
    return datetime(2024, min(version, 12), 1, tzinfo=timezone.utc) + timedelta(seconds=index)


def gen_item(base, collection, index, version, facets=0):
    day = index % 28 + 1
    lon = (index * 7) % 340 - 170
    item = {
        "type": "Feature",
        "stac_version": "1.1.0",
        "stac_extensions": [],
        "id": f"{collection}-item-{index:07d}",
        "collection": collection,
        "geometry": {"type": "Polygon", "coordinates": [[[lon, -10], [lon + 5, -10], [lon + 5, 10], [lon, 10], [lon, -10]]]},
        "bbox": [lon, -10, lon + 5, 10],
        "properties": {
            "datetime": f"2020-01-{day:02d}T00:00:00Z",
            "updated": updated_of(version, index).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "version": version,
            "title": f"synthetic item {index} of {collection}",
        },
        "links": [{"rel": "self", "href": f"{base}/collections/{collection}/items/{collection}-item-{index:07d}"}],
        "assets": {"data": {"href": f"{base}/data/{collection}/{index}.nc", "type": "application/netcdf", "roles": ["data"]}},
    }
    if facets:
        item["properties"]["platform"] = f"sat-{index % 3}"
    return item


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-upstream/1"

    def log_message(self, *args):
        pass

    # ---- plumbing -----------------------------------------------------------------------
    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type="application/json", headers=None):
        if isinstance(body, str):
            body = body.encode()
        headers = dict(headers or {})
        if "gzip" in (self.headers.get("Accept-Encoding") or "") and len(body) > 512:
            body = gzip.compress(body, 1)
            headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, document, status=200):
        self.send(status, json.dumps(document), "application/geo+json" if document.get("type") == "FeatureCollection" else "application/json")

    def do_GET(self):
        self.route(b"")

    def do_POST(self):
        self.route(self.read_body())

    # ---- routing ------------------------------------------------------------------------
    def route(self, body):
        path = urlsplit(self.path).path
        if path.startswith("/fault/"):
            return self.fault(path, body)
        if path.startswith("/gen/"):
            return self.generated(path, body)
        return self.static(self.path, body)

    def fault(self, path, body):
        _, _, spec, rest = path.split("/", 3)
        query = urlsplit(self.path).query
        rest_path = "/" + rest + (("?" + query) if query else "")
        options = {}
        for part in spec.split(","):
            key, _, value = part.partition("=")
            options[key] = value
        key = (self.command, self.path, body)
        with LOCK:
            COUNTERS[key] = COUNTERS.get(key, 0) + 1
            count = COUNTERS[key]
        if "slow" in options:
            time.sleep(float(options["slow"]))
        for code in ("429", "503"):
            for option in options:
                if option.startswith(code + "x") and count <= int(option[4:]):
                    headers = {"Retry-After": options["ra"]} if "ra" in options else {}
                    return self.send(int(code), json.dumps({"code": code}), headers=headers)
        if "500" in options:
            return self.send(500, json.dumps({"code": 500, "description": "serialisation failed"}))
        if "loop" in options:
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if "big" in options:
            size = int(options["big"])
            return self.send(200, '{"type":"Catalog","padding":"' + "x" * size + '"}')
        if "malformed" in options:
            return self.send(200, '{"type": "FeatureCollection", "features": [{"id": "broken",')
        if "trunc" in options:
            payload = json.dumps({"type": "Catalog", "id": "t", "padding": "y" * 4000}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        return self.static(rest_path, body) if not rest.startswith("gen/") else self.generated("/" + rest, body)

    def generated(self, path, body):
        parts = path.split("/")  # ['', 'gen', params, ...]
        params = gen_params(parts[2])
        base = f"{self.base()}/gen/{parts[2]}"
        rest = [p for p in parts[3:] if p]
        query = parse_qs(urlsplit(self.path).query)
        if not rest:
            return self.send_json({
                "type": "Catalog", "id": "synthetic", "stac_version": "1.0.0", "description": "synthetic upstream",
                "conformsTo": ["https://api.stacspec.org/v1.0.0/core", "https://api.stacspec.org/v1.0.0/item-search"]
                + (["https://api.stacspec.org/v1.0.0-rc.2/item-search#filter",
                    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"] if params["filter"] == 1 else [])
                + (["https://api.stacspec.org/v1.0.0-rc.2/item-search#filter",
                    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"] if params["filter"] == 2 else [])
                # filter 3: the pre-CQL2 names of item search rc.1 (DestinE HDA v1).
                + (["https://api.stacspec.org/v1.0.0-rc.1/item-search#filter",
                    "https://api.stacspec.org/v1.0.0-rc.1/item-search#filter:cql-text"] if params["filter"] == 3 else [])
                + (["https://api.stacspec.org/v1.0.0/item-search#sort"] if params["sort"] else []),
                "links": [{"rel": "self", "href": base + "/"}, {"rel": "data", "href": base + "/collections", "type": "application/json"},
                          {"rel": "search", "href": base + "/search", "method": "POST"}]
                + ([] if params["postonly"] else [{"rel": "search", "href": base + "/search", "method": "GET"}])})
        if rest == ["collections"]:
            collections = [{
                "type": "Collection", "id": f"c{k}", "stac_version": "1.0.0", "description": f"synthetic collection {k}",
                "license": "CC-BY-4.0",
                "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]}, "temporal": {"interval": [["2020-01-01T00:00:00Z", None]]}},
                "links": [{"rel": "items", "href": f"{base}/collections/c{k}/items", "type": "application/geo+json"}],
            } for k in range(params["c"])]
            return self.send_json({"collections": collections, "links": [], "numberMatched": len(collections)})
        if len(rest) == 3 and rest[0] == "collections" and rest[2] == "items":
            collection = rest[1]
            page = int(query.get("page", ["1"])[0])
            limit = int(query.get("limit", [str(params["p"])])[0])
            return self.items_page(base, params, collection, page, limit, post=False)
        if rest == ["search"] and params["refuse"] and self.asks_incrementally(query, body):
            return self.send(400, json.dumps({"code": "BadRequest", "description": "not supported"}))
        if rest == ["search"] and self.command == "GET" and params["postonly"]:
            return self.send(405, json.dumps({"code": "MethodNotAllowed"}))
        if rest == ["search"] and self.command == "GET":
            # collections=, limit=, page=, filter="updated >= TIMESTAMP('...')",
            # sortby=-properties.updated and datetime=<start>/.. only.
            collection = query.get("collections", ["c0"])[0]
            first = 0
            if "filter" in query:
                text = query["filter"][0]
                stamp = text[text.index("'") + 1:text.rindex("'")]
                since = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
                first = max(0, int(-(-(since - updated_of(params["v"], 0)).total_seconds() // 1)))
            if "sortby" in query and query["sortby"][0] not in ("-properties.updated", "-updated"):
                return self.send(400, json.dumps({"code": "BadRequest", "description": "unsortable"}))
            since_day = None
            if "datetime" in query:
                start, _, end = query["datetime"][0].partition("/")
                if end not in ("..", ""):
                    return self.send(400, json.dumps({"code": "BadRequest", "description": "open end only"}))
                since_day = datetime.fromisoformat(start.replace("Z", "+00:00")).day
            return self.items_page(base, params, collection, int(query.get("page", ["1"])[0]),
                                   int(query.get("limit", [str(params["p"])])[0]), post=False, first=first,
                                   self_url=self.path, newest_first="sortby" in query and params["sort"] == 1,
                                   since_day=since_day)
        if rest == ["search"]:
            request = json.loads(body or b"{}")
            collection = (request.get("collections") or ["c0"])[0]
            first = 0
            if "filter" in request:
                # {"op":">=","args":[{"property":"updated"},{"timestamp":"..."}]} only.
                condition = request["filter"]
                if request.get("filter-lang") != "cql2-json" or condition.get("op") != ">=" \
                        or condition["args"][0] != {"property": "updated"}:
                    return self.send(400, json.dumps({"code": "BadRequest", "description": "unsupported filter"}))
                since = datetime.fromisoformat(condition["args"][1]["timestamp"].replace("Z", "+00:00"))
                first = max(0, int(-(-(since - updated_of(params["v"], 0)).total_seconds() // 1)))
            since_day = None
            if "datetime" in request:
                since_day = datetime.fromisoformat(request["datetime"].partition("/")[0].replace("Z", "+00:00")).day
            newest_first = request.get("sortby") == [{"field": "properties.updated", "direction": "desc"}]
            return self.items_page(base, params, collection, int(request.get("page", 1)),
                                   int(request.get("limit", params["p"])), post=True, first=first,
                                   newest_first=newest_first and params["sort"] == 1, since_day=since_day)
        return self.send(404, json.dumps({"code": 404}))

    @staticmethod
    def asks_incrementally(query, body):
        request = json.loads(body or b"{}")
        return any(key in query or key in request for key in ("datetime", "sortby", "filter"))

    def items_page(self, base, params, collection, page, limit, post, first=0, self_url=None,
                   newest_first=False, since_day=None):
        if params["delay"]:
            time.sleep(params["delay"])
        # The matching item indexes, in the order served: by updated (= index) ascending, or
        # descending for sortby; datetime=<start>/.. keeps the items dated that day or later.
        indexes = [i for i in range(max(params["drop"], first), params["n"])
                   if since_day is None or i % 28 + 1 >= since_day]
        if newest_first:
            indexes.reverse()
        start = (page - 1) * limit
        end = min(len(indexes), start + limit)
        features = [gen_item(base, collection, i, params["v"], params["facets"])
                    for i in indexes[start:end]]
        links = []
        if end < len(indexes) or params["loop"]:
            following = page + 1 if end < len(indexes) else 1
            if post or params["search"]:
                links.append({"rel": "next", "href": base + "/search", "method": "POST", "merge": True, "body": {"page": following}}
                             if post else
                             {"rel": "next", "href": base + "/search", "method": "POST",
                              "body": {"collections": [collection], "limit": limit, "page": following}})
            elif self_url is not None:
                split = urlsplit(self_url)
                kept = "&".join(p for p in split.query.split("&") if not p.startswith("page="))
                links.append({"rel": "next", "href": f"{self.base()}{split.path}?{kept}&page={following}"})
            else:
                links.append({"rel": "next", "href": f"{base}/collections/{collection}/items?limit={limit}&page={following}", "type": "application/geo+json"})
        self.send_json({"type": "FeatureCollection", "features": features, "links": links,
                        "numberMatched": len(indexes), "numberReturned": len(features)})

    def static(self, raw_path, body):
        split = urlsplit(raw_path)
        path = split.path
        relative = path.lstrip("/")
        if relative == "" or relative.endswith("/"):
            relative += "index.json"
        selector = None
        query = parse_qs(split.query)
        for key in ("page", "token"):
            if key in query:
                selector = f"{key}={query[key][0]}"
        if body:
            try:
                request = json.loads(body)
                for key in ("page", "token"):
                    if key in request:
                        selector = f"{key}={request[key]}"
            except ValueError:
                return self.send(400, json.dumps({"code": 400}))
        file = os.path.join(self.server.root, relative)
        if selector:
            stem, ext = os.path.splitext(file)
            file = f"{stem}@{selector}{ext or '.json'}"
        if not os.path.isfile(file) and not os.path.splitext(file)[1]:
            file += ".json"
        real = os.path.realpath(file)
        if not real.startswith(os.path.realpath(self.server.root)) or not os.path.isfile(real):
            return self.send(404, json.dumps({"code": 404, "description": f"no {relative} ({selector})"}))
        with open(real, "rb") as f:
            content = f.read().replace(b"{{BASE}}", self.base().encode())
        etag = '"' + hashlib.md5(content).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        content_type = "text/html" if real.endswith(".html") else "application/json"
        self.send(200, content, content_type, {"ETag": etag})


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that hang up (killed harvests, size caps, timeouts) are part of the tests.
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.root = args.root
    parent = os.getppid()

    def exit_with_parent():
        # A test program that crashes cannot stop us: leave when it is gone.
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
