#pragma once
// Internal to the federation library: reading a federation document into a Federation while
// collecting every validation error (JSON pointer + problem) instead of stopping at the first.

#include <string_view>
#include <vector>

#include "libstac/federation/federation.hpp"

namespace stacfed::federation::internal {

// Structure and vocabularies, mirroring schemas/federation.schema.json. Returns what could be
// read; when `errors` grew, the result must not be used.
Federation ReadFederation(std::string_view json, std::vector<ValidationError>& errors);

// What the schema cannot express: unique ids, children and sites that exist, no cycles, a
// child marked primary under one parent at most, a host, path prefix or backend name listed
// by one site only (and a host as a plain host or as a gateway of one tier, not both).
void CheckReferences(const Federation& federation, std::vector<ValidationError>& errors);

// "~" and "/" escaped as RFC 6901 requires, for keys used as pointer tokens.
std::string EscapePointerToken(std::string_view token);

}  // namespace stacfed::federation::internal
