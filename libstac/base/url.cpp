#include "libstac/base/url.hpp"

#include <boost/url/grammar/alnum_chars.hpp>
#include <boost/url/grammar/alpha_chars.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/gen_delim_chars.hpp>
#include <boost/url/rfc/sub_delim_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"

namespace stacfed {
namespace urls = boost::urls;
namespace {

urls::string_view Boost(std::string_view text) { return {text.data(), text.size()}; }
std::string_view Std(urls::string_view text) { return {text.data(), text.size()}; }

// Every byte a URI may hold as it is: unreserved, delimiters, and '%' of a percent-encoding.
bool MayStayInUri(char c) {
  return urls::unreserved_chars(c) || urls::gen_delim_chars(c) || urls::sub_delim_chars(c) || c == '%';
}

// `text` with the bytes a URI may not hold percent-encoded (UTF-8 is encoded byte by byte,
// as RFC 3987 section 3.1 maps an IRI to a URI).
std::string EncodeInvalidBytes(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (MayStayInUri(c)) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  }
  return out;
}

// Calls `use` with `text` parsed as a URI reference: as written when it parses, else with
// its invalid bytes encoded. False when it is no URI reference even then.
template <typename Use>
bool WithReference(std::string_view text, const Use& use) {
  if (auto parsed = urls::parse_uri_reference(Boost(text))) {
    use(*parsed);
    return true;
  }
  const std::string encoded = EncodeInvalidBytes(text);
  auto parsed = urls::parse_uri_reference(Boost(encoded));
  if (!parsed) return false;
  use(*parsed);
  return true;
}

// RFC 3986 section 5.2.4 drops ".." segments that would climb above the root ("/../g" ->
// "/g"); Boost.URL 1.81 keeps them, so they are dropped here.
void DropDotSegmentsAboveRoot(urls::url& url) {
  std::string_view path = Std(url.encoded_path());
  bool changed = false;
  while (path.starts_with("/../") || path == "/..") {
    path.remove_prefix(3);
    changed = true;
  }
  if (!changed) return;
  const std::string rest = path.empty() ? "/" : std::string(path);
  url.set_encoded_path(rest);
}

}  // namespace

absl::StatusOr<Url> Url::Parse(std::string_view text) {
  auto parsed = urls::parse_uri(Boost(text));
  if (!parsed) return absl::InvalidArgumentError(StrCat("not an absolute URL: ", Excerpt(text, 200)));
  return Url(urls::url(*parsed));
}

absl::StatusOr<Url> Url::Resolve(std::string_view reference) const {
  urls::url resolved;
  boost::system::error_code error;
  const bool parsed = WithReference(reference, [&](const urls::url_view& ref) {
    if (auto result = urls::resolve(url_, ref, resolved); !result) error = result.error();
  });
  if (!parsed) return absl::InvalidArgumentError(StrCat("not a URI reference: ", Excerpt(reference, 200)));
  if (error) {
    return absl::InvalidArgumentError(StrCat("cannot resolve ", Excerpt(reference, 200), " against ",
                                             str(), ": ", error.message()));
  }
  DropDotSegmentsAboveRoot(resolved);
  return Url(std::move(resolved));
}

bool Url::SchemeIs(std::string_view scheme) const {
  return absl::EqualsIgnoreCase(ToAbsl(Std(url_.scheme())), ToAbsl(scheme));
}

std::string Url::Host() const { return absl::AsciiStrToLower(ToAbsl(Std(url_.encoded_host()))); }

std::string Url::HostAndPort() const {
  return absl::AsciiStrToLower(ToAbsl(Std(url_.encoded_host_and_port())));
}

bool Url::HasInternalHost() const {
  const std::string host = Host();
  return !host.empty() && host.find('.') == std::string::npos && host != "localhost" &&
         url_.host_type() == urls::host_type::name;
}

std::string_view Url::EncodedPath() const { return Std(url_.encoded_path()); }

std::string_view Url::EncodedQuery() const { return Std(url_.encoded_query()); }

bool Url::HasQueryParameter(std::string_view name) const {
  for (const auto& param : urls::url_view(url_).params()) {
    if (param.key == name) return true;
  }
  return false;
}

void Url::AppendQueryParameter(std::string_view name, std::string_view value) {
  const std::string encoded_name = PercentEncode(name);
  const std::string encoded_value = PercentEncode(value);
  url_.encoded_params().append(urls::param_pct_view(Boost(encoded_name), Boost(encoded_value)));
}

void Url::RemoveQueryAndFragment() {
  url_.remove_query();
  url_.remove_fragment();
}

bool HasScheme(std::string_view reference) {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), ended by ':' (section 3.1); a
  // relative reference cannot start so, as its first segment holds no ':' (section 4.2).
  // Read without parsing the rest: most hrefs are absolute, and this is asked of each.
  static constexpr urls::grammar::lut_chars kSchemeChars =
      urls::grammar::lut_chars(urls::grammar::alnum_chars) + urls::grammar::lut_chars("+-.");
  if (reference.empty() || !urls::grammar::alpha_chars(reference.front())) return false;
  for (const char c : reference.substr(1)) {
    if (c == ':') return true;
    if (!kSchemeChars(c)) return false;
  }
  return false;
}

std::string ReferencePath(std::string_view reference) {
  std::string path;
  WithReference(reference, [&](const urls::url_view& parsed) { path = Std(parsed.encoded_path()); });
  return path;
}

}  // namespace stacfed
