#pragma once
// Free-text queries (the STAC API Free-Text extension, `q`) as PostgreSQL text-search
// queries. Two flavours, one result: a tsquery in its text form, every term quoted as a
// lexeme, so nothing a client types is read as tsquery syntax; PostgreSQL parses it with
// to_tsquery('simple', $n), bound as a parameter.
//
//   basic     GET q=EO,Earth Observation    POST "q": ["EO", "Earth Observation"]
//             any of the terms (OR); a term of several words is a phrase.
//   advanced  GET or POST "q": "(quick OR brown) AND fox", "\"climate model\" -ocean"
//             terms and "quoted phrases"; AND, OR (also the default between terms), NOT,
//             parentheses; +term must be present, -term must be absent (with a +term, the
//             other terms only rank).
//
// Matching is case-insensitive (the 'simple' configuration lowercases and does not stem).
// A q string (GET, or a POST string) is read as advanced unless it separates terms with
// commas outside quotes, which the basic flavour means; a POST array is basic.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::search {

// Bounds on what a client may send: beyond them a q is refused (400).
inline constexpr size_t kMaxFreeTextBytes = 4096;
inline constexpr size_t kMaxFreeTextTerms = 64;
inline constexpr int kMaxFreeTextDepth = 16;

// The tsquery of basic terms: InvalidArgument for an empty term or too many.
absl::StatusOr<std::string> BasicTsQuery(const std::vector<std::string>& terms);

// The tsquery of an advanced query: InvalidArgument (naming 'q' and the position) for
// unbalanced parentheses or quotes, an operator without operand, an empty query, or one
// beyond the bounds.
absl::StatusOr<std::string> AdvancedTsQuery(std::string_view text);

// A q string: basic when it holds a comma outside quotes, else advanced.
absl::StatusOr<std::string> TsQueryOfParameter(std::string_view text);

// The SQL of a q's tsquery, its text (one of the above) bound as `placeholder` ($n). A
// scalar subquery: PostgreSQL computes it once per execution (an InitPlan, which the GIN
// index takes as its key). A bare to_tsquery($n) is not folded in a generic plan: it was
// parsed again for every row the condition rechecked and the rank read, two thirds of the
// time of a q with a thousand matches (bench/README.md, "Free text").
std::string TsQuerySql(std::string_view placeholder);

// The SQL of the relevance of a tsvector to a tsquery, the order of a q without sortby:
// ts_rank, how often the terms occur (weighted by field where the vector has weights: a
// collection's title above its keywords above its description). Not ts_rank_cd (cover
// density): it reads the terms' positions and cost 1.4-2.1 times as much per match
// (bench/README.md, "Free text").
std::string RelevanceSql(std::string_view vector, std::string_view tsquery);

}  // namespace stacfed::search
