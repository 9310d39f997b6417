#pragma once
// Opaque paging tokens. A token names the row a page starts after (keyset pagination on the
// search order datetime DESC, collection, id) and the direction to walk from it; it also
// carries numberMatched from the first page so later pages never count again. Clients must
// treat tokens as opaque: the encoding may change between versions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "libstac/model/datetime.hpp"

namespace stacfed::api {

struct PageToken {
  enum class Direction { kNext, kPrev };
  Direction direction = Direction::kNext;
  // The boundary row: a `kNext` page holds the rows strictly after it in the search order,
  // a `kPrev` page the rows strictly before it.
  Micros datetime = 0;
  std::string collection;
  std::string id;
  // numberMatched as counted on the first page, when it was exact.
  std::optional<int64_t> matched;

  bool operator==(const PageToken&) const = default;
};

std::string EncodePageToken(const PageToken& token);
// InvalidArgument for anything this server did not produce.
absl::StatusOr<PageToken> DecodePageToken(std::string_view text);

// Tokens of the /collections listing, ordered by id: the last id of the previous page.
std::string EncodeCollectionsToken(std::string_view last_id);
absl::StatusOr<std::string> DecodeCollectionsToken(std::string_view text);

}  // namespace stacfed::api
