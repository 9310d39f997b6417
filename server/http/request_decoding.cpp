#include "server/http/request_decoding.hpp"

#include <boost/url/grammar/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/pct_encoded_rule.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "libstac/base/strings.hpp"

namespace stacfed::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendDecoded(std::string& out, std::string_view text, bool plus_is_space) {
  out.reserve(out.size() + text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
}

void AddQueryParam(std::string_view pair, Request& request) {
  if (pair.empty()) return;  // "a=1&&b=2"
  auto equals = pair.find('=');
  std::string_view key = pair.substr(0, equals);
  std::string_view value =
      equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
  auto& [name, decoded] = request.query_params.emplace_back();
  AppendDecoded(name, key, true);
  AppendDecoded(decoded, value, true);
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  AppendDecoded(out, text, plus_is_space);
  return out;
}

void DecodeTarget(std::string_view target, Request& request) {
  request.target.assign(target);
  auto question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  request.path.clear();
  AppendDecoded(request.path, raw_path, false);
  request.query_params.clear();
  if (question == std::string_view::npos) {
    request.query.clear();
    return;
  }
  std::string_view query = target.substr(question + 1);
  if (auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  request.query.assign(query);
  while (!query.empty()) {
    auto amp = query.find('&');
    AddQueryParam(query.substr(0, amp), request);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

absl::Status CheckRequestTarget(std::string_view target, Method method) {
  if (target == "*" && method == Method::kOptions) return absl::OkStatus();
  if (!target.starts_with('/')) {
    return absl::InvalidArgumentError("the request target must be a path starting with '/'");
  }
  // The fragment is not part of a request target, but browsers' copies of URLs carry it;
  // it is ignored (DecodeTarget) rather than refused.
  const std::string_view without_fragment = target.substr(0, target.find('#'));
  // Origin form (RFC 9112) is "/" then path characters, "/" and "?" (the first one starts the
  // query, whose characters are the path's and "/" and "?"), and percent-escapes: one pass of
  // Boost.URL's percent-encoded rule accepts what parse_origin_form does, without building a
  // URL view (its segments and parameters) that is dropped at once: 3,700 instructions for an
  // item's target.
  static constexpr auto kTargetChars = boost::urls::pchars + '/' + '?';
  if (!boost::urls::grammar::parse(
          boost::urls::string_view(without_fragment.data(), without_fragment.size()),
          boost::urls::pct_encoded_rule(kTargetChars))) {
    return absl::InvalidArgumentError(
        "the request target has characters a URL may not hold unencoded (RFC 3986): "
        "percent-encode them");
  }
  return absl::OkStatus();
}

namespace {

absl::Status CheckDecodedValue(std::string_view what, std::string_view value) {
  if (value.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError(StrCat(what, " holds a NUL byte (%00), which no value may hold"));
  }
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(StrCat(what, " is not valid UTF-8 once percent-decoded"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckDecodedRequest(const Request& request) {
  if (auto status = CheckDecodedValue("the path", request.path); !status.ok()) return status;
  for (const auto& [name, value] : request.query_params) {
    if (auto status = CheckDecodedValue("a query parameter name", name); !status.ok()) {
      return status;
    }
    // The name is valid UTF-8 without NUL by now, so it can be echoed.
    if (auto status = CheckDecodedValue(StrCat("query parameter '", name, "'"), value);
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

namespace {

// Host and port of a Host header value that CheckHost accepted; the name lower case,
// an IPv6 literal in brackets; port -1 when there is none.
struct HostAndPort {
  std::string name;
  int port = -1;
};

absl::StatusOr<HostAndPort> SplitHost(std::string_view host) {
  const absl::Status invalid = absl::InvalidArgumentError(
      "the Host header must be a host name or address with an optional port");
  auto authority = boost::urls::parse_authority(host);
  if (!authority || host.empty() || authority->has_userinfo() ||
      authority->encoded_host().empty() ||
      authority->encoded_host().find('%') != boost::urls::string_view::npos) {
    return invalid;
  }
  HostAndPort out;
  const auto encoded = authority->encoded_host();
  out.name = absl::AsciiStrToLower(ToAbsl(std::string_view(encoded.data(), encoded.size())));
  if (authority->has_port()) {
    const auto port = authority->port();
    uint32_t number = 0;
    if (!absl::SimpleAtoi(ToAbsl(std::string_view(port.data(), port.size())), &number) ||
        number == 0 || number > 65535) {
      return invalid;
    }
    out.port = static_cast<int>(number);
  }
  return out;
}

}  // namespace

absl::Status HostPolicy::CheckHost(std::string_view host) { return SplitHost(host).status(); }

HostPolicy::HostPolicy(const ServerOptions& options, uint16_t port, std::string machine_name)
    : public_url_(options.public_url), port_(port) {
  for (std::string_view name : {"localhost", "127.0.0.1", "[::1]"}) {
    allowed_.push_back({std::string(name), port});
  }
  if (!machine_name.empty()) {
    allowed_.push_back({absl::AsciiStrToLower(ToAbsl(machine_name)), port});
  }
  for (const std::string& entry : options.allowed_hosts) {
    if (entry == "*") {
      any_host_ = true;
      continue;
    }
    auto parsed = SplitHost(entry);
    if (parsed.ok()) allowed_.push_back({parsed->name, parsed->port});
  }
}

bool HostPolicy::Trusted(std::string_view host_header, std::string_view local_address) const {
  auto host = SplitHost(host_header);
  if (!host.ok()) return false;
  if (any_host_) return true;
  const int port = host->port == -1 ? 80 : host->port;  // http's default
  for (const Entry& entry : allowed_) {
    if (entry.name == host->name && (entry.port == -1 || entry.port == port)) return true;
  }
  // The address the client connected to, with our port.
  std::string local = absl::AsciiStrToLower(ToAbsl(local_address));
  if (local.find(':') != std::string::npos) local = StrCat("[", local, "]");
  return host->name == local && port == port_;
}

std::string HostPolicy::BaseUrl(std::string_view host_header,
                                std::string_view local_address) const {
  if (!public_url_.empty()) return public_url_;
  if (Trusted(host_header, local_address)) return StrCat("http://", host_header);
  if (local_address.find(':') != std::string_view::npos) {
    return StrCat("http://[", local_address, "]:", port_);
  }
  return StrCat("http://", local_address, ":", port_);
}

}  // namespace stacfed::http
