#include "server/search/free_text.hpp"

#include <optional>

#include "absl/strings/ascii.h"
#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"

namespace stacfed::search {
namespace {

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid 'q': ", why));
}

// A term as a tsquery lexeme: quoted, so PostgreSQL's parser splits it into words (a phrase
// of several, `'climate' <-> 'model'`) and nothing in it is an operator.
std::string Lexeme(std::string_view term) {
  std::string out = "'";
  for (char c : term) {
    if (c == '\'' || c == '\\') out += c == '\'' ? '\'' : '\\';
    out += c;
  }
  out += '\'';
  return out;
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  return ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
}

// ---- the advanced flavour --------------------------------------------------------------------

struct Token {
  enum Kind { kWord, kPhrase, kOpen, kClose, kAnd, kOr, kNot, kEnd } kind = kEnd;
  std::string text;
  char sign = 0;  // '+' or '-' written right before a word, a phrase or '('
  size_t at = 0;
};

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view text) : text_(text) {}

  absl::StatusOr<Token> Next() {
    while (pos_ < text_.size() && absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
    Token token;
    token.at = pos_;
    if (pos_ == text_.size()) return token;
    if (text_[pos_] == '+' || text_[pos_] == '-') {
      token.sign = text_[pos_++];
      if (pos_ == text_.size() || absl::ascii_isspace(static_cast<unsigned char>(text_[pos_])) ||
          text_[pos_] == ')') {
        return Invalid(StrCat("'", std::string(1, token.sign), "' at ", token.at,
                              " must come right before a term"));
      }
    }
    const char c = text_[pos_];
    if (c == '(' || c == ')') {
      if (c == ')' && token.sign != 0) return Invalid(StrCat("')' at ", pos_, " after a sign"));
      token.kind = c == '(' ? Token::kOpen : Token::kClose;
      ++pos_;
      return token;
    }
    if (c == '"') {
      const size_t close = text_.find('"', pos_ + 1);
      if (close == std::string_view::npos) {
        return Invalid(StrCat("the quote at ", pos_, " is not closed"));
      }
      token.kind = Token::kPhrase;
      token.text = std::string(text_.substr(pos_ + 1, close - pos_ - 1));
      if (IsBlank(token.text)) return Invalid(StrCat("the phrase at ", pos_, " is empty"));
      pos_ = close + 1;
      return token;
    }
    const size_t start = pos_;
    while (pos_ < text_.size() && !absl::ascii_isspace(static_cast<unsigned char>(text_[pos_])) &&
           text_[pos_] != '(' && text_[pos_] != ')' && text_[pos_] != '"') {
      ++pos_;
    }
    token.text = std::string(text_.substr(start, pos_ - start));
    token.kind = Token::kWord;
    if (token.sign == 0) {
      if (token.text == "AND") token.kind = Token::kAnd;
      if (token.text == "OR") token.kind = Token::kOr;
      if (token.text == "NOT") token.kind = Token::kNot;
    }
    return token;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// Recursive descent over the tokens, writing the tsquery as it goes:
//   group  := clause (["OR"] clause)*         clauses are ORed, but +/- (see header)
//   clause := [+|-] conj
//   conj   := unary ("AND" unary)*
//   unary  := "NOT" unary | atom
//   atom   := word | "phrase" | "(" group ")"
class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(text) {}

  absl::StatusOr<std::string> Parse() {
    STACFED_RETURN_IF_ERROR(Advance());
    if (token_.kind == Token::kEnd) return Invalid("it holds no term");
    STACFED_ASSIGN_OR_RETURN(std::string query, Group(0));
    if (token_.kind == Token::kClose) {
      return Invalid(StrCat("the ')' at ", token_.at, " closes nothing"));
    }
    return query;
  }

 private:
  absl::Status Advance() {
    STACFED_ASSIGN_OR_RETURN(token_, tokens_.Next());
    return absl::OkStatus();
  }

  bool AtGroupEnd() const { return token_.kind == Token::kEnd || token_.kind == Token::kClose; }

  absl::StatusOr<std::string> Group(int depth) {
    if (depth > kMaxFreeTextDepth) return Invalid("parentheses nest too deep");
    std::vector<std::string> required, prohibited, optional;
    bool first = true;
    while (!AtGroupEnd()) {
      if (!first && token_.kind == Token::kOr) {
        const size_t at = token_.at;
        STACFED_RETURN_IF_ERROR(Advance());
        if (AtGroupEnd() || token_.kind == Token::kOr || token_.kind == Token::kAnd) {
          return Invalid(StrCat("OR at ", at, " has no term after it"));
        }
      }
      if (token_.kind == Token::kAnd || token_.kind == Token::kOr) {
        return Invalid(StrCat(token_.text, " at ", token_.at, " has no term before it"));
      }
      char sign = token_.sign;
      if (token_.kind == Token::kNot) {  // a clause of its own: "a NOT b" is "a -b"
        const size_t at = token_.at;
        STACFED_RETURN_IF_ERROR(Advance());
        if (AtGroupEnd() || token_.kind == Token::kAnd || token_.kind == Token::kOr ||
            token_.sign != 0) {
          return Invalid(StrCat("NOT at ", at, " has no term after it"));
        }
        sign = '-';
      }
      STACFED_ASSIGN_OR_RETURN(std::string clause, Conjunction(depth));
      (sign == '+' ? required : sign == '-' ? prohibited : optional).push_back(std::move(clause));
      first = false;
    }
    if (required.empty() && prohibited.empty() && optional.empty()) {
      return Invalid(StrCat("empty parentheses before ", token_.at));
    }
    // With required terms the optional ones only rank (they are left out of the match).
    std::vector<std::string> all = required.empty() ? std::vector<std::string>{} : required;
    if (required.empty() && !optional.empty()) {
      all.push_back(optional.size() == 1 ? optional.front()
                                         : StrCat("(", Join(optional, " | "), ")"));
    }
    for (const std::string& p : prohibited) all.push_back(StrCat("!", p));
    return all.size() == 1 ? all.front() : StrCat("(", Join(all, " & "), ")");
  }

  absl::StatusOr<std::string> Conjunction(int depth) {
    std::vector<std::string> parts;
    STACFED_ASSIGN_OR_RETURN(std::string first, Unary(depth));
    parts.push_back(std::move(first));
    while (token_.kind == Token::kAnd) {
      const size_t at = token_.at;
      STACFED_RETURN_IF_ERROR(Advance());
      if (AtGroupEnd() || token_.kind == Token::kAnd || token_.kind == Token::kOr) {
        return Invalid(StrCat("AND at ", at, " has no term after it"));
      }
      if (token_.sign != 0) {
        return Invalid(StrCat("'", std::string(1, token_.sign), "' at ", token_.at,
                              " cannot follow AND: write NOT, or drop the AND"));
      }
      STACFED_ASSIGN_OR_RETURN(std::string next, Unary(depth));
      parts.push_back(std::move(next));
    }
    return parts.size() == 1 ? parts.front() : StrCat("(", Join(parts, " & "), ")");
  }

  absl::StatusOr<std::string> Unary(int depth) {
    if (token_.kind == Token::kNot) {
      const size_t at = token_.at;
      STACFED_RETURN_IF_ERROR(Advance());
      if (AtGroupEnd() || token_.kind == Token::kAnd || token_.kind == Token::kOr) {
        return Invalid(StrCat("NOT at ", at, " has no term after it"));
      }
      STACFED_ASSIGN_OR_RETURN(std::string operand, Unary(depth + 1));
      return StrCat("!", operand);
    }
    return Atom(depth);
  }

  absl::StatusOr<std::string> Atom(int depth) {
    switch (token_.kind) {
      case Token::kWord:
      case Token::kPhrase: {
        if (++terms_ > kMaxFreeTextTerms) {
          return Invalid(StrCat("more than ", kMaxFreeTextTerms, " terms"));
        }
        std::string lexeme = Lexeme(token_.text);
        STACFED_RETURN_IF_ERROR(Advance());
        return lexeme;
      }
      case Token::kOpen: {
        const size_t at = token_.at;
        STACFED_RETURN_IF_ERROR(Advance());
        STACFED_ASSIGN_OR_RETURN(std::string inner, Group(depth + 1));
        if (token_.kind != Token::kClose) {
          return Invalid(StrCat("the '(' at ", at, " is not closed"));
        }
        STACFED_RETURN_IF_ERROR(Advance());
        return inner;
      }
      default:
        return Invalid(StrCat("a term is missing at ", token_.at));
    }
  }

  static std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) StrAppend(&out, i > 0 ? separator : "", parts[i]);
    return out;
  }

  Tokenizer tokens_;
  Token token_;
  size_t terms_ = 0;
};

