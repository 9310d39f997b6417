#include "server/search/cql2/to_sql.hpp"

#include <cstdlib>

#include <algorithm>
#include <charconv>
#include <deque>
#include <optional>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/model/facets.hpp"
#include "libstac/pg/text_array.hpp"
#include "server/search/cql2/print.hpp"

namespace stacfed::search::cql2 {
namespace {


absl::Status Error(const Node& node, std::string_view what) {
  return absl::InvalidArgumentError(StrCat("filter: ", node.where, ": ", Excerpt(what, kMaxMessageBytes)));
}

std::string_view TypeName(ValueType type) { return ValueTypeName(type); }

// A translated value: its SQL and what it is.
struct Value {
  std::string sql;
  ValueType type = ValueType::kAny;
  bool array = false;  // a JSON array (a_* functions): sql is jsonb
  // A temporal value as a range: start and end SQL (an instant has start == end).
  bool temporal = false;
  std::string start, end;
  // An interval (INTERVAL(...)): only temporal functions take it.
  bool interval = false;
  // A date literal: its day (comparisons read it as the whole day).
  bool date = false;
  Micros day = 0;
  // The queryable, when the value is a property read as it is (no CASEI/ACCENTI around it),
  // and the placeholder of its key (to read it as another type, AsType).
  const Queryable* property = nullptr;
  std::string key;
  // The jsonb object the property is read from (Queryables::property_object, or the row of
  // one element of a summary).
  std::string base;
  // A property read per element: the index of its rows in elements_from_; -1 otherwise.
  int element = -1;
  // A literal's canonical text for facet digests: the string, the number's shortest text,
  // "true"/"false".
  std::optional<std::string> literal;
};

bool Numeric(ValueType type) { return type == ValueType::kNumber || type == ValueType::kInteger; }

// Whether values of these types can be compared with each other.
bool Comparable(ValueType a, ValueType b) {
  if (a == ValueType::kAny || b == ValueType::kAny) {
    return a != ValueType::kGeometry && b != ValueType::kGeometry;
  }
  return a == b || (Numeric(a) && Numeric(b));
}

std::string CanonicalNumber(double value) { return FacetNumberText(value); }

class Translator {
 public:
  Translator(const Queryables& queryables, QueryBuilder& builder)
      : queryables_(queryables), builder_(builder) {}

  // The digests conditions every match must satisfy (reached from the top through ANDs
  // only): an item matches only if it holds one digest of each set.
  std::vector<std::vector<int64_t>> TakeIndexDigests() { return std::move(index_digests_); }
  std::vector<FacetValues> TakeIndexValues() { return std::move(index_values_); }

  absl::StatusOr<std::string> Boolean(const Node& node) {
    const size_t mark = elements_from_.size();
    absl::StatusOr<std::string> sql = Condition(node);
    if (!sql.ok() || elements_from_.size() == mark) return sql;
    // Properties read per element (summaries): the condition holds for one of their values.
    std::string out = *std::move(sql);
    while (elements_from_.size() > mark) {
      out = StrCat("EXISTS (SELECT 1 FROM ", elements_from_.back(), " WHERE ", out, ")");
      elements_from_.pop_back();
    }
    return out;
  }

 private:
  absl::StatusOr<std::string> Condition(const Node& node) {
    switch (node.op) {
      case Op::kAnd:
      case Op::kOr: {
        const bool conjunctive = conjunctive_;
        conjunctive_ = conjunctive && node.op == Op::kAnd;
        std::string out = "(";
        for (size_t i = 0; i < node.args.size(); ++i) {
          absl::StatusOr<std::string> part = Boolean(node.args[i]);
          if (!part.ok()) return part.status();
          StrAppend(&out, i > 0 ? (node.op == Op::kAnd ? " AND " : " OR ") : "", *part);
        }
        conjunctive_ = conjunctive;
        out += ")";
        return out;
      }
      case Op::kNot: {
        const bool conjunctive = conjunctive_;
        conjunctive_ = false;
        ++negations_;
        absl::StatusOr<std::string> inner = Boolean(node.args[0]);
        --negations_;
        conjunctive_ = conjunctive;
        if (!inner.ok()) return inner.status();
        return StrCat("NOT ", *inner);
      }
      case Op::kBoolean:
        return std::string(node.boolean ? "true" : "false");
      case Op::kLike:
        return Like(node);
      case Op::kBetween:
        return Between(node);
      case Op::kIn:
        return In(node);
      case Op::kIsNull:
        return IsNull(node);
      default:
        break;
    }
    if (IsComparison(node.op)) return Compare(node);
    if (IsSpatial(node.op)) return Spatial(node);
    if (IsTemporal(node.op)) return Temporal(node);
    if (IsArrayOp(node.op)) return ArrayFunction(node);
    if (node.op == Op::kProperty) {
      return Error(node, StrCat("the property ", node.text,
                                " alone is not a condition; compare it (", node.text, " = ...)"));
    }
    return Error(node, "expected a condition (a comparison, LIKE, BETWEEN, IN, IS NULL, a "
                       "spatial, temporal or array function, AND, OR, NOT)");
  }

