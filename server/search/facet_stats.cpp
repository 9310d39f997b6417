#include "server/search/facet_stats.hpp"

#include <algorithm>
#include <charconv>


namespace stacfed::search {
namespace {

// The elements of a one-dimensional array literal of numbers, "{1,-2,3.5e-05}".
template <typename T>
std::optional<std::vector<T>> Numbers(std::string_view literal) {
  if (!literal.starts_with('{') || !literal.ends_with('}')) return std::nullopt;
  const char* at = literal.data() + 1;
  const char* const end = literal.data() + literal.size() - 1;
  std::vector<T> out;
  while (at < end) {
    T value{};
    const auto [next, ec] = std::from_chars(at, end, value);
    if (ec != std::errc() || (next != end && *next != ',')) return std::nullopt;
    out.push_back(value);
    at = next == end ? end : next + 1;
  }
  return out;
}

}  // namespace

std::optional<FacetStatistics> FacetStatistics::Parse(std::string_view elements,
                                                      std::string_view frequencies,
                                                      double items) {
  std::optional<std::vector<int64_t>> digests = Numbers<int64_t>(elements);
  std::optional<std::vector<double>> freqs = Numbers<double>(frequencies);
  // One frequency per element, then the minimum, the maximum and the null fraction.
  if (!digests || !freqs || freqs->size() != digests->size() + 3 || !(items >= 0)) {
    return std::nullopt;
  }
  FacetStatistics stats;
  stats.items_ = items;
  stats.least_ = (*freqs)[digests->size()];
  for (size_t i = 0; i < digests->size(); ++i) stats.frequency_[(*digests)[i]] = (*freqs)[i];
  return stats;
}

double FacetStatistics::Estimate(const std::vector<std::vector<int64_t>>& all_of) const {
  double fraction = 1;
  for (const std::vector<int64_t>& any_of : all_of) {
    double share = 0;
    for (int64_t digest : any_of) {
      auto it = frequency_.find(digest);
      share += it != frequency_.end() ? it->second : least_ / 2;
    }
    fraction *= std::min(share, 1.0);
  }
  return fraction * items_;
}

}  // namespace stacfed::search
