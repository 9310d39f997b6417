#include "libstac/pg/sqlstate.hpp"

#include <libpq-fe.h>

#include "absl/strings/cord.h"
#include "libstac/base/strings.hpp"

namespace stacfed::pg {

absl::StatusCode CodeForSqlState(std::string_view s) {
  if (s == "23505") return absl::StatusCode::kAlreadyExists;       // unique_violation
  if (s == "23503") return absl::StatusCode::kFailedPrecondition;  // foreign_key_violation
  if (s == "57014") return absl::StatusCode::kDeadlineExceeded;    // query_canceled
  if (s == "40001" || s == "40P01") return absl::StatusCode::kAborted;  // serialization, deadlock
  if (s.starts_with("08") || s == "57P01" || s == "57P02" || s == "57P03" ||
      s == "53300") {
    return absl::StatusCode::kUnavailable;  // connection gone, shutting down, too many clients
  }
  if (s.starts_with("22") || s.starts_with("23")) {
    return absl::StatusCode::kInvalidArgument;  // data exceptions, other constraint violations
  }
  if (s == "P0001") return absl::StatusCode::kInvalidArgument;  // RAISE EXCEPTION in our SQL
  return absl::StatusCode::kInternal;
}

absl::Status StatusFromResult(const PGresult* result, std::string_view context) {
  if (result == nullptr) {
    return absl::UnavailableError(StrCat(context, ": no result from the database"));
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  std::string message = primary ? primary : PQresultErrorMessage(result);
  if (detail) StrAppend(&message, " (", detail, ")");
  std::string state = sqlstate ? sqlstate : "08006";  // no SQLSTATE: the connection failed
  absl::Status status(CodeForSqlState(state), StrCat(context, ": ", message));
  status.SetPayload(ToAbsl(kSqlStatePayload), absl::Cord(ToAbsl(state)));
  return status;
}

absl::Status WithSqlState(absl::Status status, std::string_view sqlstate) {
  status.SetPayload(ToAbsl(kSqlStatePayload), absl::Cord(ToAbsl(sqlstate)));
  return status;
}

std::string SqlStateOf(const absl::Status& status) {
  auto payload = status.GetPayload(ToAbsl(kSqlStatePayload));
  return payload ? std::string(*payload) : std::string();
}

}  // namespace stacfed::pg