absl::Status CheckSize(std::string_view text) {
  if (text.size() > kMaxFreeTextBytes) {
    return Invalid(StrCat("longer than ", kMaxFreeTextBytes, " bytes"));
  }
  if (text.find('\0') != std::string_view::npos) return Invalid("it holds NUL");
  return absl::OkStatus();
}

// The parts of a basic GET q, split at commas outside quotes; a part wholly in quotes loses
// them.
std::vector<std::string> BasicParts(std::string_view text) {
  std::vector<std::string> parts;
  std::string part;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) {
      parts.push_back(std::move(part));
      part.clear();
    } else {
      part += c;
    }
  }
  parts.push_back(std::move(part));
  for (std::string& p : parts) {
    std::string_view trimmed = Trim(p);
    if (trimmed.size() >= 2 && trimmed.front() == '"' && trimmed.back() == '"') {
      trimmed = trimmed.substr(1, trimmed.size() - 2);
    }
    p = std::string(trimmed);
  }
  return parts;
}

bool HasCommaOutsideQuotes(std::string_view text) {
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> BasicTsQuery(const std::vector<std::string>& terms) {
  if (terms.empty()) return Invalid("expected at least one term");
  if (terms.size() > kMaxFreeTextTerms) {
    return Invalid(StrCat("more than ", kMaxFreeTextTerms, " terms"));
  }
  std::string out;
  size_t bytes = 0;
  for (size_t i = 0; i < terms.size(); ++i) {
    const std::string_view term = Trim(terms[i]);
    bytes += term.size();
    STACFED_RETURN_IF_ERROR(CheckSize(term));
    if (bytes > kMaxFreeTextBytes) return Invalid(StrCat("longer than ", kMaxFreeTextBytes, " bytes"));
    if (term.empty()) return Invalid(StrCat("term ", i + 1, " is empty"));
    StrAppend(&out, i > 0 ? " | " : "", Lexeme(term));
  }
  return out;
}

absl::StatusOr<std::string> AdvancedTsQuery(std::string_view text) {
  STACFED_RETURN_IF_ERROR(CheckSize(text));
  return Parser(text).Parse();
}

absl::StatusOr<std::string> TsQueryOfParameter(std::string_view text) {
  STACFED_RETURN_IF_ERROR(CheckSize(text));
  if (HasCommaOutsideQuotes(text)) return BasicTsQuery(BasicParts(text));
  return AdvancedTsQuery(text);
}

std::string TsQuerySql(std::string_view placeholder) {
  return StrCat("(SELECT to_tsquery('simple'::regconfig, ", placeholder, "::text))");
}

std::string RelevanceSql(std::string_view vector, std::string_view tsquery) {
  return StrCat("ts_rank(", vector, ", ", tsquery, ")::float8");
}

}  // namespace stacfed::search
