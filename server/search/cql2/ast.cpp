#include "server/search/cql2/ast.hpp"

#include <array>
#include <utility>

#include "absl/strings/match.h"
#include "libstac/base/strings.hpp"

namespace stacfed::search::cql2 {
namespace {

constexpr std::array<std::pair<Op, std::string_view>, 45> kNames = {{
    {Op::kAnd, "and"},
    {Op::kOr, "or"},
    {Op::kNot, "not"},
    {Op::kEq, "="},
    {Op::kNeq, "<>"},
    {Op::kLt, "<"},
    {Op::kLte, "<="},
    {Op::kGt, ">"},
    {Op::kGte, ">="},
    {Op::kLike, "like"},
    {Op::kBetween, "between"},
    {Op::kIn, "in"},
    {Op::kIsNull, "isNull"},
    {Op::kSIntersects, "s_intersects"},
    {Op::kSEquals, "s_equals"},
    {Op::kSDisjoint, "s_disjoint"},
    {Op::kSTouches, "s_touches"},
    {Op::kSWithin, "s_within"},
    {Op::kSOverlaps, "s_overlaps"},
    {Op::kSCrosses, "s_crosses"},
    {Op::kSContains, "s_contains"},
    {Op::kTAfter, "t_after"},
    {Op::kTBefore, "t_before"},
    {Op::kTContains, "t_contains"},
    {Op::kTDisjoint, "t_disjoint"},
    {Op::kTDuring, "t_during"},
    {Op::kTEquals, "t_equals"},
    {Op::kTFinishedBy, "t_finishedby"},
    {Op::kTFinishes, "t_finishes"},
    {Op::kTIntersects, "t_intersects"},
    {Op::kTMeets, "t_meets"},
    {Op::kTMetBy, "t_metby"},
    {Op::kTOverlappedBy, "t_overlappedby"},
    {Op::kTOverlaps, "t_overlaps"},
    {Op::kTStartedBy, "t_startedby"},
    {Op::kTStarts, "t_starts"},
    {Op::kAEquals, "a_equals"},
    {Op::kAContains, "a_contains"},
    {Op::kAContainedBy, "a_containedby"},
    {Op::kAOverlaps, "a_overlaps"},
    {Op::kCaseI, "casei"},
    {Op::kAccentI, "accenti"},
    // Accepted spellings of cql2-json that differ from the text's: "!=" is not CQL2 but
    // common; "is null" as some clients write it.
    {Op::kNeq, "!="},
    {Op::kIsNull, "is null"},
    {Op::kIsNull, "isnull"},
}};

}  // namespace

std::string_view OpName(Op op) {
  for (const auto& [candidate, name] : kNames) {
    if (candidate == op) return name;
  }
  return {};
}

bool OpFromName(std::string_view name, Op& op) {
  for (const auto& [candidate, known] : kNames) {
    if (absl::EqualsIgnoreCase(ToAbsl(known), ToAbsl(name))) {
      op = candidate;
      return true;
    }
  }
  return false;
}

bool IsSpatial(Op op) { return op >= Op::kSIntersects && op <= Op::kSContains; }
bool IsTemporal(Op op) { return op >= Op::kTAfter && op <= Op::kTStarts; }
bool IsArrayOp(Op op) { return op >= Op::kAEquals && op <= Op::kAOverlaps; }
bool IsComparison(Op op) { return op >= Op::kEq && op <= Op::kGte; }

}  // namespace stacfed::search::cql2
