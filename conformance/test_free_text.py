"""The Free-Text extension on items (item-search#free-text, #advanced-free-text and the
ogcapi-features forms): q matches the words of an item's title, description, keywords and
identifying facets (sql/0015), case-insensitively; basic terms (GET commas, POST array) are
ORed, a term of several words a phrase; the advanced form has AND, OR, NOT, parentheses,
phrases, +/-. Expectations are computed here from the fixtures with a tokenizer that splits
words as PostgreSQL's parser does for the plain words and phrases used. Matches are ranked
(items holding every term first) and paged exactly once; malformed q is a 400 naming q."""

import re

import pytest
import requests

from stacutil import assert_error, links_by_rel, load_fixtures, walk_get, walk_post

_, ITEMS = load_fixtures()
CLASSES = {
    "https://api.stacspec.org/v1.0.0-rc.1/item-search#free-text",
    "https://api.stacspec.org/v1.0.0-rc.1/item-search#advanced-free-text",
    "https://api.stacspec.org/v1.0.0-rc.1/ogcapi-features#free-text",
    "https://api.stacspec.org/v1.0.0-rc.1/ogcapi-features#advanced-free-text",
}

# The properties q reads (sql/0015_item_text_search.sql).
_IDENTIFYING = ["activity_id", "institution_id", "source_id", "experiment_id", "experiment",
                "member_id", "variable_id", "variable_long_name", "frequency", "table_id",
                "realm"]
KEYS = (["title", "description", "keywords", "project", "platform", "constellation", "mission",
         "instruments", "product:type", "variables"]
        + [f"{p}:{k}" for p in ("cmip6", "cmip7") for k in _IDENTIFYING]
        + [f"cordex:{k}" for k in ["domain_id", "driving_source_id", "driving_experiment_id",
                                   "institution_id", "source_id", "experiment_id",
                                   "variable_id", "frequency"]]
        + ["eerie:model", "eerie:experiment", "eerie:region"])


def _text(value):
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(v for v in value if isinstance(v, str))
    return ""


def tokens(text):
    """Words in order: a hyphenated word is itself, then its parts (as PostgreSQL's parser
    gives a compound and its parts)."""
    out = []
    for token in re.findall(r"[0-9a-z]+(?:-[0-9a-z]+)*", text.lower()):
        out.append(token)
        if "-" in token:
            out.extend(token.split("-"))
    return out


def words(item):
    return [t for k in KEYS for t in tokens(_text(item["properties"].get(k)))]


def has(item, term):
    """Whether the item holds a term: a word, or a phrase of adjacent words."""
    target = tokens(term)
    ws = words(item)
    return any(ws[i:i + len(target)] == target for i in range(len(ws)))


def key(item):
    return (item["collection"], item["id"])


def matching(predicate):
    return {key(i) for i in ITEMS if predicate(i)}


# name: (GET q, POST q, predicate)
CASES = {
    "one-word": ("tas", ["tas"], lambda i: has(i, "tas")),
    "case-insensitive": ("TAS", ["Tas"], lambda i: has(i, "tas")),
    "basic-or": ("tas,pr", ["tas", "pr"], lambda i: has(i, "tas") or has(i, "pr")),
    "basic-phrase": ("recent past,amip", ["recent past", "amip"],
                     lambda i: has(i, "recent past") or has(i, "amip")),
    "compound-word": ("icon-esm-er", ["icon-esm-er"], lambda i: has(i, "icon-esm-er")),
    "compound-part": ("fesom2", ["fesom2"], lambda i: has(i, "fesom2")),
    "advanced-or-default": ("tas pr", "tas pr", lambda i: has(i, "tas") or has(i, "pr")),
    "advanced-and": ("historical AND tas", "historical AND tas",
                     lambda i: has(i, "historical") and has(i, "tas")),
    "advanced-phrase": ('"all-forcing simulation"', '"all-forcing simulation"',
                        lambda i: has(i, "all-forcing simulation")),
    "advanced-parentheses": ("(tas OR pr) AND cesm2", "(tas OR pr) AND cesm2",
                             lambda i: (has(i, "tas") or has(i, "pr")) and has(i, "cesm2")),
    "advanced-not": ("sentinel NOT sentinel-2a", "sentinel NOT sentinel-2a",
                     lambda i: has(i, "sentinel") and not has(i, "sentinel-2a")),
    "advanced-plus-minus": ("tas +cmip -cesm2", "tas +cmip -cesm2",
                            lambda i: has(i, "cmip") and not has(i, "cesm2")),
    "nothing": ("nosuchwordanywhere", ["nosuchwordanywhere"], lambda i: False),
}