  // A name outside a list that is open (Queryables::open): a property of mixed type.
  const Queryable& OpenProperty(const std::string& name) {
    Queryable& q = open_.emplace_back();
    q.name = name;
    q.type = ValueType::kAny;
    return q;
  }
  std::string Bind(std::string value, std::string_view cast) {
    return StrCat(builder_.Bind(std::move(value)), cast);
  }

  // ---- values ----------------------------------------------------------------------------------

  absl::StatusOr<Value> Property(const Node& node) {
    const Queryable* q = queryables_.Find(node.text);
    if (q == nullptr && queryables_.open()) q = &OpenProperty(node.text);
    if (q == nullptr) {
      return Error(node, StrCat("unknown property '", node.text.substr(0, 100),
                                "'; the queryables are: ", queryables_.NameList()));
    }
    Value v;
    v.type = q->type;
    v.property = q;
    if (!q->column.empty()) {
      v.sql = q->column;
      if (q->type == ValueType::kTimestamp) {
        v.temporal = true;
        // `datetime` is the item's range; start_datetime and end_datetime its bounds.
        v.start = q->column;
        v.end = q->end_column.empty() ? q->column : q->end_column;
      }
      v.array = q->array;
      return v;
    }
    v.key = Bind(q->name, "::text");
    v.base = queryables_.property_object();
    if (queryables_.per_element()) {
      // One row per value; the condition this property is in holds when it holds for one
      // (Boolean wraps it in an EXISTS over these rows).
      const std::string alias = StrCat("e", ++elements_);
      elements_from_.push_back(StrCat("stacfed.summary_rows(", v.base, ", ", v.key, ") AS ",
                                      alias, "(o)"));
      v.element = int(elements_from_.size()) - 1;
      v.base = StrCat(alias, ".o");
    }
    if (q->array) {
      v.array = true;
      v.sql = StrCat("(", v.base, "->", v.key, ")");
      return v;
    }
    ReadAs(v, q->type);
    return v;
  }

  absl::StatusOr<Value> Scalar(const Node& node) {
    Value v;
    switch (node.op) {
      case Op::kProperty:
        return Property(node);
      case Op::kString:
        v.type = ValueType::kString;
        v.sql = Bind(node.text, "::text");
        v.literal = node.text;
        return v;
      case Op::kNumber:
        v.type = ValueType::kNumber;
        v.literal = CanonicalNumber(node.number);
        v.sql = Bind(*v.literal, "::float8");
        return v;
      case Op::kBoolean:
        v.type = ValueType::kBoolean;
        v.sql = Bind(node.boolean ? "true" : "false", "::boolean");
        v.literal = node.boolean ? "true" : "false";
        return v;
      case Op::kTimestamp:
        if (node.open) return Error(node, "'..' is only an interval's open end");
        v.type = ValueType::kTimestamp;
        v.temporal = true;
        v.sql = v.start = v.end = Bind(FormatPgTimestamp(node.time), "::timestamptz");
        return v;
      case Op::kDate:
        v.type = ValueType::kTimestamp;
        v.temporal = true;
        v.date = true;
        v.day = node.time;
        // One parameter, the day's start; its end derived from it (24 hours, whatever the
        // session's time zone), so that a use of either bound alone binds nothing unused.
        v.sql = v.start = Bind(FormatPgTimestamp(node.time), "::timestamptz");
        v.end = StrCat("(", v.start, " + interval '86399.999999 seconds')");
        return v;
      case Op::kInterval:
        return Interval(node);
      case Op::kGeometry:
        v.type = ValueType::kGeometry;
        // Computed once per execution (an InitPlan), not once per row.
        v.sql = StrCat("(SELECT ST_GeomFromGeoJSON(", Bind(node.text, "::text"), "))");
        return v;
      case Op::kArray:
        return ArrayLiteral(node);
      case Op::kCaseI:
      case Op::kAccentI: {
        STACFED_ASSIGN_OR_RETURN(Value inner, Scalar(node.args[0]));
        STACFED_RETURN_IF_ERROR(CheckSingle(node, inner));
        if (inner.type != ValueType::kString && inner.type != ValueType::kAny) {
          return Error(node, StrCat(OpName(node.op), " takes a string, not a ",
                                    TypeName(inner.type)));
        }
        v.type = ValueType::kString;
        v.sql = StrCat(node.op == Op::kCaseI ? "lower(" : "stacfed.accent_free(", inner.sql, ")");
        return v;
      }
      default:
        return Error(node, "expected a value (a property, a literal, CASEI/ACCENTI)");
    }
  }

