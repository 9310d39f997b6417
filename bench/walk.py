#!/usr/bin/env python3
"""The reference side of the harvest benchmark: one plain sequential client that walks every
collection of a STAC API by its rel=next links and reads every page, without parsing the
items (only the links at the end of each page). It measures how fast the local upstream can
serve the pages, the ceiling of any harvester on the same machine.

    python3 bench/walk.py http://127.0.0.1:PORT/      # prints: <items> <pages> <seconds>
"""
import http.client
import json
import re
import sys
import time
from urllib.parse import urlsplit

NEXT = re.compile(rb'\{[^{}]*"rel":"next"[^{}]*\}')


def main():
    root = sys.argv[1].rstrip("/")
    split = urlsplit(root)
    conn = http.client.HTTPConnection(split.hostname, split.port)

    def get(url):
        conn.request("GET", urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else ""))
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit("GET %s: HTTP %d" % (url, response.status))
        return body

    started = time.monotonic()
    collections = json.loads(get(root + "/collections"))["collections"]
    items = pages = 0
    for c in collections:
        url = next(l["href"] for l in c["links"] if l["rel"] == "items")
        while url:
            body = get(url)
            pages += 1
            tail = body[body.rfind(b'"links":'):]
            items += int(re.search(rb'"numberReturned":(\d+)', tail).group(1))
            m = NEXT.search(tail)
            url = json.loads(m.group(0))["href"] if m else None
    print(items, pages, "%.3f" % (time.monotonic() - started))


if __name__ == "__main__":
    main()
