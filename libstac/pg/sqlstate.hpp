#pragma once
// Maps PostgreSQL errors to absl::Status codes so callers branch on meaning, not on text.
// The SQLSTATE is kept as the payload "sqlstate" for callers that need the exact class.

#include <string_view>

#include "absl/status/status.h"

struct pg_result;
typedef struct pg_result PGresult;

namespace stacfed::pg {

inline constexpr std::string_view kSqlStatePayload = "sqlstate";

absl::StatusCode CodeForSqlState(std::string_view sqlstate);
// A Status for a failed result (never OK); `context` says what was being done.
absl::Status StatusFromResult(const PGresult* result, std::string_view context);
// The SQLSTATE carried by a status made above, or "" when there is none.
std::string SqlStateOf(const absl::Status& status);
// `status` (not OK) marked with `sqlstate`, for errors of the database access that did not
// come from a result (a lost connection: "08006"; every connection busy: "53300").
absl::Status WithSqlState(absl::Status status, std::string_view sqlstate);

}  // namespace stacfed::pg
