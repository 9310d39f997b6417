#include "server/http/response_encoding.hpp"

#include <zlib.h>

#include <bit>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "libstac/base/strings.hpp"

namespace stacfed::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}

// Calls `visit` with each trimmed, non-empty element of a comma-separated header value
// until it returns true; returns whether one did.
template <typename Visit>
bool AnyListElement(std::string_view list, Visit visit) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view element = Trim(list.substr(0, comma));
    if (!element.empty() && visit(element)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// q=0 means "not acceptable"; anything else (or no q) accepts.
bool QualityIsZero(std::string_view parameters) {
  while (!parameters.empty()) {
    auto semicolon = parameters.find(';');
    std::string_view parameter = Trim(parameters.substr(0, semicolon));
    if (parameter.size() > 2 && (parameter[0] == 'q' || parameter[0] == 'Q') &&
        parameter[1] == '=') {
      double q = 1;
      if (absl::SimpleAtod(ToAbsl(parameter.substr(2)), &q)) return q <= 0;
    }
    if (semicolon == std::string_view::npos) break;
    parameters.remove_prefix(semicolon + 1);
  }
  return false;
}

uint64_t Load64(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// MurmurHash3's finaliser: every input bit affects every output bit.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::string_view StripWeak(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  return AnyListElement(accept_encoding, [](std::string_view element) {
    auto semicolon = element.find(';');
    std::string_view coding = Trim(element.substr(0, semicolon));
    if (!EqualsIgnoreCase(coding, "gzip") && !EqualsIgnoreCase(coding, "x-gzip") && coding != "*") {
      return false;
    }
    return semicolon == std::string_view::npos || !QualityIsZero(element.substr(semicolon + 1));
  });
}

bool IsCompressible(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  return type.starts_with("text/") || type.ends_with("json") || type.ends_with("xml") ||
         type.ends_with("javascript");
}

uint64_t Hash64(std::string_view bytes) {
  constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15ULL;
  uint64_t h = 0xcbf29ce484222325ULL ^ (bytes.size() * kMultiplier);
  const char* p = bytes.data();
  size_t remaining = bytes.size();
  for (; remaining >= 8; remaining -= 8, p += 8) {
    h = std::rotl(h ^ (Load64(p) * kMultiplier), 31) * 0x87c37b91114253d5ULL;
  }
  if (remaining > 0) {
    uint64_t tail = 0;
    std::memcpy(&tail, p, remaining);
    h = std::rotl(h ^ (tail * kMultiplier), 31) * 0x87c37b91114253d5ULL;
  }
  return Mix(h);
}

std::string EtagFor(std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t hash = Hash64(body);
  std::string tag(18, '"');
  for (int i = 16; i >= 1; --i, hash >>= 4) tag[i] = kHex[hash & 0xf];
  return tag;
}

bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag) {
  if (Trim(if_none_match) == "*") return true;
  return AnyListElement(if_none_match, [&](std::string_view tag) {
    tag = StripWeak(tag);
    // A gzip-encoded response carries the tag with a "-gzip" suffix inside the quotes; the
    // representation is the same, so either form validates.
    if (tag == etag) return true;
    return tag.size() == etag.size() + 5 && tag.starts_with(etag.substr(0, etag.size() - 1)) &&
           tag.ends_with("-gzip\"");
  });
}

struct GzipCompressor::State {
  z_stream stream{};
  bool ready = false;
};

GzipCompressor::GzipCompressor(int level) : state_(std::make_unique<State>()) {
  // windowBits 15 + 16: gzip wrapper; memLevel 8 is zlib's default.
  state_->ready =
      deflateInit2(&state_->stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipCompressor::~GzipCompressor() {
  if (state_->ready) deflateEnd(&state_->stream);
}

bool GzipCompressor::Compress(std::string_view input, std::string& output) {
  if (!state_->ready) return false;
  z_stream& stream = state_->stream;
  if (deflateReset(&stream) != Z_OK) return false;
  output.resize(deflateBound(&stream, input.size()));
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  // deflateBound guarantees room for the whole stream in one call.
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) return false;
  output.resize(stream.total_out);
  return true;
}

}  // namespace stacfed::http
