#pragma once
// Content negotiation helpers for responses: gzip, ETags. Socket-free for tests.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace stacfed::http {

// True when an Accept-Encoding value accepts gzip ("gzip", "x-gzip" or "*" with q > 0).
bool AcceptsGzip(std::string_view accept_encoding);

// Whether a media type is worth compressing (JSON, text, XML, JavaScript).
bool IsCompressible(std::string_view content_type);

// A stable 64-bit hash of `bytes` (same value on every run and machine: ETags outlive a
// process).
uint64_t Hash64(std::string_view bytes);

// The strong ETag of a body, quotes included: "\"5f0c...\"" (16 hex digits).
std::string EtagFor(std::string_view body);

// RFC 9110 If-None-Match with weak comparison: "*", or a list holding `etag` (with or
// without W/). `etag` is the quoted form returned by EtagFor.
bool IfNoneMatchHits(std::string_view if_none_match, std::string_view etag);

// gzip (RFC 1952) with one reusable zlib stream, so compressing a response allocates only
// the output string. One per thread; not thread-safe.
class GzipCompressor {
 public:
  explicit GzipCompressor(int level);
  ~GzipCompressor();
  GzipCompressor(const GzipCompressor&) = delete;
  GzipCompressor& operator=(const GzipCompressor&) = delete;

  // Compresses `input` into `output` (replaced). False if zlib fails (send it uncompressed).
  bool Compress(std::string_view input, std::string& output);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace stacfed::http
