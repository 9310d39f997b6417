#pragma once
// Relative hrefs made absolute at harvest (RFC 3986 section 5). The server writes a record's
// self link itself, so an href kept relative would resolve against stacfed, where nothing
// answers it. Like every repair, each resolved href is reported as a change, which the sink
// records in stacfed.harvest_normalisations.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "absl/status/statusor.h"
#include "libstac/base/url.hpp"

namespace stacfed::crawler {

// The base URI a document's relative references resolve against (RFC 3986 section 5.1):
//  1. its `self` link: the base embedded in the content (5.1.1), resolved against the
//     retrieval URL when it is relative itself; taken when it is an http(s) URL on a host the
//     public can reach (not a single-label service name such as "eodag-server"), or a
//     file: URL of a document that was read from a file;
//  2. otherwise the URL the document was retrieved from, after redirects (5.1.3); for an
//     item inside an ItemCollection page, the page's URL (the encapsulating entity, 5.1.2).
struct DocumentBase {
  Url url;
  bool from_self_link = false;
};
absl::StatusOr<DocumentBase> FindDocumentBase(const boost::json::object& document,
                                              std::string_view retrieval_url);

// Whether a bare absolute path ("/pool/data/x.nc") is a POSIX path at a federation site (a
// site's `paths` prefix) rather than a reference on the document's host.
using SitePathTest = std::function<bool(std::string_view path)>;

// Makes every relative href of an item or collection absolute against FindDocumentBase:
// `links` (all but those the server writes itself: self, root, parent, collection, items),
// `assets` and every `alternate` of an asset. Left as they are: absolute hrefs (any scheme,
// also s3:// and reference::), empty hrefs (they name nothing), bare paths that
// `is_site_path` claims, and text that is no URI reference. One change per resolved href is
// appended to `changes` ("assets.data.href: '/x' -> 'https://h/x' (relative, resolved
// against the self link)"). Nothing happens when `retrieval_url` is no URL.
void ResolveRelativeHrefs(boost::json::object& document, std::string_view retrieval_url,
                          const SitePathTest& is_site_path, std::vector<std::string>& changes);

}  // namespace stacfed::crawler
