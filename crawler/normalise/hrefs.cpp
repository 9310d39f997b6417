#include "crawler/normalise/hrefs.hpp"

#include <optional>

#include "libstac/base/strings.hpp"
#include "libstac/ingest/staged_item.hpp"

namespace stacfed::crawler {
namespace json = boost::json;
namespace {

std::string_view View(const json::string& text) { return {text.data(), text.size()}; }

std::string_view StringMember(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(json::string_view(key.data(), key.size()));
  const json::string* text = value ? value->if_string() : nullptr;
  return text ? View(*text) : std::string_view();
}

// The first self link's href, "" when there is none.
std::string_view SelfHref(const json::object& document) {
  const json::value* links = document.if_contains("links");
  if (links == nullptr || !links->is_array()) return {};
  for (const json::value& link : links->get_array()) {
    if (link.is_object() && StringMember(link.get_object(), "rel") == "self") {
      return StringMember(link.get_object(), "href");
    }
  }
  return {};
}

// A self link worth trusting as the base: one the public can follow, or a file of a
// document read from a file (a file: self link on a document served over http is a path
// on the machine that wrote the catalog).
bool UsableSelf(const Url& self, const Url& retrieval) {
  if (self.IsHttp()) return !self.HasInternalHost();
  return self.SchemeIs("file") && retrieval.SchemeIs("file");
}

// Resolves the hrefs of one document. Its base is found when the first relative href is
// met: most documents have none, and then cost one scheme check per href.
class Resolver {
 public:
  Resolver(const json::object& document, std::string_view retrieval_url,
           const SitePathTest& is_site_path, std::vector<std::string>& changes)
      : document_(document), retrieval_url_(retrieval_url), is_site_path_(is_site_path), changes_(changes) {}

  void Links(json::object& document) {
    json::value* links = document.if_contains("links");
    if (links == nullptr || !links->is_array()) return;
    json::array& list = links->get_array();
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].is_object()) continue;
      json::object& link = list[i].get_object();
      if (ingest::IsGeneratedRel(StringMember(link, "rel"))) continue;  // the server writes these
      Href(link, [i] { return StrCat("links[", i, "].href"); });
    }
  }

  void Assets(json::object& document) {
    json::value* assets = document.if_contains("assets");
    if (assets == nullptr || !assets->is_object()) return;
    for (auto& [key, asset] : assets->get_object()) {
      if (!asset.is_object()) continue;
      const std::string_view asset_key(key.data(), key.size());
      Href(asset.get_object(), [&] { return StrCat("assets.", asset_key, ".href"); });
      json::value* alternates = asset.get_object().if_contains("alternate");
      if (alternates == nullptr || !alternates->is_object()) continue;
      for (auto& [name, alternate] : alternates->get_object()) {
        if (!alternate.is_object()) continue;
        const std::string_view alternate_key(name.data(), name.size());
        Href(alternate.get_object(),
             [&] { return StrCat("assets.", asset_key, ".alternate.", alternate_key, ".href"); });
      }
    }
  }

 private:
  // Resolves the string member `href` of `owner`; `path` names it in the change list.
  template <typename PathFn>
  void Href(json::object& owner, const PathFn& path) {
    json::value* href = owner.if_contains("href");
    if (href == nullptr || !href->is_string()) return;
    const std::string_view before = View(href->get_string());
    if (!IsRelative(before)) return;
    const DocumentBase* base = Base();
    if (base == nullptr) return;
    absl::StatusOr<Url> resolved = base->url.Resolve(before);
    if (!resolved.ok()) return;
    changes_.push_back(StrCat(path(), ": '", before, "' -> '", resolved->str(), "' (relative, resolved against the ",
                              base->from_self_link ? "self link" : "document's URL", ")"));
    *href = resolved->str();
  }

  // A relative reference that is not a site's POSIX path.
  bool IsRelative(std::string_view href) const {
    if (href.empty() || HasScheme(href)) return false;
    const bool bare_path = href.starts_with('/') && !href.starts_with("//");
    return !(bare_path && is_site_path_ && is_site_path_(ReferencePath(href)));
  }

  const DocumentBase* Base() {
    if (!base_searched_) {
      base_searched_ = true;
      if (auto found = FindDocumentBase(document_, retrieval_url_); found.ok()) base_ = std::move(*found);
    }
    return base_ ? &*base_ : nullptr;
  }

  const json::object& document_;
  std::string_view retrieval_url_;
  const SitePathTest& is_site_path_;
  std::vector<std::string>& changes_;
  bool base_searched_ = false;
  std::optional<DocumentBase> base_;
};

}  // namespace

absl::StatusOr<DocumentBase> FindDocumentBase(const json::object& document,
                                              std::string_view retrieval_url) {
  absl::StatusOr<Url> retrieval = Url::Parse(retrieval_url);
  if (!retrieval.ok()) return retrieval.status();
  if (const std::string_view self = SelfHref(document); !self.empty()) {
    absl::StatusOr<Url> embedded = retrieval->Resolve(self);
    if (embedded.ok() && UsableSelf(*embedded, *retrieval)) {
      return DocumentBase{std::move(*embedded), /*from_self_link=*/true};
    }
  }
  return DocumentBase{std::move(*retrieval), /*from_self_link=*/false};
}

void ResolveRelativeHrefs(json::object& document, std::string_view retrieval_url,
                          const SitePathTest& is_site_path, std::vector<std::string>& changes) {
  Resolver resolver(document, retrieval_url, is_site_path, changes);
  resolver.Links(document);
  resolver.Assets(document);
}

}  // namespace stacfed::crawler
