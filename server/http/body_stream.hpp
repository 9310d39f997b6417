#pragma once
// A response body produced while it is sent: the handler returns the head (status, type,
// headers) at once and a stream the server pulls chunks from, so a body of any size is sent
// with the memory of one chunk. The server writes each chunk with HTTP/1.1 chunked transfer
// encoding (to HTTP/1.0 clients: the bytes as they come, then it closes the connection).
// The stream is pulled on the request's thread, one chunk at a time, only after the
// previous chunk was written: a slow client slows the producer down.
//
// Errors: the status line has gone when the stream fails, so a failing Next() makes the
// server close the connection without the final chunk: the client sees a truncated body,
// never a complete-looking one.

#include <boost/asio/awaitable.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace stacfed::http {

class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Replaces `chunk` with the next bytes; false when the body is complete (`chunk` is then
  // ignored). An empty chunk with true is allowed (nothing is written for it).
  virtual boost::asio::awaitable<absl::StatusOr<bool>> Next(std::string& chunk) = 0;
};

}  // namespace stacfed::http
