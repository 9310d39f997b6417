#include "server/http/error_response.hpp"

#include "libstac/base/log.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::http {
namespace {

std::string_view CodeNameFor(unsigned http_status) {
  switch (http_status) {
    case 400:
      return "BadRequest";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 413:
      return "PayloadTooLarge";
    case 503:
      return "ServiceUnavailable";
    default:
      return "InternalServerError";
  }
}

}  // namespace

unsigned HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 413;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

Response JsonErrorResponse(unsigned http_status, std::string_view code,
                           std::string_view description) {
  Response response;
  response.status = http_status;
  response.content_type = "application/json";
  response.body.reserve(32 + code.size() + description.size());
  response.body = "{\"code\":";
  AppendJsonString(response.body, code);
  response.body += ",\"description\":";
  AppendJsonString(response.body, description);
  response.body += '}';
  return response;
}

Response ErrorResponse(const absl::Status& status) {
  unsigned http_status = status.ok() ? 500 : HttpStatusFor(status.code());
  if (http_status == 500) {
    // The detail may hold SQL or internals: it goes to the log, not to the client.
    log::Error("internal error answered with 500: ", status.ToString());
    return JsonErrorResponse(500, CodeNameFor(500),
                             "The server failed to handle the request; the error is logged.");
  }
  if (http_status == 503) log::Warn("service unavailable: ", status.ToString());
  return JsonErrorResponse(http_status, CodeNameFor(http_status), ToStd(status.message()));
}

}  // namespace stacfed::http