  absl::StatusOr<Value> Interval(const Node& node) {
    Value v;
    v.type = ValueType::kTimestamp;
    v.temporal = true;
    v.interval = true;
    for (int i = 0; i < 2; ++i) {
      const Node& bound = node.args[size_t(i)];
      std::string sql;
      if (bound.op == Op::kTimestamp && bound.open) {
        sql = i == 0 ? "'-infinity'::timestamptz" : "'infinity'::timestamptz";
      } else {
        STACFED_ASSIGN_OR_RETURN(Value value, Scalar(bound));
        if (!value.temporal) {
          return Error(bound, "an interval's bounds are dates, timestamps, '..' or "
                              "timestamp properties");
        }
        sql = i == 0 ? value.start : value.end;
      }
      (i == 0 ? v.start : v.end) = std::move(sql);
    }
    v.sql = v.start;
    return v;
  }

  // Reads the property of `v` as `type`: typed accessors that give NULL for a value of
  // another type, text for strings and for values of any type.
  void ReadAs(Value& v, ValueType type) {
    v.type = type;
    v.temporal = false;
    switch (type) {
      case ValueType::kNumber:
      case ValueType::kInteger:
        v.sql = StrCat("stacfed.jsonb_number(", v.base, "->", v.key, ")");
        break;
      case ValueType::kBoolean:
        v.sql = StrCat("stacfed.jsonb_boolean(", v.base, "->", v.key, ")");
        break;
      case ValueType::kTimestamp:
        v.sql = StrCat("stacfed.jsonb_timestamptz(", v.base, "->", v.key, ")");
        v.temporal = true;
        v.start = v.end = v.sql;
        break;
      default:
        v.sql = StrCat("(", v.base, "->>", v.key, ")");
    }
  }

  // A property of mixed types (kAny) compared with a typed value is read as that type: as
  // text it would meet a number or a boolean in SQL, which PostgreSQL refuses.
  void Unify(Value& a, Value& b) {
    auto retype = [this](Value& any, const Value& typed) {
      if (any.type == ValueType::kAny && any.property != nullptr && !any.key.empty() &&
          !any.array && typed.type != ValueType::kAny && typed.type != ValueType::kGeometry) {
        ReadAs(any, typed.type);
      }
    };
    retype(a, b);
    retype(b, a);
  }

  // A list where one value belongs (`x IN (('a'))`, BETWEEN or LIKE with an array): refused.
  absl::Status CheckSingle(const Node& node, const Value& v) {
    if (!v.array) return absl::OkStatus();
    return Error(node, "a list is not a single value; lists go to IN and the A_* functions");
  }

  // A literal array as jsonb, its elements literals of one type.
  absl::StatusOr<Value> ArrayLiteral(const Node& node) {
    std::string json = "[";
    ValueType type = ValueType::kAny;
    for (size_t i = 0; i < node.args.size(); ++i) {
      const Node& element = node.args[i];
      ValueType element_type;
      switch (element.op) {
        case Op::kString:
          element_type = ValueType::kString;
          break;
        case Op::kNumber:
          element_type = ValueType::kNumber;
          break;
        case Op::kBoolean:
          element_type = ValueType::kBoolean;
          break;
        default:
          return Error(element, "array elements must be strings, numbers or booleans");
      }
      if (i > 0 && element_type != type) return Error(element, "array elements must be of one type");
      type = element_type;
      if (i > 0) json += ',';
      json += ToJson(element);
    }
    json += ']';
    Value v;
    v.type = type;
    v.array = true;
    v.sql = Bind(std::move(json), "::jsonb");
    return v;
  }

  // ---- predicates ------------------------------------------------------------------------------

  std::string_view SqlOperator(Op op) {
    switch (op) {
      case Op::kEq:
        return "=";
      case Op::kNeq:
        return "<>";
      case Op::kLt:
        return "<";
      case Op::kLte:
        return "<=";
      case Op::kGt:
        return ">";
      default:
        return ">=";
    }
  }

