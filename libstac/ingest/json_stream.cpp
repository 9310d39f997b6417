#include "libstac/ingest/json_stream.hpp"

#include <algorithm>

#include <boost/json/basic_parser_impl.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "libstac/base/strings.hpp"

namespace stacfed::ingest {
namespace {

namespace json = boost::json;

// Keeps nothing: a basic_parser with it only validates, in memory that grows with the
// nesting alone (Boost.JSON's "null parser" example).
struct NullHandler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t, json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_key(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  bool on_double(double, json::string_view, json::error_code&) { return true; }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

// Member names and the "type" are kept up to this many bytes: enough to tell "features" and
// "FeatureCollection" from anything else.
constexpr size_t kCaptured = 32;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The first '"', '\\' or '\n' in [p, end), or end: what ends or interrupts the content of a
// string. Sixteen bytes at a time: strings are most of a feature's bytes.
const char* NextInString(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i newline = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned mask = unsigned(_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
                     _mm_cmpeq_epi8(chunk, newline))));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\' && *p != '\n') ++p;
  return p;
}

std::string DepthError(size_t max_depth) {
  return StrCat("nested deeper than ", max_depth, " levels of objects and arrays");
}

}  // namespace

struct ValueStream::Validator {
  explicit Validator(size_t max_depth) : parser(Options(max_depth)) {}
  static json::parse_options Options(size_t max_depth) {
    json::parse_options options;
    options.max_depth = max_depth;
    return options;
  }
  json::basic_parser<NullHandler> parser;
};

ValueStream::ValueStream(size_t max_depth)
    : max_depth_(max_depth), validator_(std::make_unique<Validator>(max_depth)) {}

ValueStream::~ValueStream() = default;

ValueStream::Event ValueStream::Fail(std::string why, uint64_t at) {
  error_ = std::move(why);
  offset_ = at;
  return Event::kError;
}

bool ValueStream::Validate(std::string_view bytes, uint64_t base, uint64_t end, bool last) {
  const std::string_view run = bytes.substr(validated_ - base, end - validated_);
  if (run.empty() && !last) return true;
  json::error_code error;
  const size_t read = validator_->parser.write_some(!last, run.data(), run.size(), error);
  if (error) {
    // newlines_ counts to `end`; the error is `read` bytes into the run.
    newlines_ -= std::count(run.begin() + std::min(read, run.size()), run.end(), '\n');
    error_ = error.message();
    offset_ = validated_ + read;
    return false;
  }
  validated_ = end;
  return true;
}

ValueStream::Event ValueStream::ElementEnded(uint64_t end) {
  in_element_ = false;
  offset_ = end;
  // The validator sees a null in the element's place: the elements are their reader's to
  // validate, and the array around them stays the validator's.
  json::error_code error;
  validator_->parser.write_some(true, "null", 4, error);
  if (error) return Fail(error.message(), end);
  validated_ = end;
  return Event::kFeatureEnd;
}

ValueStream::Event ValueStream::ValueEnded(std::string_view bytes, uint64_t base, uint64_t end) {
  if (!Validate(bytes, base, end, /*last=*/true)) return Event::kError;
  offset_ = end;
  return Event::kEnd;
}

ValueStream::Event ValueStream::EndOfScalar(std::string_view bytes, uint64_t base, size_t i) {
  in_scalar_ = false;
  if (in_element_ && stack_.size() == 2) return ElementEnded(base + i);
  if (stack_.empty()) return ValueEnded(bytes, base, base + i);
  return Event::kNeedMore;
}

ValueStream::Event ValueStream::EndOfString(std::string_view bytes, uint64_t base, size_t i) {
  in_string_ = false;
  if (capture_key_) key_ = captured_;
  if (capture_type_) {
    type_ = captured_;
    type_seen_ = true;
  }
  capture_key_ = capture_type_ = false;
  if (in_element_ && stack_.size() == 2) return ElementEnded(base + i);
  if (stack_.empty()) return ValueEnded(bytes, base, base + i);
  return Event::kNeedMore;
}

