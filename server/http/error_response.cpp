#include "server/http/error_response.hpp"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "libstac/base/log.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/pg/sqlstate.hpp"

namespace stacfed::http {
namespace {

constexpr std::string_view kHttpStatusPayload = "stacfed.http_status";

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
    case 415:
      return "UnsupportedMediaType";
    case 431:
      return "RequestHeaderFieldsTooLarge";
    case 499:
      return "ClientClosedRequest";
    case 503:
      return "ServiceUnavailable";
    default:
      return "InternalServerError";
  }
}

// What to tell a client about an error of the database, by SQLSTATE: never its message.
std::string_view PlainDatabaseReason(std::string_view sqlstate) {
  if (sqlstate == "57014") {
    return "The search took longer than the server allows; narrow it (fewer collections, a "
           "smaller area or time range, fewer ids) and try again.";
  }
  if (sqlstate.starts_with("53")) return "The server is busy; try again shortly.";
  if (sqlstate.starts_with("08") || sqlstate.starts_with("57")) {
    return "The database is unavailable at the moment; try again shortly.";
  }
  if (sqlstate == "22007" || sqlstate == "22008") {
    return "A date or time of the request is out of the range the catalog can search.";
  }
  if (sqlstate == "22003") return "A number of the request is out of range.";
  if (sqlstate.starts_with("22")) {
    return "A value of the request is malformed or out of range for its type.";
  }
  return "The request could not be carried out with the values it gives.";
}

// The description as it may be sent: valid UTF-8, bounded.
std::string SafeDescription(std::string_view description) {
  std::string safe = ToValidUtf8(description.substr(0, kMaxDescriptionBytes));
  if (description.size() > kMaxDescriptionBytes) {
    // Cut at a character boundary: drop a trailing partial sequence, now U+FFFDs.
    while (safe.ends_with("\xEF\xBF\xBD")) safe.resize(safe.size() - 3);
    safe += "...";
  }
  return safe;
}

}  // namespace

absl::Status WithHttpStatus(absl::Status status, unsigned http_status) {
  status.SetPayload(ToAbsl(kHttpStatusPayload), absl::Cord(StrCat(http_status)));
  return status;
}

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
    case absl::StatusCode::kCancelled:
      return 499;  // the client went away: logged, never sent
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

Response JsonErrorResponse(unsigned http_status, std::string_view code,
                           std::string_view description) {
  const std::string safe = SafeDescription(description);
  Response response;
  response.status = http_status;
  response.content_type = "application/json";
  response.body.reserve(32 + code.size() + safe.size());
  response.body = "{\"code\":";
  AppendJsonString(response.body, code);
  response.body += ",\"description\":";
  AppendJsonString(response.body, safe);
  response.body += '}';
  if (http_status == 503) response.headers.emplace_back("Retry-After", kRetryAfterSeconds);
  return response;
}

Response ErrorResponse(const absl::Status& status) {
  unsigned http_status = status.ok() ? 500 : HttpStatusFor(status.code());
  if (auto forced = status.GetPayload(ToAbsl(kHttpStatusPayload))) {
    unsigned value = 0;
    if (absl::SimpleAtoi(std::string(*forced), &value)) http_status = value;
  }
  if (http_status == 500) {
    // The detail may hold SQL or internals: it goes to the log, not to the client.
    log::Repeated(log::Level::kError, "500", status.ToString());
    return JsonErrorResponse(500, CodeNameFor(500),
                             "The server failed to handle the request; the error is logged.");
  }
  const std::string sqlstate = pg::SqlStateOf(status);
  if (http_status == 503) log::Repeated(log::Level::kWarn, "503", status.ToString());
  if (sqlstate.empty()) {
    return JsonErrorResponse(http_status, CodeNameFor(http_status), ToStd(status.message()));
  }
  if (http_status != 503) {
    log::Repeated(log::Level::kWarn, StrCat(http_status, " from the database"), status.ToString());
  }
  return JsonErrorResponse(http_status, CodeNameFor(http_status), PlainDatabaseReason(sqlstate));
}

}  // namespace stacfed::http