  // The digests condition for `values` of a facet: the items holding one of them, or a
  // value too long or too many to be indexed (FacetOverflowHash).
  // `strings`: the values are strings, which the recorded values of each collection can tell
  // (FacetValues).
  std::string FacetCondition(const Queryable& q, const std::vector<std::string>& values,
                             bool strings = false) {
    std::vector<int64_t> hashes;
    for (const std::string& value : values) hashes.push_back(FacetHash(q.name, value));
    hashes.push_back(FacetOverflowHash());
    std::vector<std::string> digests;
    for (int64_t hash : hashes) digests.push_back(StrCat(hash));
    if (conjunctive_) {
      index_digests_.push_back(std::move(hashes));
      if (strings && !q.array) index_values_.push_back({q.name, values});
    }
    return StrCat("facets && ", Bind(pg::TextArrayLiteral(digests), "::int8[]"));
  }

  // A facet property compared for equality with a literal: its digest, for the index.
  std::optional<std::string> FacetDigests(const Value& a, const Value& b) {
    const Value* property = a.property != nullptr ? &a : &b;
    const Value* literal = a.property != nullptr ? &b : &a;
    if (!FacetIndexAllowed() || property->property == nullptr || !property->property->facet ||
        property->array ||
        !property->property->column.empty() || !literal->literal ||
        literal->literal->size() > kMaxFacetValueBytes) {
      return std::nullopt;
    }
    return FacetCondition(*property->property, {*literal->literal},
                          literal->type == ValueType::kString);
  }

  // A string of the Query extension that reads as a number, compared with a number property,
  // is that number (Node::number_text): `literal` as a number literal, else `literal` itself.
  // Decided before anything is bound, from the property's queryable.
  const Node& AsMeant(const Node& literal, const Node& other, Node& storage) const {
    if (literal.op != Op::kString || !literal.number_text || other.op != Op::kProperty) {
      return literal;
    }
    const Queryable* q = queryables_.Find(other.text);
    if (q == nullptr || q->array ||
        (q->type != ValueType::kNumber && q->type != ValueType::kInteger)) {
      return literal;
    }
    storage = literal;
    storage.op = Op::kNumber;
    storage.number = std::strtod(literal.text.c_str(), nullptr);
    return storage;
  }

  absl::StatusOr<std::string> Compare(const Node& node) {
    Node left_number, right_number;
    const Node& left = AsMeant(node.args[0], node.args[1], left_number);
    const Node& right = AsMeant(node.args[1], node.args[0], right_number);
    STACFED_ASSIGN_OR_RETURN(Value a, Scalar(left));
    STACFED_ASSIGN_OR_RETURN(Value b, Scalar(right));
    Unify(a, b);
    STACFED_RETURN_IF_ERROR(CheckComparable(node, a, b));
    if (a.type == ValueType::kGeometry) {
      return Error(node, "geometries are compared with S_EQUALS, not =");
    }
    if (a.array || b.array) return Error(node, "arrays are compared with A_EQUALS, not =");
    if (a.interval || b.interval) {
      return Error(node, "intervals are compared with the temporal functions (T_EQUALS, "
                         "T_DURING, ...), not with =, <, >");
    }
    // A date against a timestamp: the whole day.
    if ((a.date || b.date) && !(a.date && b.date)) return CompareWithDay(node.op, a, b);
    if (node.op == Op::kEq) {
      if (std::optional<std::string> terms = ElementTermsOf(a, b)) return *terms;
      if (std::optional<std::string> terms = ElementTermsOf(b, a)) return *terms;
    }
    std::string sql = StrCat(a.sql, " ", SqlOperator(node.op), " ", b.sql);
    if (node.op == Op::kEq) {
      if (std::optional<std::string> digests = FacetDigests(a, b)) {
        return StrCat("(", *digests, " AND ", sql, ")");
      }
    }
    return sql;
  }

  // A property read per element (a summary) equal, as text, to one of some strings: whether
  // its terms (Queryables::element_terms, sql/0017) hold one of them, which the GIN index of
  // the terms answers; the same answer as testing its values one by one. It applies to such
  // a property read as a string, the last one met, and strings no longer than `longest`
  // bytes; not when a name or a string is too long to be a term (then the values are read).
  bool ElementTermsApply(const Value& property, size_t longest) const {
    constexpr size_t kMaxTermBytes = 256;  // as stacfed.summary_terms keeps them
    return property.element >= 0 && property.element + 1 == int(elements_from_.size()) &&
           !queryables_.element_terms().empty() && property.type == ValueType::kString &&
           property.property != nullptr && property.property->name.size() <= kMaxTermBytes &&
           longest <= kMaxTermBytes;
  }
  // The condition, where `strings` is the SQL of a text[] of the strings.
  std::string ElementTerms(const Value& property, std::string_view strings) {
    elements_from_.pop_back();  // no row of the values is read
    return StrCat("(", queryables_.element_terms(), " && ARRAY(SELECT stacfed.summary_term(",
                  property.key, ", t) FROM unnest(", strings, ") AS t))");
  }
  // `literal` as the strings of ElementTerms, when it is a string.
  std::optional<std::string> ElementTermsOf(const Value& property, const Value& literal) {
    if (!literal.literal || literal.type != ValueType::kString ||
        !ElementTermsApply(property, literal.literal->size())) {
      return std::nullopt;
    }
    return ElementTerms(property, StrCat("ARRAY[", literal.sql, "]"));
  }

