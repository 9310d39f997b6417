#pragma once
// The one syntax tree of a CQL2 filter (OGC 21-065, CQL2 1.0), whichever encoding it came
// in: the text parser (cql2-text) and the JSON parser (cql2-json) both build it, and one
// translation turns it into SQL (to_sql.hpp). It mirrors cql2-json: every node is an
// operator with arguments, or a literal, or a property reference.
//
//   cql2-text  "eo:cloud_cover < 10 AND NOT collection IN ('a','b')"
//   cql2-json  {"op":"and","args":[{"op":"<","args":[{"property":"eo:cloud_cover"},10]},
//               {"op":"not","args":[{"op":"in","args":[{"property":"collection"},["a","b"]]}]}]}
//   tree       And(Lt(Property eo:cloud_cover, Number 10), Not(In(Property collection,
//               Array(String a, String b))))
//
// Negated forms of the text (NOT LIKE, NOT BETWEEN, NOT IN, IS NOT NULL) become Not(...), as
// cql2-json writes them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "libstac/model/datetime.hpp"

namespace stacfed::search::cql2 {

enum class Op : uint8_t {
  // Logical: And and Or take two or more arguments, Not one.
  kAnd,
  kOr,
  kNot,
  // Comparison (basic-cql2, advanced-comparison-operators): two arguments; Between three;
  // In a value and an Array; IsNull one.
  kEq,
  kNeq,
  kLt,
  kLte,
  kGt,
  kGte,
  kLike,
  kBetween,
  kIn,
  kIsNull,
  // Spatial (basic-spatial-functions, spatial-functions): two geometries.
  kSIntersects,
  kSEquals,
  kSDisjoint,
  kSTouches,
  kSWithin,
  kSOverlaps,
  kSCrosses,
  kSContains,
  // Temporal (temporal-functions): two instants or intervals.
  kTAfter,
  kTBefore,
  kTContains,
  kTDisjoint,
  kTDuring,
  kTEquals,
  kTFinishedBy,
  kTFinishes,
  kTIntersects,
  kTMeets,
  kTMetBy,
  kTOverlappedBy,
  kTOverlaps,
  kTStartedBy,
  kTStarts,
  // Array (array-functions): two arrays.
  kAEquals,
  kAContains,
  kAContainedBy,
  kAOverlaps,
  // Insensitive comparison (case-insensitive-comparison, accent-insensitive-comparison):
  // one string argument.
  kCaseI,
  kAccentI,
  // Leaves.
  kProperty,   // text: the name as written ("eo:cloud_cover", "properties.datetime")
  kString,     // text: the value
  kNumber,     // number, and text: the literal as written
  kBoolean,    // boolean
  kTimestamp,  // time (microseconds); `open` for ".." in an interval
  kDate,       // time: midnight UTC of the date
  kInterval,   // args: start and end (Timestamp, Date, or Property)
  kGeometry,   // text: the geometry as GeoJSON (validated, CRS84)
  kArray,      // args: the elements
};

struct Node {
  Op op = Op::kBoolean;
  std::vector<Node> args;
  std::string text;
  double number = 0;
  bool boolean = false;
  Micros time = 0;
  bool open = false;
  // Where the node starts: a byte offset in cql2-text, a JSON path in cql2-json, for error
  // messages ("at 12", "at args[1].args[0]").
  std::string where;
  // A string that reads as a number, from the Query extension (whose clients, like
  // stac-api-validator, send "10" for 10): compared with a number property, it is that
  // number. Not part of what the filter means (operator==, the printed forms).
  bool number_text = false;
  // A condition of the Query extension: its `in` on an array property means "holds one of"
  // (A_OVERLAPS), as its clients expect. Not part of what the filter means either.
  bool from_query = false;

  // The same filter, however it was written: a number by its value (the text keeps its
  // spelling, which differs between the encodings), `where` not at all.
  bool operator==(const Node& other) const {
    return op == other.op && args == other.args &&
           (op == Op::kNumber || text == other.text) && number == other.number &&
           boolean == other.boolean && time == other.time && open == other.open;
  }
};

// The lower-case name of an operator as cql2-json writes it ("and", "<=", "s_intersects",
// "t_metby", "a_containedby", "casei", "isNull"); empty for leaves.
std::string_view OpName(Op op);
// The operator of a cql2-json "op" name (case-insensitive for function names), if any.
bool OpFromName(std::string_view name, Op& op);

bool IsSpatial(Op op);
bool IsTemporal(Op op);
bool IsArrayOp(Op op);
bool IsComparison(Op op);  // =, <>, <, <=, >, >=

// Limits on what a client may send: a filter beyond them is refused (400), not planned.
inline constexpr int kMaxDepth = 64;         // nesting of operators and arrays
inline constexpr size_t kMaxNodes = 10000;   // all nodes of one filter
inline constexpr size_t kMaxInList = 1000;   // elements of one IN list or array
// The longest explanation an error gives (it quotes the client's input, cut to fit).
inline constexpr size_t kMaxMessageBytes = 1000;

}  // namespace stacfed::search::cql2
