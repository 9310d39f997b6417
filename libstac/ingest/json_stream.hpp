#pragma once
// Follows one JSON value as it arrives in pieces, in memory bounded by its nesting depth, so
// that the loader reads a document of any size without holding it: it tells where the value
// ends and, when the value is an object with a "features" array (a FeatureCollection), where
// each element of that array begins and ends, so that the features are handled one at a time
// as they arrive. Every byte but those elements goes through a validating parser (Boost.JSON's
// basic_parser with a handler that keeps nothing); the elements are the records, which their
// reader validates (PrepareItem).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace stacfed::ingest {

class ValueStream {
 public:
  enum class Event {
    kNeedMore,      // every byte given was read; the value goes on
    kFeatureBegin,  // offset() is the first byte of an element of "features"
    kFeatureEnd,    // offset() is one past the last byte of that element
    kEnd,           // offset() is one past the last byte of the value
    kError,         // the text is not one JSON value (error() says why, offset() where)
  };

  // Deeper nesting than `max_depth` objects and arrays is an error.
  explicit ValueStream(size_t max_depth);
  ~ValueStream();
  ValueStream(const ValueStream&) = delete;
  ValueStream& operator=(const ValueStream&) = delete;

  // Reads on from `bytes`, which continue the input at offset() (whitespace may precede the
  // value), and stops at the first event. `end_of_input`: nothing follows `bytes`.
  Event Next(std::string_view bytes, bool end_of_input);

  // Bytes of the input before the last event (all bytes given, after kNeedMore).
  uint64_t offset() const { return offset_; }
  // Newlines in the input before offset().
  int64_t newlines() const { return newlines_; }
  // Whether the value has begun (a byte other than whitespace was read), and where.
  bool started() const { return started_; }
  uint64_t value_begin() const { return value_begin_; }
  const std::string& error() const { return error_; }
  // Whether the value is an object whose "features" array was reported element by element:
  // its "type" is "FeatureCollection", or it had none before "features".
  bool feature_collection() const { return feature_collection_; }

 private:
  struct Validator;

  Event Fail(std::string why, uint64_t at);
  // Feeds the input from validated_ to `end` (offsets; `bytes` starts at `base`) to the
  // validator; false when it found an error (then error_ and offset_ are set).
  bool Validate(std::string_view bytes, uint64_t base, uint64_t end, bool last);
  Event Close(char c, std::string_view bytes, uint64_t base, size_t i);
  Event EndOfScalar(std::string_view bytes, uint64_t base, size_t i);
  Event EndOfString(std::string_view bytes, uint64_t base, size_t i);
  Event ElementEnded(uint64_t end);
  Event ValueEnded(std::string_view bytes, uint64_t base, uint64_t end);

  const size_t max_depth_;
  std::unique_ptr<Validator> validator_;
  uint64_t offset_ = 0;
  int64_t newlines_ = 0;
  uint64_t validated_ = 0;  // input before this went to the validator or was an element
  uint64_t value_begin_ = 0;
  std::string stack_;       // the open objects and arrays: '{' or '['
  bool started_ = false;
  bool in_string_ = false;
  bool escape_ = false;
  bool in_scalar_ = false;
  // Members of the value when it is an object (its depth is 1).
  bool expect_key_ = false;
  bool capture_key_ = false;   // the string being read is a member name
  bool capture_type_ = false;  // the string being read is the value of "type"
  std::string captured_;       // up to kCaptured bytes of that string, as written
  std::string key_;            // the name of the member whose value comes next
  std::string type_;
  bool type_seen_ = false;
  bool features_next_ = false;  // the value that comes next is the "features" member's
  bool in_features_ = false;    // the array at depth 2 is "features"
  bool in_element_ = false;
  bool feature_collection_ = false;
  std::string error_;
};

}  // namespace stacfed::ingest