  absl::Status CheckComparable(const Node& node, const Value& a, const Value& b) {
    if (Comparable(a.type, b.type)) return absl::OkStatus();
    const Value& property = a.property != nullptr ? a : b;
    if (property.property != nullptr) {
      return Error(node, StrCat(property.property->name, " is a ", TypeName(property.type),
                                "; it cannot be compared with a ",
                                TypeName(&property == &a ? b.type : a.type),
                                property.type == ValueType::kTimestamp
                                    ? " (write TIMESTAMP('...') or DATE('...'))"
                                    : ""));
    }
    return Error(node, StrCat("a ", TypeName(a.type), " cannot be compared with a ",
                              TypeName(b.type)));
  }

  // time op DATE('d'): "=" is within the day, "<" before it, "<=" before its end, ...
  absl::StatusOr<std::string> CompareWithDay(Op op, const Value& a, const Value& b) {
    const bool date_left = a.date;
    const Value& time = date_left ? b : a;
    const Value& day = date_left ? a : b;
    // Written as "time op day": flip the operator when the date came first.
    Op normalized = op;
    if (date_left) {
      if (op == Op::kLt) normalized = Op::kGt;
      if (op == Op::kLte) normalized = Op::kGte;
      if (op == Op::kGt) normalized = Op::kLt;
      if (op == Op::kGte) normalized = Op::kLte;
    }
    switch (normalized) {
      case Op::kEq:
        return StrCat("(", time.sql, " BETWEEN ", day.start, " AND ", day.end, ")");
      case Op::kNeq:
        return StrCat("NOT (", time.sql, " BETWEEN ", day.start, " AND ", day.end, ")");
      case Op::kLt:
        return StrCat(time.sql, " < ", day.start);
      case Op::kLte:
        return StrCat(time.sql, " <= ", day.end);
      case Op::kGt:
        return StrCat(time.sql, " > ", day.end);
      default:
        return StrCat(time.sql, " >= ", day.start);
    }
  }

  absl::StatusOr<std::string> Like(const Node& node) {
    STACFED_ASSIGN_OR_RETURN(Value value, Scalar(node.args[0]));
    STACFED_ASSIGN_OR_RETURN(Value pattern, Scalar(node.args[1]));
    STACFED_RETURN_IF_ERROR(CheckSingle(node.args[0], value));
    STACFED_RETURN_IF_ERROR(CheckSingle(node.args[1], pattern));
    if (value.type != ValueType::kString && value.type != ValueType::kAny) {
      return Error(node, StrCat("LIKE compares strings; ",
                                value.property ? value.property->name : std::string("the value"),
                                " is a ", TypeName(value.type)));
    }
    if (pattern.type != ValueType::kString) return Error(node.args[1], "a LIKE pattern is a string");
    return StrCat(value.sql, " LIKE ", pattern.sql);
  }

  absl::StatusOr<std::string> Between(const Node& node) {
    STACFED_ASSIGN_OR_RETURN(Value value, Scalar(node.args[0]));
    STACFED_ASSIGN_OR_RETURN(Value low, Scalar(node.args[1]));
    STACFED_ASSIGN_OR_RETURN(Value high, Scalar(node.args[2]));
    for (size_t i = 0; i < 3; ++i) {
      STACFED_RETURN_IF_ERROR(CheckSingle(node.args[i], i == 0 ? value : i == 1 ? low : high));
    }
    Unify(value, low);
    Unify(value, high);
    Unify(low, high);
    STACFED_RETURN_IF_ERROR(CheckComparable(node, low, high));
    STACFED_RETURN_IF_ERROR(CheckComparable(node, value, low));
    STACFED_RETURN_IF_ERROR(CheckComparable(node, value, high));
    if (!Numeric(value.type) && value.type != ValueType::kTimestamp &&
        value.type != ValueType::kAny) {
      return Error(node, "BETWEEN takes numbers or times");
    }
    return StrCat("(", value.sql, " BETWEEN ", low.date ? low.start : low.sql, " AND ",
                  high.date ? high.end : high.sql, ")");
  }

