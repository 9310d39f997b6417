#pragma once
// Configuration comes from environment variables (the README's table lists them all);
// these helpers read them with defaults and validation in one place.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace stacfed {

// The variable's value, or nullopt when it is unset or empty.
std::optional<std::string> GetEnv(std::string_view name);
std::string GetEnvOr(std::string_view name, std::string_view fallback);
// An integer variable within [min, max]; an unparsable or out-of-range value is an error
// that names the variable, never a silent fallback.
absl::StatusOr<int64_t> GetEnvInt(std::string_view name, int64_t fallback, int64_t min,
                                  int64_t max);

}  // namespace stacfed
