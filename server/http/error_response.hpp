#pragma once
// The one place where an absl::Status becomes an HTTP error response. Every error body has
// the OGC API shape {"code": "<CamelName>", "description": "<message>"}:
//
//   InvalidArgument, OutOfRange                 -> 400 BadRequest
//   NotFound                                     -> 404 NotFound
//   AlreadyExists, FailedPrecondition, Aborted   -> 409 Conflict
//   ResourceExhausted                            -> 413 PayloadTooLarge
//   Unavailable, DeadlineExceeded                -> 503 ServiceUnavailable, with Retry-After
//   anything else                                -> 500 InternalServerError, generic message
//                                                   (the detail is logged, never sent)
// WithHttpStatus overrides the mapping (415, 431).
//
// What a description may say: our own validation messages are sent as they are (repaired to
// valid UTF-8 and cut to kMaxDescriptionBytes, since they may quote what the client sent);
// an error that came from the database (its SQLSTATE payload, libstac/pg/sqlstate.hpp) gets
// a plain reason instead, and its detail (statement name, database message, socket path)
// goes to the log. 5xx details are logged through log::Repeated, so that an outage under
// load writes a few lines per 10 s and a count, not one line per request.

#include <string_view>

#include "absl/status/status.h"
#include "server/http/types.hpp"

namespace stacfed::http {

inline constexpr size_t kMaxDescriptionBytes = 2000;
inline constexpr std::string_view kRetryAfterSeconds = "5";

// HTTP status for a (non-OK) status code.
unsigned HttpStatusFor(absl::StatusCode code);

// `status` answered with `http_status` instead of the mapping above (e.g. 415).
absl::Status WithHttpStatus(absl::Status status, unsigned http_status);

// The error response for a non-OK status (an OK status gives a 500: it is a caller's bug).
Response ErrorResponse(const absl::Status& status);

// An error response with an explicit HTTP status, OGC code name and description.
Response JsonErrorResponse(unsigned http_status, std::string_view code,
                           std::string_view description);

}  // namespace stacfed::http