  absl::StatusOr<std::string> In(const Node& node) {
    const Node& list = node.args[1];
    if (list.args.empty()) return std::string("false");  // (the parsers refuse it)
    if (node.from_query && node.args[0].op == Op::kProperty) {
      // The Query extension's `in` on an array property: an element among the values.
      const Queryable* q = queryables_.Find(node.args[0].text);
      if (q != nullptr && q->array) {
        Node overlaps = node;
        overlaps.op = Op::kAOverlaps;
        return ArrayFunction(overlaps);
      }
    }
    STACFED_ASSIGN_OR_RETURN(Value value, Scalar(node.args[0]));
    if (value.array || value.type == ValueType::kGeometry) {
      return Error(node, "IN compares a single value with a list");
    }
    // Literals of one type only: one array parameter, whatever the list's length.
    auto literal_type = [](const Node& element) {
      return element.op == Op::kString   ? ValueType::kString
             : element.op == Op::kNumber ? ValueType::kNumber
                                         : ValueType::kBoolean;
    };
    bool literals = true;
    for (const Node& element : list.args) {
      literals = literals && (element.op == Op::kString || element.op == Op::kNumber ||
                              element.op == Op::kBoolean) &&
                 literal_type(element) == literal_type(list.args[0]);
    }
    std::vector<std::string> texts, facet_values;
    ValueType type = ValueType::kAny;
    if (literals) {
      Value first;
      first.type = literal_type(list.args[0]);
      Unify(value, first);
    }
    for (const Node& element : literals ? list.args : std::vector<Node>{}) {
      const ValueType element_type = literal_type(element);
      if (!Comparable(value.type, element_type)) {
        return Error(element, StrCat("the list holds a ", TypeName(element_type), ", the value is a ",
                                     TypeName(value.type)));
      }
      type = element_type;
      texts.push_back(element.op == Op::kBoolean  ? (element.boolean ? "true" : "false")
                      : element.op == Op::kNumber ? CanonicalNumber(element.number)
                                                  : element.text);
      facet_values.push_back(element.op == Op::kNumber    ? CanonicalNumber(element.number)
                             : element.op == Op::kBoolean ? texts.back()
                                                          : element.text);
    }
    if (!literals) {
      // Values of any kind: one comparison each.
      std::string out = "(";
      for (size_t i = 0; i < list.args.size(); ++i) {
        STACFED_ASSIGN_OR_RETURN(Value element, Scalar(list.args[i]));
        STACFED_RETURN_IF_ERROR(CheckSingle(list.args[i], element));
        Value compared = value;
        Unify(compared, element);
        STACFED_RETURN_IF_ERROR(CheckComparable(list.args[i], compared, element));
        if (compared.date != element.date) {
          return Error(list.args[i], "IN compares a date with dates only; use T_INTERSECTS");
        }
        StrAppend(&out, i > 0 ? " OR " : "", compared.sql, " = ", element.sql);
      }
      return StrCat(out, ")");
    }
    const std::string_view cast = type == ValueType::kNumber    ? "::float8[]"
                                  : type == ValueType::kBoolean ? "::boolean[]"
                                                                : "::text[]";
    if (type == ValueType::kString) {
      size_t longest = 0;
      for (const std::string& text : texts) longest = std::max(longest, text.size());
      if (ElementTermsApply(value, longest)) {
        return ElementTerms(value, Bind(pg::TextArrayLiteral(texts), cast));
      }
    }
    std::string sql =
        StrCat(value.sql, " = ANY(", Bind(pg::TextArrayLiteral(texts), cast), ")");
    if (FacetIndexAllowed() && value.property != nullptr && value.property->facet &&
        value.property->column.empty()) {
      bool indexable = true;
      for (const std::string& v : facet_values) indexable = indexable && v.size() <= kMaxFacetValueBytes;
      if (indexable) {
        return StrCat("(", FacetCondition(*value.property, facet_values, type == ValueType::kString),
                      " AND ", sql, ")");
      }
    }
    return sql;
  }

  absl::StatusOr<std::string> IsNull(const Node& node) {
    const Node& arg = node.args[0];
    if (arg.op == Op::kProperty) {
      const Queryable* q = queryables_.Find(arg.text);
      if (q == nullptr && queryables_.open()) q = &OpenProperty(arg.text);
      if (q == nullptr) {
        return Error(arg, StrCat("unknown property '", arg.text.substr(0, 100),
                                 "'; the queryables are: ", queryables_.NameList()));
      }
      if (!q->column.empty()) return StrCat(q->column, " IS NULL");
      const std::string key = Bind(q->name, "::text");
      return StrCat("coalesce(jsonb_typeof(", queryables_.property_object(), "->", key,
                    ") = 'null', true)");
    }
    STACFED_ASSIGN_OR_RETURN(Value value, Scalar(arg));
    return StrCat("(", value.sql, ") IS NULL");
  }

