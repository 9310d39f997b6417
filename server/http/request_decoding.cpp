#include "server/http/request_decoding.hpp"

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

std::string BaseUrlFor(const ServerOptions& options, std::string_view host_header) {
  if (!options.public_url.empty()) return options.public_url;
  if (host_header.empty()) return StrCat("http://", options.host, ":", options.port);
  return StrCat("http://", host_header);
}

}  // namespace stacfed::http
