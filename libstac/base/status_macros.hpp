#pragma once
// Early-return helpers for absl::Status. Debian 12's Abseil (20220623) predates
// ABSL_RETURN_IF_ERROR, so we carry our own.

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define STACFED_CONCAT_INNER(a, b) a##b
#define STACFED_CONCAT(a, b) STACFED_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (a Status) is not OK.
#define STACFED_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    ::absl::Status stacfed_status_ = (expr);          \
    if (!stacfed_status_.ok()) return stacfed_status_; \
  } while (0)

// `lhs` = value of `expr` (a StatusOr) or return its error.
#define STACFED_ASSIGN_OR_RETURN(lhs, expr) \
  STACFED_ASSIGN_OR_RETURN_IMPL(STACFED_CONCAT(stacfed_statusor_, __LINE__), lhs, expr)
#define STACFED_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).status();      \
  lhs = std::move(tmp).value()

// Coroutine variants: co_return instead of return.
#define STACFED_CO_RETURN_IF_ERROR(expr)                 \
  do {                                                   \
    ::absl::Status stacfed_status_ = (expr);             \
    if (!stacfed_status_.ok()) co_return stacfed_status_; \
  } while (0)
#define STACFED_CO_ASSIGN_OR_RETURN(lhs, expr) \
  STACFED_CO_ASSIGN_OR_RETURN_IMPL(STACFED_CONCAT(stacfed_statusor_, __LINE__), lhs, expr)
#define STACFED_CO_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) co_return std::move(tmp).status();      \
  lhs = std::move(tmp).value()