  absl::StatusOr<std::string> Spatial(const Node& node) {
    STACFED_ASSIGN_OR_RETURN(Value a, Scalar(node.args[0]));
    STACFED_ASSIGN_OR_RETURN(Value b, Scalar(node.args[1]));
    for (const Value* v : {&a, &b}) {
      if (v->type != ValueType::kGeometry) {
        return Error(node, StrCat(OpName(node.op), " compares geometries (the geometry "
                                  "property, WKT or GeoJSON), not a ", TypeName(v->type)));
      }
    }
    static constexpr std::pair<Op, std::string_view> kFunctions[] = {
        {Op::kSIntersects, "ST_Intersects"}, {Op::kSEquals, "ST_Equals"},
        {Op::kSDisjoint, "ST_Disjoint"},     {Op::kSTouches, "ST_Touches"},
        {Op::kSWithin, "ST_Within"},         {Op::kSOverlaps, "ST_Overlaps"},
        {Op::kSCrosses, "ST_Crosses"},       {Op::kSContains, "ST_Contains"},
    };
    for (const auto& [op, function] : kFunctions) {
      if (op == node.op) return StrCat(function, "(", a.sql, ", ", b.sql, ")");
    }
    return Error(node, "unknown spatial function");
  }

  // Allen's relations of two closed ranges A = [as, ae] and B = [bs, be] (an instant is a
  // range of one point), as OGC 21-065 defines the temporal functions.
  absl::StatusOr<std::string> Temporal(const Node& node) {
    STACFED_ASSIGN_OR_RETURN(Value a, Scalar(node.args[0]));
    STACFED_ASSIGN_OR_RETURN(Value b, Scalar(node.args[1]));
    for (const Value* v : {&a, &b}) {
      if (!v->temporal) {
        return Error(node, StrCat(OpName(node.op), " compares times (timestamps, dates, "
                                  "intervals, time properties), not a ", TypeName(v->type)));
      }
    }
    // Only T_AFTER, T_BEFORE, T_DISJOINT, T_EQUALS and T_INTERSECTS take instants (OGC 21-065
    // 7.8); the others relate intervals (a property that may hold either is taken as it is).
    const bool instants_allowed = node.op == Op::kTAfter || node.op == Op::kTBefore ||
                                  node.op == Op::kTDisjoint || node.op == Op::kTEquals ||
                                  node.op == Op::kTIntersects;
    for (const Node& arg : node.args) {
      if (!instants_allowed && (arg.op == Op::kTimestamp || arg.op == Op::kDate)) {
        return Error(arg, StrCat(OpName(node.op), " relates intervals; write the instant as "
                                 "INTERVAL(...) or use T_AFTER, T_BEFORE, T_DISJOINT, T_EQUALS "
                                 "or T_INTERSECTS"));
      }
    }
    const std::string &as = a.start, &ae = a.end, &bs = b.start, &be = b.end;
    auto all = [](std::initializer_list<std::string> parts) {
      std::string out = "(";
      bool first = true;
      for (const std::string& part : parts) {
        StrAppend(&out, first ? "" : " AND ", part);
        first = false;
      }
      return out + ")";
    };
    switch (node.op) {
      case Op::kTAfter:
        return StrCat(as, " > ", be);
      case Op::kTBefore:
        return StrCat(ae, " < ", bs);
      case Op::kTContains:
        return all({StrCat(as, " < ", bs), StrCat(ae, " > ", be)});
      case Op::kTDisjoint:
        return StrCat("NOT ", all({StrCat(as, " <= ", be), StrCat(ae, " >= ", bs)}));
      case Op::kTDuring:
        return all({StrCat(as, " > ", bs), StrCat(ae, " < ", be)});
      case Op::kTEquals:
        return all({StrCat(as, " = ", bs), StrCat(ae, " = ", be)});
      case Op::kTFinishedBy:
        return all({StrCat(as, " < ", bs), StrCat(ae, " = ", be)});
      case Op::kTFinishes:
        return all({StrCat(as, " > ", bs), StrCat(ae, " = ", be)});
      case Op::kTIntersects:
        return all({StrCat(as, " <= ", be), StrCat(ae, " >= ", bs)});
      case Op::kTMeets:
        return StrCat(ae, " = ", bs);
      case Op::kTMetBy:
        return StrCat(as, " = ", be);
      case Op::kTOverlappedBy:
        return all({StrCat(bs, " < ", as), StrCat(as, " < ", be), StrCat(be, " < ", ae)});
      case Op::kTOverlaps:
        return all({StrCat(as, " < ", bs), StrCat(bs, " < ", ae), StrCat(ae, " < ", be)});
      case Op::kTStartedBy:
        return all({StrCat(as, " = ", bs), StrCat(ae, " > ", be)});
      case Op::kTStarts:
        return all({StrCat(as, " = ", bs), StrCat(ae, " < ", be)});
      default:
        return Error(node, "unknown temporal function");
    }
  }

