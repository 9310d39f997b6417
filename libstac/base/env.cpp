#include "libstac/base/env.hpp"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "libstac/base/strings.hpp"

namespace stacfed {

std::optional<std::string> GetEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string GetEnvOr(std::string_view name, std::string_view fallback) {
  auto value = GetEnv(name);
  return value ? *value : std::string(fallback);
}

absl::StatusOr<int64_t> GetEnvInt(std::string_view name, int64_t fallback, int64_t min,
                                  int64_t max) {
  auto value = GetEnv(name);
  if (!value) return fallback;
  int64_t parsed = 0;
  if (!absl::SimpleAtoi(*value, &parsed) || parsed < min || parsed > max) {
    return absl::InvalidArgumentError(StrCat("environment variable ", name, "='", *value,
                                                   "' must be an integer from ", min, " to ",
                                                   max));
  }
  return parsed;
}

}  // namespace stacfed