ValueStream::Event ValueStream::Close(char c, std::string_view bytes, uint64_t base, size_t i) {
  const char open = c == '}' ? '{' : '[';
  if (stack_.empty() || stack_.back() != open) {
    return Fail(StrCat("'", std::string(1, c), "' closes ",
                       stack_.empty() ? std::string("nothing")
                                      : StrCat("a '", std::string(1, stack_.back()), "'")),
                base + i);
  }
  stack_.pop_back();
  if (stack_.size() == 1 && in_features_) in_features_ = false;  // "features" ended
  if (in_element_ && stack_.size() == 2) return ElementEnded(base + i + 1);
  if (stack_.empty()) return ValueEnded(bytes, base, base + i + 1);
  return Event::kNeedMore;
}

ValueStream::Event ValueStream::Next(std::string_view bytes, bool end_of_input) {
  const uint64_t base = offset_;
  size_t i = 0;
  while (i < bytes.size()) {
    const char c = bytes[i];
    if (in_string_) {
      if (escape_) {
        escape_ = false;
      } else {
        const char* stop = NextInString(bytes.data() + i, bytes.data() + bytes.size());
        const size_t run = size_t(stop - (bytes.data() + i));
        if ((capture_key_ || capture_type_) && captured_.size() <= kCaptured) {
          captured_.append(bytes.substr(i, std::min(run, kCaptured + 1 - captured_.size())));
        }
        i += run;
        if (i == bytes.size()) break;
        if (bytes[i] == '"') {
          const Event event = EndOfString(bytes, base, ++i);
          if (event != Event::kNeedMore) return event;
          continue;
        }
        escape_ = bytes[i] == '\\';
      }
      // An escape's two characters, or a newline (not valid in a string: the validator or
      // the element's reader says so).
      if ((capture_key_ || capture_type_) && captured_.size() <= kCaptured) captured_ += bytes[i];
      if (bytes[i] == '\n') ++newlines_;
      ++i;
      continue;
    }
    if (in_scalar_) {
      if (!IsSpace(c) && c != ',' && c != ']' && c != '}' && c != ':') {
        ++i;
        continue;
      }
      const Event event = EndOfScalar(bytes, base, i);
      if (event != Event::kNeedMore) return event;
    }
    if (IsSpace(c)) {
      if (c == '\n') ++newlines_;
      ++i;
      continue;
    }
    if (!started_) {
      started_ = true;
      value_begin_ = base + i;
    }
    if (in_features_ && stack_.size() == 2 && !in_element_ && c != ',' && c != ']') {
      if (!Validate(bytes, base, base + i, false)) return Event::kError;
      in_element_ = true;
      offset_ = base + i;
      return Event::kFeatureBegin;
    }
    const bool member_level = stack_.size() == 1 && stack_[0] == '{';
    switch (c) {
      case '{':
      case '[':
        if (stack_.size() >= max_depth_) return Fail(DepthError(max_depth_), base + i);
        if (member_level && features_next_ && c == '[') in_features_ = feature_collection_ = true;
        features_next_ = false;
        stack_.push_back(c);
        if (stack_.size() == 1 && c == '{') expect_key_ = true;
        ++i;
        break;
      case '}':
      case ']': {
        const Event event = Close(c, bytes, base, i);
        ++i;
        if (event != Event::kNeedMore) return event;
        break;
      }
      case '"':
        in_string_ = true;
        escape_ = false;
        capture_key_ = member_level && expect_key_;
        capture_type_ = member_level && !expect_key_ && key_ == "type";
        expect_key_ = false;
        features_next_ = false;
        captured_.clear();
        ++i;
        break;
      case ':':
        if (member_level) {
          features_next_ = key_ == "features" && (!type_seen_ || type_ == "FeatureCollection");
        }
        ++i;
        break;
      case ',':
        if (member_level) {
          expect_key_ = true;
          key_.clear();
        }
        ++i;
        break;
      default:  // a number, true, false or null (the validator checks which)
        in_scalar_ = true;
        features_next_ = false;
        ++i;
        break;
    }
  }
  offset_ = base + bytes.size();
  if (end_of_input && in_scalar_ && stack_.empty()) {
    in_scalar_ = false;
    return ValueEnded(bytes, base, offset_);
  }
  if (!in_element_ && !Validate(bytes, base, offset_, false)) return Event::kError;
  if (end_of_input) {
    return Fail(started_ ? "the JSON value ends early" : "no JSON value", offset_);
  }
  return Event::kNeedMore;
}

}  // namespace stacfed::ingest