  // A single literal where an array function wants a list (`a_contains(site:locations,
  // 'dkrz')`, as people write it): the list of that one value. Any other operand is left
  // for ArrayFunction to refuse.
  static bool IsLoneLiteral(const Node& node) {
    return node.op == Op::kString || node.op == Op::kNumber || node.op == Op::kBoolean;
  }

  absl::StatusOr<std::string> ArrayFunction(const Node& node) {
    if (node.args.size() == 2 && IsLoneLiteral(node.args[1])) {
      Node listed = node;
      Node list;
      list.op = Op::kArray;
      list.where = node.args[1].where;
      list.args.push_back(node.args[1]);
      listed.args[1] = std::move(list);
      return ArrayFunction(listed);
    }
    STACFED_ASSIGN_OR_RETURN(Value a, Scalar(node.args[0]));
    STACFED_ASSIGN_OR_RETURN(Value b, Scalar(node.args[1]));
    for (const Value* v : {&a, &b}) {
      if (!v->array) {
        return Error(node, StrCat(OpName(node.op), " compares arrays (an array property or a "
                                  "list of literals), not a ", TypeName(v->type)));
      }
    }
    std::string sql;
    switch (node.op) {
      case Op::kAEquals:  // the same elements, in any order
        sql = StrCat("(", a.sql, " @> ", b.sql, " AND ", a.sql, " <@ ", b.sql, ")");
        break;
      case Op::kAContains:
        sql = StrCat(a.sql, " @> ", b.sql);
        break;
      case Op::kAContainedBy:
        sql = StrCat(a.sql, " <@ ", b.sql);
        break;
      default:  // A_OVERLAPS: an element in common
        // NULL (not false) when the property is missing or no array, as the other functions.
        sql = StrCat("(CASE WHEN jsonb_typeof(", a.sql, ") = 'array' THEN EXISTS (SELECT 1 FROM"
                     " jsonb_array_elements(", a.sql, ") e WHERE ", b.sql,
                     " @> jsonb_build_array(e)) END)");
    }
    // An array facet that must hold the literal's elements: their digests, for the index.
    const Node& literal = node.args[1];
    if (FacetIndexAllowed() && a.property != nullptr && a.property->facet &&
        literal.op == Op::kArray &&
        !literal.args.empty() &&
        (node.op == Op::kAContains || node.op == Op::kAEquals || node.op == Op::kAOverlaps)) {
      std::vector<std::string> values;
      for (const Node& element : literal.args) {
        values.push_back(element.op == Op::kNumber    ? CanonicalNumber(element.number)
                         : element.op == Op::kBoolean ? (element.boolean ? "true" : "false")
                                                      : element.text);
        if (values.back().size() > kMaxFacetValueBytes) return sql;
      }
      if (node.op == Op::kAOverlaps) return StrCat("(", FacetCondition(*a.property, values), " AND ", sql, ")");
      std::string digests;
      for (const std::string& value : values) {
        StrAppend(&digests, FacetCondition(*a.property, {value}), " AND ");
      }
      return StrCat("(", digests, sql, ")");
    }
    return sql;
  }

  // The facets' digests narrow a condition to the items holding the values: FALSE instead of
  // NULL for an item without the property. Under an even number of NOTs that changes no
  // answer (a condition true with an unknown part is true whatever it is); under an odd
  // number it would (NOT FALSE is TRUE where NOT NULL is NULL), so there it is left out.
  bool FacetIndexAllowed() const { return negations_ % 2 == 0; }

  const Queryables& queryables_;
  QueryBuilder& builder_;
  int negations_ = 0;  // the NOTs around the condition being translated
  bool conjunctive_ = true;  // the condition being translated is reached through ANDs only
  std::vector<std::vector<int64_t>> index_digests_;
  std::vector<FacetValues> index_values_;
  // Per element properties of the condition being translated: their FROM items.
  std::vector<std::string> elements_from_;
  int elements_ = 0;
  std::deque<Queryable> open_;  // properties of an open list met so far (stable addresses)
};

}  // namespace

absl::StatusOr<Translation> ToSql(const Node& filter, const Queryables& queryables,
                                  QueryBuilder& builder) {
  Translator translator(queryables, builder);
  Translation translation;
  STACFED_ASSIGN_OR_RETURN(translation.sql, translator.Boolean(filter));
  translation.index_digests = translator.TakeIndexDigests();
  translation.index_values = translator.TakeIndexValues();
  return translation;
}

}  // namespace stacfed::search::cql2
