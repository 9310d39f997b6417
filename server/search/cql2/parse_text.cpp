// cql2-text into the tree of ast.hpp: a lexer and a recursive-descent parser over the
// grammar of OGC 21-065 (cql2.bnf), with the precedence OR < AND < NOT < predicate.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "server/search/cql2/parse.hpp"
#include "server/search/geometry.hpp"

namespace stacfed::search::cql2 {
namespace {

namespace json = boost::json;

enum class Tok {
  kWord,        // an identifier or keyword
  kQuotedName,  // "a property name"
  kString,      // 'a string', '' inside for '
  kNumber,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kEq,
  kNeq,
  kLt,
  kLte,
  kGt,
  kGte,
  kEnd,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;   // the word (as written), the string's value, the number as written
  std::string upper;  // kWord: upper case, for keywords
  size_t at = 0;      // byte offset
};

bool IsWordStart(unsigned char c) {
  return c == ':' || c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c >= 0x80;
}
bool IsWordPart(unsigned char c) { return IsWordStart(c) || c == '.' || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status ErrorAt(size_t at, std::string_view what) {
  return absl::InvalidArgumentError(StrCat("filter: at ", at, ": ", Excerpt(what, kMaxMessageBytes)));
}

// What a token is, for "found ..." in messages.
std::string Describe(const Token& token) {
  switch (token.kind) {
    case Tok::kEnd:
      return "the end of the filter";
    case Tok::kString:
      return StrCat("the string '", token.text.substr(0, 40), "'");
    case Tok::kQuotedName:
      return StrCat("the name \"", token.text.substr(0, 40), "\"");
    default:
      return StrCat("'", token.text.substr(0, 40), "'");
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<Token>> Tokens() {
    std::vector<Token> tokens;
    for (;;) {
      STACFED_ASSIGN_OR_RETURN(Token token, Next());
      const bool end = token.kind == Tok::kEnd;
      tokens.push_back(std::move(token));
      if (end) return tokens;
      if (tokens.size() > 4 * kMaxNodes) {
        return ErrorAt(tokens.back().at, "the filter is too long");
      }
    }
  }

 private:
  absl::StatusOr<Token> Next() {
    while (pos_ < text_.size() && absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
    Token token;
    token.at = pos_;
    if (pos_ == text_.size()) return token;
    const char c = text_[pos_];
    auto single = [&](Tok kind, size_t length) {
      token.kind = kind;
      token.text = std::string(text_.substr(pos_, length));
      pos_ += length;
      return token;
    };
    switch (c) {
      case '(':
        return single(Tok::kLParen, 1);
      case ')':
        return single(Tok::kRParen, 1);
      case '[':
        return single(Tok::kLBracket, 1);
      case ']':
        return single(Tok::kRBracket, 1);
      case ',':
        return single(Tok::kComma, 1);
      case '=':
        return single(Tok::kEq, 1);
      case '<':
        if (Peek(1) == '>') return single(Tok::kNeq, 2);
        if (Peek(1) == '=') return single(Tok::kLte, 2);
        return single(Tok::kLt, 1);
      case '>':
        if (Peek(1) == '=') return single(Tok::kGte, 2);
        return single(Tok::kGt, 1);
      case '!':
        if (Peek(1) == '=') return single(Tok::kNeq, 2);
        break;
      case '\'':
        return String();
      case '"':
        return QuotedName();
      default:
        break;
    }
    if (IsDigit(c) || ((c == '-' || c == '+' || c == '.') &&
                       (IsDigit(Peek(1)) || (Peek(1) == '.' && IsDigit(Peek(2)))))) {
      return Number();
    }
    if (IsWordStart(static_cast<unsigned char>(c))) {
      const size_t start = pos_;
      while (pos_ < text_.size() && IsWordPart(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      token.kind = Tok::kWord;
      token.text = std::string(text_.substr(start, pos_ - start));
      token.upper = absl::AsciiStrToUpper(ToAbsl(token.text));
      return token;
    }
    return ErrorAt(pos_, StrCat("unexpected character '", text_.substr(pos_, 1), "'"));
  }

  char Peek(size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  absl::StatusOr<Token> String() {
    Token token;
    token.kind = Tok::kString;
    token.at = pos_;
    ++pos_;
    for (;;) {
      if (pos_ == text_.size()) return ErrorAt(token.at, "a string is not closed with '");
      if (text_[pos_] == '\'') {
        if (Peek(1) == '\'') {  // '' is a quote inside the string
          token.text += '\'';
          pos_ += 2;
          continue;
        }
        ++pos_;
        return token;
      }
      token.text += text_[pos_++];
    }
  }

  absl::StatusOr<Token> QuotedName() {
    Token token;
    token.kind = Tok::kQuotedName;
    token.at = pos_;
    const size_t close = text_.find('"', pos_ + 1);
    if (close == std::string_view::npos) {
      return ErrorAt(pos_, "a quoted property name is not closed with \"");
    }
    token.text = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
    if (token.text.empty()) return ErrorAt(pos_, "an empty property name");
    pos_ = close + 1;
    return token;
  }

  absl::StatusOr<Token> Number() {
    Token token;
    token.kind = Tok::kNumber;
    token.at = pos_;
    const size_t start = pos_;
    if (text_[pos_] == '-' || text_[pos_] == '+') ++pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t exponent = pos_ + 1;
      if (exponent < text_.size() && (text_[exponent] == '-' || text_[exponent] == '+')) {
        ++exponent;
      }
      if (exponent < text_.size() && IsDigit(text_[exponent])) {
        pos_ = exponent;
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      }
    }
    token.text = std::string(text_.substr(start, pos_ - start));
    return token;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

constexpr std::array<std::string_view, 8> kGeometryWords = {
    "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
    "GEOMETRYCOLLECTION", "ENVELOPE"};

bool IsGeometryWord(std::string_view upper) {
  for (std::string_view word : kGeometryWords) {
    if (word == upper) return true;
  }
  return upper == "BBOX";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<Node> Filter() {
    STACFED_ASSIGN_OR_RETURN(Node node, Or());
    if (Peek().kind != Tok::kEnd) {
      return Expected("AND, OR or the end of the filter");
    }
    return node;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() {
    const Token& token = Peek();
    if (next_ < tokens_.size() - 1) ++next_;
    return token;
  }
  bool PeekWord(std::string_view upper, size_t ahead = 0) const {
    return Peek(ahead).kind == Tok::kWord && Peek(ahead).upper == upper;
  }
  bool TakeWord(std::string_view upper) {
    if (!PeekWord(upper)) return false;
    Take();
    return true;
  }
  absl::Status Expected(std::string_view what) const {
    return ErrorAt(Peek().at, StrCat("expected ", what, ", found ", Describe(Peek())));
  }
  absl::Status Expect(Tok kind, std::string_view what) {
    if (Peek().kind != kind) return Expected(what);
    Take();
    return absl::OkStatus();
  }

  // Bounds the recursion: each nested construct holds one Depth for its lifetime.
  class Depth {
   public:
    explicit Depth(Parser& parser) : parser_(parser) { ++parser_.depth_; }
    ~Depth() { --parser_.depth_; }
    absl::Status Check() const {
      if (parser_.depth_ > kMaxDepth) {
        return ErrorAt(parser_.Peek().at,
                       StrCat("the filter nests more than ", kMaxDepth, " levels deep"));
      }
      if (++parser_.nodes_ > kMaxNodes) {
        return ErrorAt(parser_.Peek().at,
                       StrCat("the filter has more than ", kMaxNodes, " terms"));
      }
      return absl::OkStatus();
    }

   private:
    Parser& parser_;
  };

  Node Make(Op op, size_t at, std::vector<Node> args = {}) {
    Node node;
    node.op = op;
    node.args = std::move(args);
    node.where = StrCat("at ", at);
    return node;
  }

  // booleanExpression: terms joined by OR (one node for a chain).
  absl::StatusOr<Node> Or() {
    Depth depth(*this);
    STACFED_RETURN_IF_ERROR(depth.Check());
    const size_t at = Peek().at;
    STACFED_ASSIGN_OR_RETURN(Node first, And());
    if (!PeekWord("OR")) return first;
    std::vector<Node> terms;
    terms.push_back(std::move(first));
    while (TakeWord("OR")) {
      STACFED_ASSIGN_OR_RETURN(Node term, And());
      terms.push_back(std::move(term));
    }
    return Make(Op::kOr, at, std::move(terms));
  }

  absl::StatusOr<Node> And() {
    const size_t at = Peek().at;
    STACFED_ASSIGN_OR_RETURN(Node first, Not());
    if (!PeekWord("AND")) return first;
    std::vector<Node> factors;
    factors.push_back(std::move(first));
    while (TakeWord("AND")) {
      STACFED_ASSIGN_OR_RETURN(Node factor, Not());
      factors.push_back(std::move(factor));
    }
    return Make(Op::kAnd, at, std::move(factors));
  }

  absl::StatusOr<Node> Not() {
    const size_t at = Peek().at;
    if (!TakeWord("NOT")) return Primary();
    Depth depth(*this);
    STACFED_RETURN_IF_ERROR(depth.Check());
    std::vector<Node> args(1);
    STACFED_ASSIGN_OR_RETURN(args[0], Not());
    return Make(Op::kNot, at, std::move(args));
  }

  absl::StatusOr<Node> Primary() {
    const Token& token = Peek();
    if (token.kind == Tok::kLParen) {
      Take();
      STACFED_ASSIGN_OR_RETURN(Node inner, Or());
      STACFED_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
      return inner;
    }
    Op op;
    if (token.kind == Tok::kWord && Peek(1).kind == Tok::kLParen && OpFromName(token.text, op) &&
        (IsSpatial(op) || IsTemporal(op) || IsArrayOp(op))) {
      return FunctionPredicate(op);
    }
    return ComparisonPredicate();
  }

  // S_INTERSECTS(a, b), T_BEFORE(a, b), A_CONTAINS(a, b).
  absl::StatusOr<Node> FunctionPredicate(Op op) {
    const size_t at = Take().at;
    Take();  // (
    Depth depth(*this);
    STACFED_RETURN_IF_ERROR(depth.Check());
    std::vector<Node> args;
    for (int i = 0; i < 2; ++i) {
      if (i > 0) STACFED_RETURN_IF_ERROR(Expect(Tok::kComma, "',' between the two arguments"));
      if (IsArrayOp(op) && (Peek().kind == Tok::kLParen || Peek().kind == Tok::kLBracket)) {
        STACFED_ASSIGN_OR_RETURN(Node array, ArrayLiteral());
        args.push_back(std::move(array));
      } else {
        STACFED_ASSIGN_OR_RETURN(Node arg, Scalar());
        args.push_back(std::move(arg));
      }
    }
    STACFED_RETURN_IF_ERROR(Expect(Tok::kRParen, StrCat("')' after the arguments of ", OpName(op))));
    return Make(op, at, std::move(args));
  }

  // a = b, a LIKE b, a BETWEEN b AND c, a IN (...), a IS NULL, and their NOT forms; or a
  // boolean literal on its own.
  absl::StatusOr<Node> ComparisonPredicate() {
    const size_t at = Peek().at;
    STACFED_ASSIGN_OR_RETURN(Node left, Scalar());
    const Token& next = Peek();
    Op comparison;
    bool found = true;
    switch (next.kind) {
      case Tok::kEq:
        comparison = Op::kEq;
        break;
      case Tok::kNeq:
        comparison = Op::kNeq;
        break;
      case Tok::kLt:
        comparison = Op::kLt;
        break;
      case Tok::kLte:
        comparison = Op::kLte;
        break;
      case Tok::kGt:
        comparison = Op::kGt;
        break;
      case Tok::kGte:
        comparison = Op::kGte;
        break;
      default:
        found = false;
    }
    if (found) {
      Take();
      std::vector<Node> args(2);
      args[0] = std::move(left);
      STACFED_ASSIGN_OR_RETURN(args[1], Scalar());
      return Make(comparison, at, std::move(args));
    }
    if (PeekWord("IS")) {
      Take();
      const bool negated = TakeWord("NOT");
      if (!TakeWord("NULL")) return Expected("NULL after IS");
      std::vector<Node> args(1);
      args[0] = std::move(left);
      return Negated(negated, at, Make(Op::kIsNull, at, std::move(args)));
    }
    const bool negated = PeekWord("NOT") && (PeekWord("LIKE", 1) || PeekWord("BETWEEN", 1) ||
                                             PeekWord("IN", 1));
    if (negated) Take();
    if (TakeWord("LIKE")) {
      std::vector<Node> args(2);
      args[0] = std::move(left);
      STACFED_ASSIGN_OR_RETURN(args[1], Scalar());
      return Negated(negated, at, Make(Op::kLike, at, std::move(args)));
    }
    if (TakeWord("BETWEEN")) {
      std::vector<Node> args(3);
      args[0] = std::move(left);
      STACFED_ASSIGN_OR_RETURN(args[1], Scalar());
      if (!TakeWord("AND")) return Expected("AND between the bounds of BETWEEN");
      STACFED_ASSIGN_OR_RETURN(args[2], Scalar());
      return Negated(negated, at, Make(Op::kBetween, at, std::move(args)));
    }
    if (TakeWord("IN")) {
      if (Peek().kind != Tok::kLParen && Peek().kind != Tok::kLBracket) {
        return Expected("'(' and a list after IN");
      }
      std::vector<Node> args(2);
      args[0] = std::move(left);
      const size_t list_at = Peek().at;
      STACFED_ASSIGN_OR_RETURN(args[1], ArrayLiteral());
      if (args[1].args.empty()) return ErrorAt(list_at, "IN needs one or more values");
      return Negated(negated, at, Make(Op::kIn, at, std::move(args)));
    }
    if (left.op == Op::kBoolean) return left;  // TRUE or FALSE as a predicate
    return Expected("a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN or IS NULL)");
  }

  Node Negated(bool negated, size_t at, Node node) {
    if (!negated) return node;
    std::vector<Node> args;
    args.push_back(std::move(node));
    return Make(Op::kNot, at, std::move(args));
  }

  // ( a, b, ... ) or [ a, b, ... ], elements scalars or arrays.
  absl::StatusOr<Node> ArrayLiteral() {
    const Token& open = Take();
    const Tok close = open.kind == Tok::kLParen ? Tok::kRParen : Tok::kRBracket;
    Depth depth(*this);
    STACFED_RETURN_IF_ERROR(depth.Check());
    Node array = Make(Op::kArray, open.at);
    if (Peek().kind == close) {
      Take();
      return array;
    }
    for (;;) {
      if (Peek().kind == Tok::kLParen || Peek().kind == Tok::kLBracket) {
        STACFED_ASSIGN_OR_RETURN(Node nested, ArrayLiteral());
        array.args.push_back(std::move(nested));
      } else {
        STACFED_ASSIGN_OR_RETURN(Node element, Scalar());
        array.args.push_back(std::move(element));
      }
      if (array.args.size() > kMaxInList) {
        return ErrorAt(open.at, StrCat("a list has more than ", kMaxInList, " elements"));
      }
      if (Peek().kind == close) {
        Take();
        return array;
      }
      STACFED_RETURN_IF_ERROR(Expect(
          Tok::kComma, StrCat("',' or '", close == Tok::kRParen ? ")" : "]",
                              "' to close the list opened at ", open.at)));
    }
  }

  // A value: literal, property, CASEI/ACCENTI, DATE/TIMESTAMP/INTERVAL, a geometry.
  absl::StatusOr<Node> Scalar() {
    Depth depth(*this);
    STACFED_RETURN_IF_ERROR(depth.Check());
    const Token& token = Peek();
    switch (token.kind) {
      case Tok::kString: {
        Node node = Make(Op::kString, token.at);
        node.text = Take().text;
        return node;
      }
      case Tok::kNumber:
        return NumberLiteral(Take());
      case Tok::kQuotedName: {
        Node node = Make(Op::kProperty, token.at);
        node.text = Take().text;
        return node;
      }
      case Tok::kWord:
        return WordScalar();
      default:
        return Expected("a value (a property, a string, a number, a date, a geometry ...)");
    }
  }

  absl::StatusOr<Node> NumberLiteral(const Token& token) {
    Node node = Make(Op::kNumber, token.at);
    node.text = token.text;
    const char* begin = token.text.data() + (token.text[0] == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, token.text.data() + token.text.size(), node.number);
    if (ec != std::errc() || end != token.text.data() + token.text.size() ||
        !std::isfinite(node.number)) {
      return ErrorAt(token.at, StrCat("'", token.text, "' is not a finite number"));
    }
    return node;
  }

  absl::StatusOr<Node> WordScalar() {
    const Token& token = Peek();
    const std::string& word = token.upper;
    const bool call = Peek(1).kind == Tok::kLParen;
    if (word == "TRUE" || word == "FALSE") {
      Node node = Make(Op::kBoolean, Take().at);
      node.boolean = word == "TRUE";
      return node;
    }
    if (call && (word == "CASEI" || word == "ACCENTI")) {
      const size_t at = Take().at;
      Take();  // (
      std::vector<Node> args(1);
      STACFED_ASSIGN_OR_RETURN(args[0], Scalar());
      STACFED_RETURN_IF_ERROR(Expect(Tok::kRParen, StrCat("')' after the argument of ", word)));
      return Make(word == "CASEI" ? Op::kCaseI : Op::kAccentI, at, std::move(args));
    }
    if (call && (word == "DATE" || word == "TIMESTAMP")) return InstantLiteral();
    if (call && word == "INTERVAL") return IntervalLiteral();
    if (IsGeometryWord(word)) return GeometryLiteral();
    if (word == "AND" || word == "OR" || word == "NOT" || word == "LIKE" || word == "BETWEEN" ||
        word == "IN" || word == "IS" || word == "NULL") {
      return Expected("a value; to use a keyword as a property name, write it in double quotes");
    }
    Node node = Make(Op::kProperty, token.at);
    node.text = Take().text;
    return node;
  }

  // DATE('2020-01-01') or TIMESTAMP('2020-01-01T00:00:00Z').
  absl::StatusOr<Node> InstantLiteral() {
    const Token& keyword = Take();
    const bool date = keyword.upper == "DATE";
    Take();  // (
    if (Peek().kind != Tok::kString) return Expected(StrCat("a quoted value in ", keyword.upper));
    const Token& value = Take();
    STACFED_RETURN_IF_ERROR(Expect(Tok::kRParen, StrCat("')' after ", keyword.upper, "(...")));
    return Instant(value.text, date, keyword.at);
  }

  absl::StatusOr<Node> Instant(std::string_view text, bool date, size_t at) {
    Node node = Make(date ? Op::kDate : Op::kTimestamp, at);
    if (date) {
      auto midnight = text.size() == 10 ? ParseRfc3339(StrCat(text, "T00:00:00Z"))
                                        : absl::StatusOr<Micros>(absl::InvalidArgumentError(""));
      if (!midnight.ok()) {
        return ErrorAt(at, StrCat("'", text.substr(0, 40), "' is not a date (YYYY-MM-DD)"));
      }
      node.time = *midnight;
      return node;
    }
    auto instant = ParseRfc3339(text);
    if (!instant.ok()) {
      return ErrorAt(at, StrCat("a timestamp must be an RFC 3339 date-time: ",
                                instant.status().message()));
    }
    node.time = *instant;
    return node;
  }

  // INTERVAL('2020-01-01', '..'): each bound a date, a timestamp, '..' (open), a property or
  // DATE(...)/TIMESTAMP(...).
  absl::StatusOr<Node> IntervalLiteral() {
    const size_t at = Take().at;
    Take();  // (
    Node interval = Make(Op::kInterval, at);
    for (int i = 0; i < 2; ++i) {
      if (i > 0) STACFED_RETURN_IF_ERROR(Expect(Tok::kComma, "',' between the bounds of INTERVAL"));
      const Token& bound = Peek();
      if (bound.kind == Tok::kString) {
        Take();
        if (bound.text == "..") {
          Node open = Make(Op::kTimestamp, bound.at);
          open.open = true;
          interval.args.push_back(std::move(open));
        } else {
          STACFED_ASSIGN_OR_RETURN(Node instant,
                                   Instant(bound.text, bound.text.size() == 10, bound.at));
          interval.args.push_back(std::move(instant));
        }
      } else {
        STACFED_ASSIGN_OR_RETURN(Node value, Scalar());
        interval.args.push_back(std::move(value));
      }
    }
    STACFED_RETURN_IF_ERROR(Expect(Tok::kRParen, "')' after the bounds of INTERVAL"));
    return interval;
  }

  // ---- WKT -----------------------------------------------------------------------------------

  absl::StatusOr<double> Coordinate() {
    if (Peek().kind != Tok::kNumber) return Expected("a coordinate");
    STACFED_ASSIGN_OR_RETURN(Node number, NumberLiteral(Take()));
    return number.number;
  }

  // x y [z]
  absl::StatusOr<json::array> Position() {
    json::array position;
    for (int i = 0; i < 2; ++i) {
      STACFED_ASSIGN_OR_RETURN(double value, Coordinate());
      position.push_back(value);
    }
    if (Peek().kind == Tok::kNumber) {
      STACFED_ASSIGN_OR_RETURN(double z, Coordinate());
      position.push_back(z);
    }
    return position;
  }

  // ( p, p, ... ), where p is parsed by `element` (a position, or a nested list).
  template <typename Element>
  absl::StatusOr<json::array> List(Element element, std::string_view what) {
    Depth depth(*this);
    STACFED_RETURN_IF_ERROR(depth.Check());
    STACFED_RETURN_IF_ERROR(Expect(Tok::kLParen, StrCat("'(' to open ", what)));
    json::array list;
    for (;;) {
      STACFED_ASSIGN_OR_RETURN(json::value item, element());
      list.push_back(std::move(item));
      if (++nodes_ > kMaxNodes) return Expected("fewer positions");
      if (Peek().kind == Tok::kRParen) {
        Take();
        return list;
      }
      STACFED_RETURN_IF_ERROR(Expect(Tok::kComma, StrCat("',' or ')' in ", what)));
    }
  }

  auto PositionParser() {
    return [this]() -> absl::StatusOr<json::value> {
      STACFED_ASSIGN_OR_RETURN(json::array position, Position());
      return json::value(std::move(position));
    };
  }
  auto LineParser() {
    return [this]() -> absl::StatusOr<json::value> {
      STACFED_ASSIGN_OR_RETURN(json::array line, List(PositionParser(), "a line of positions"));
      return json::value(std::move(line));
    };
  }
  auto PolygonParser() {
    return [this]() -> absl::StatusOr<json::value> {
      STACFED_ASSIGN_OR_RETURN(json::array rings, List(LineParser(), "the rings of a polygon"));
      return json::value(std::move(rings));
    };
  }
  // MULTIPOINT((1 2), (3 4)) or MULTIPOINT(1 2, 3 4).
  auto MultiPointElementParser() {
    return [this]() -> absl::StatusOr<json::value> {
      if (Peek().kind != Tok::kLParen) {
        STACFED_ASSIGN_OR_RETURN(json::array position, Position());
        return json::value(std::move(position));
      }
      Take();
      STACFED_ASSIGN_OR_RETURN(json::array position, Position());
      STACFED_RETURN_IF_ERROR(Expect(Tok::kRParen, "')' after a point"));
      return json::value(std::move(position));
    };
  }

  absl::StatusOr<json::value> GeometryValue() {
    const Token& keyword = Take();
    const std::string& type = keyword.upper;
    if (PeekWord("Z")) Take();  // 3D positions carry a third number anyway
    json::object geometry;
    auto set = [&](std::string_view geojson_type, absl::StatusOr<json::array> coordinates)
        -> absl::StatusOr<json::value> {
      if (!coordinates.ok()) return coordinates.status();
      geometry["type"] = geojson_type;
      geometry["coordinates"] = std::move(*coordinates);
      return json::value(std::move(geometry));
    };
    if (type == "POINT") {
      STACFED_RETURN_IF_ERROR(Expect(Tok::kLParen, "'(' after POINT"));
      auto position = Position();
      STACFED_RETURN_IF_ERROR(Expect(Tok::kRParen, "')' after the point's coordinates"));
      return set("Point", std::move(position));
    }
    if (type == "LINESTRING") return set("LineString", List(PositionParser(), "a LINESTRING"));
    if (type == "POLYGON") return set("Polygon", List(LineParser(), "a POLYGON"));
    if (type == "MULTIPOINT") {
      return set("MultiPoint", List(MultiPointElementParser(), "a MULTIPOINT"));
    }
    if (type == "MULTILINESTRING") {
      return set("MultiLineString", List(LineParser(), "a MULTILINESTRING"));
    }
    if (type == "MULTIPOLYGON") return set("MultiPolygon", List(PolygonParser(), "a MULTIPOLYGON"));
    if (type == "GEOMETRYCOLLECTION") {
      Depth depth(*this);
      STACFED_RETURN_IF_ERROR(depth.Check());
      STACFED_RETURN_IF_ERROR(Expect(Tok::kLParen, "'(' after GEOMETRYCOLLECTION"));
      json::array members;
      for (;;) {
        if (Peek().kind != Tok::kWord || !IsGeometryWord(Peek().upper)) {
          return Expected("a geometry in the GEOMETRYCOLLECTION");
        }
        STACFED_ASSIGN_OR_RETURN(json::value member, GeometryValue());
        members.push_back(std::move(member));
        if (Peek().kind == Tok::kRParen) {
          Take();
          break;
        }
        STACFED_RETURN_IF_ERROR(Expect(Tok::kComma, "',' or ')' in GEOMETRYCOLLECTION"));
      }
      geometry["type"] = "GeometryCollection";
      geometry["geometries"] = std::move(members);
      return json::value(std::move(geometry));
    }
    // ENVELOPE(w, s, e, n) or BBOX(w, s, e, n); 6 numbers with elevations.
    STACFED_RETURN_IF_ERROR(Expect(Tok::kLParen, StrCat("'(' after ", type)));
    std::vector<double> numbers;
    for (;;) {
      STACFED_ASSIGN_OR_RETURN(double value, Coordinate());
      numbers.push_back(value);
      if (Peek().kind == Tok::kRParen) {
        Take();
        break;
      }
      STACFED_RETURN_IF_ERROR(Expect(Tok::kComma, StrCat("',' or ')' in ", type)));
    }
    auto envelope = BboxGeometry(numbers);
    if (!envelope.ok()) return ErrorAt(keyword.at, ToStd(envelope.status().message()));
    return std::move(*envelope);
  }

  absl::StatusOr<Node> GeometryLiteral() {
    const size_t at = Peek().at;
    STACFED_ASSIGN_OR_RETURN(json::value geometry, GeometryValue());
    auto normalized = NormalizeGeometry(geometry);
    if (!normalized.ok()) return ErrorAt(at, ToStd(normalized.status().message()));
    Node node = Make(Op::kGeometry, at);
    node.text = std::move(*normalized);
    return node;
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  int depth_ = 0;
  size_t nodes_ = 0;
};

}  // namespace

absl::StatusOr<Node> ParseText(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("filter: holds a NUL byte");
  }
  Lexer lexer(text);
  STACFED_ASSIGN_OR_RETURN(std::vector<Token> tokens, lexer.Tokens());
  Parser parser(std::move(tokens));
  return parser.Filter();
}

}  // namespace stacfed::search::cql2