@pytest.fixture(scope="module")
def declared(base):
    return set(requests.get(base + "/conformance").json()["conformsTo"])


def test_free_text_classes_are_declared(declared):
    assert CLASSES <= declared


def test_cases_say_something():
    every = {key(i) for i in ITEMS}
    for name, (_, _, predicate) in CASES.items():
        want = matching(predicate)
        if name != "nothing":
            assert want and want != every, name


def _keys(pages):
    keys = [(f["collection"], f["id"]) for page in pages for f in page["features"]]
    assert len(keys) == len(set(keys)), "an item came twice while paging"
    return keys


@pytest.mark.parametrize("name", sorted(CASES))
def test_get_q(base, http, name):
    q, _, predicate = CASES[name]
    pages = walk_get(http, base + "/search", {"q": q, "limit": 4})
    assert set(_keys(pages)) == matching(predicate)
    assert pages[0].get("numberMatched", len(matching(predicate))) == len(matching(predicate))


@pytest.mark.parametrize("name", sorted(CASES))
def test_post_q(base, http, name):
    _, q, predicate = CASES[name]
    assert set(_keys(walk_post(http, base + "/search", {"q": q, "limit": 5}))) == \
        matching(predicate)


def test_items_holding_every_term_rank_first(base, http):
    both = matching(lambda i: has(i, "historical") and has(i, "tas"))
    either = matching(lambda i: has(i, "historical") or has(i, "tas"))
    assert both and either - both
    got = _keys(walk_get(http, base + "/search", {"q": "historical,tas", "limit": 3}))
    assert set(got) == either
    assert set(got[:len(both)]) == both


def test_ranked_pages_walk_back(base, http):
    pages = walk_get(http, base + "/search", {"q": "tas pr cesm2", "limit": 3})
    assert len(pages) > 3
    back = [pages[-1]]
    while links_by_rel(back[-1], "prev"):
        back.append(http.get(links_by_rel(back[-1], "prev")[0]["href"]).json())
    assert _keys(reversed(back)) == _keys(pages)


def test_q_with_sortby_and_filter(base, http):
    want = [key(i) for i in sorted((i for i in ITEMS if has(i, "tas") or has(i, "pr")),
                                   key=lambda i: (i["collection"], i["id"]))]
    got = _keys(walk_post(http, base + "/search", {"q": ["tas", "pr"], "limit": 4,
                                                   "sortby": [{"field": "collection"},
                                                              {"field": "id"}]}))
    assert got == want
    body = {"q": "tas", "filter": {"op": "=", "args": [{"property": "cmip6:source_id"}, "CESM2"]}}
    got = set(_keys(walk_post(http, base + "/search", {**body, "limit": 2})))
    assert got == matching(lambda i: has(i, "tas") and i["properties"].get("cmip6:source_id") == "CESM2")


def test_collection_items_q(base, http):
    collection = "CMIP6"
    got = set(_keys(walk_get(http, f"{base}/collections/{collection}/items", {"q": "pr", "limit": 5})))
    assert got == matching(lambda i: i["collection"] == collection and has(i, "pr"))


@pytest.mark.parametrize("q", ["", "(tas", "tas)", "()", "tas AND", "OR pr", "\"tas", "a,,b",
                               "+", "NOT", "x" * 5000, " ".join(f"w{n}" for n in range(100)),
                               "(" * 30 + "a" + ")" * 30])
def test_malformed_q_is_400(base, http, q):
    r = http.get(base + "/search", params={"q": q})
    assert_error(r, 400)
    assert "'q'" in r.json()["description"]
    r = http.post(base + "/search", json={"q": q})
    assert_error(r, 400)


@pytest.mark.parametrize("body", [{"q": 3}, {"q": ["tas", 1]}, {"q": [""]}, {"q": []},
                                  {"q": {"a": 1}}])
def test_malformed_post_q_is_400(base, http, body):
    r = http.post(base + "/search", json=body)
    assert_error(r, 400)
    assert "'q'" in r.json()["description"]


def test_aggregate_counts_q_matches(base, http):
    # /aggregate takes q as /search does.
    r = http.get(base + "/aggregate", params={"aggregations": "total_count", "q": "tas,pr"})
    assert r.status_code == 200, r.text
    total = next(a for a in r.json()["aggregations"] if a["name"] == "total_count")
    assert total["value"] == len(matching(lambda i: has(i, "tas") or has(i, "pr")))
