#pragma once
// Opaque paging tokens. A token names the row a page starts after (keyset pagination: the
// values of the search's sort keys in that row, sort.hpp) and the direction to walk from it;
// it carries numberMatched from the first page so later pages never count again, and the
// fingerprint of the search it belongs to. Tokens are authenticated: an HMAC-SHA-256 under a
// key of the installation (stacfed.server_secrets, created by sql/0011; every server on one
// database shares it) covers all of it, so a client can neither forge a count nor take a
// token to another search. Clients must treat tokens as opaque: the encoding may change
// between versions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::search {

struct PageToken {
  enum class Direction { kNext, kPrev };
  Direction direction = Direction::kNext;
  // The boundary row's sort key values, in the order of the search's sort keys, as their
  // text (a timestamp as microseconds since the epoch); nullopt for SQL NULL. A kNext page
  // holds the rows strictly after it in the sort order, a kPrev page those strictly before.
  std::vector<std::optional<std::string>> keys;
  // numberMatched as counted on the first page, when it was exact.
  std::optional<int64_t> matched;
  // The search's fingerprint (SearchFingerprint, request.hpp): a token answers only the
  // search it came from.
  std::string search;
  // Whether the page that gave the token saw that the rows on its far side start past the
  // boundary row's first sort key (no row after it shares its datetime, say): then the page
  // beyond is one range of the order index, not two (KeysetRanges). Signed like the rest.
  bool past_ties = false;

  bool operator==(const PageToken&) const = default;
};

// Signs and checks tokens with the installation's key.
class TokenSigner {
 public:
  explicit TokenSigner(std::string key) : key_(std::move(key)) {}

  std::string Encode(const PageToken& token) const;
  // InvalidArgument for anything this installation did not produce, or produced for another
  // search than `search` (the fingerprint of the request the token came with).
  absl::StatusOr<PageToken> Decode(std::string_view text, std::string_view search) const;

 private:
  std::string Sign(std::string_view payload) const;
  absl::StatusOr<std::string> Verify(std::string_view text) const;

  std::string key_;
};

// Tokens of the /collections listing and browse pages, ordered by id: the last id of the
// previous page. They carry nothing a client could not ask for itself (the page after any
// id), so they are not signed.
std::string EncodeCollectionsToken(std::string_view last_id);
absl::StatusOr<std::string> DecodeCollectionsToken(std::string_view text);

}  // namespace stacfed::search
