#pragma once
// The one place where an absl::Status becomes an HTTP error response. Every error body has
// the OGC API shape {"code": "<CamelName>", "description": "<message>"}:
//
//   InvalidArgument, OutOfRange                 -> 400 BadRequest
//   NotFound                                     -> 404 NotFound
//   AlreadyExists, FailedPrecondition, Aborted   -> 409 Conflict
//   ResourceExhausted                            -> 413 PayloadTooLarge
//   Unavailable, DeadlineExceeded                -> 503 ServiceUnavailable
//   anything else                                -> 500 InternalServerError, generic message
//                                                   (the detail is logged, never sent)

#include <string_view>

#include "absl/status/status.h"
#include "server/http/types.hpp"

namespace stacfed::http {

// HTTP status for a (non-OK) status code.
unsigned HttpStatusFor(absl::StatusCode code);

// The error response for a non-OK status (an OK status gives a 500: it is a caller's bug).
Response ErrorResponse(const absl::Status& status);

// An error response with an explicit HTTP status, OGC code name and description.
Response JsonErrorResponse(unsigned http_status, std::string_view code,
                           std::string_view description);

}  // namespace stacfed::http
