#pragma once
// URLs (RFC 3986) for everything that reads or builds one: parsing, resolving a reference
// against a base, hosts, query parameters. One type over Boost.URL, so that no caller cuts a
// URL apart with find("://") or find('?'), and schemes and hosts are compared without case
// in one place.

#include <string>
#include <string_view>

#include <boost/url/url.hpp>

#include "absl/status/statusor.h"

namespace stacfed {

class Url {
 public:
  // An absolute URI: a scheme, then the rest (RFC 3986 section 4.3; a fragment is kept).
  // InvalidArgument for a relative reference or text that is not a URI.
  static absl::StatusOr<Url> Parse(std::string_view text);

  // `reference` resolved with this URL as its base (RFC 3986 section 5.2, every example of
  // section 5.4 included: dot segments above the root are dropped). Bytes a URI may not hold
  // (spaces, non-ASCII, `{}`) are percent-encoded first, as browsers do. InvalidArgument
  // when the reference is not a URI reference even then.
  absl::StatusOr<Url> Resolve(std::string_view reference) const;

  std::string_view str() const { return {url_.buffer().data(), url_.buffer().size()}; }

  // Schemes are compared without case (RFC 3986 section 3.1).
  bool SchemeIs(std::string_view scheme) const;
  bool IsHttp() const { return SchemeIs("https") || SchemeIs("http"); }

  // The host in lower case, without user info and port; "" when there is none (file:///x).
  std::string Host() const;
  // Host and port in lower case ("example.org:8443"): one server, the unit of politeness.
  std::string HostAndPort() const;
  // A host name without a dot, localhost excepted: a service name inside a provider's
  // network ("eodag-server"), which no one outside can reach.
  bool HasInternalHost() const;

  std::string_view EncodedPath() const;
  bool HasQuery() const { return url_.has_query(); }
  std::string_view EncodedQuery() const;
  // Whether the query has a parameter of this (decoded) name.
  bool HasQueryParameter(std::string_view name) const;
  // Appends `name=value` to the query, percent-encoding what needs it.
  void AppendQueryParameter(std::string_view name, std::string_view value);
  // Drops query and fragment ("https://h/search?x#y" -> "https://h/search").
  void RemoveQueryAndFragment();

 private:
  explicit Url(boost::urls::url url) : url_(std::move(url)) {}

  boost::urls::url url_;
};

// Whether `reference` starts with a scheme ("https://h/x", "s3://bucket/key",
// "reference::/p"), as an absolute URI does. A relative reference ("/x", "../x", "x.nc", "?q",
// "//h/x") needs a base. Only the scheme is read: the rest may still be no valid URI.
bool HasScheme(std::string_view reference);

// The path of a URI reference without query and fragment, as written (percent-encoded,
// bytes a URI may not hold encoded): "docs/a b.html?x#y" -> "docs/a%20b.html". "" when the
// text is no URI reference.
std::string ReferencePath(std::string_view reference);

}  // namespace stacfed
