#pragma once
// Serialising an edited JSON document while keeping the upstream's text of everything the
// edits left alone (issue 17): numbers keep their spelling ("199980.0" stays, not "1.9998E5")
// and their exact value (boost::json rounds some long decimals by one ULP and turns integers
// beyond 64 bits into doubles), strings their escapes, members their whitespace.
//
// The walker parses a document with boost::json, normalise/ and annotate/ edit a copy of it,
// and SerializeKeepingText writes the copy by splicing: a subtree still equal to the original
// (boost::json::value ==; both were parsed from the same text, so untouched numbers compare
// equal) is copied from the original text; an object or array that changed is written member
// by member (objects in the original order, then the members added; arrays by index), and
// only the values that changed are serialised (compactly, floats in the shortest form that
// reads back the same: "-180.0" where boost::json writes "-1.8E2"). The byte ranges are
// scanned one level at a time, only along the changed paths, nested values jumped with a
// JsonIndex.
//
// An object or array only added to (what annotate does) is written as its text followed by
// the new members or elements, its own members unread. Where the members of a changed object
// disagree with the text (a duplicate key, which the parser keeps once: the last), that
// object is serialised instead: the result always reads back as the edited value.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace stacfed::crawler {

// Where each object and array of a JSON text ends, found in one pass over the text (which a
// parser has validated). With it the members or elements of a value are found by reading
// their own level only, the nested values being jumped: a page of items is read once, not
// once for the page, once per item and once more per level an edit reaches.
class JsonIndex {
 public:
  explicit JsonIndex(std::string_view text);
  // Just past the object or array that opens at `open`, a pointer into the indexed text;
  // nullptr when none opens there.
  const char* End(const char* open) const;

 private:
  const char* text_;
  std::vector<uint32_t> opens_;  // offsets of every '{' and '[' outside strings, in order
  std::vector<uint32_t> ends_;   // offsets just past the matching '}' or ']'
};

// The text a document was parsed from: a part of an indexed text (a feature of a page) or a
// text of its own (no index: indexed when needed).
struct SourceText {
  SourceText(std::string_view text = {}, const JsonIndex* index = nullptr)
      : text(text), index(index) {}
  SourceText(const std::string& text, const JsonIndex* index = nullptr)
      : text(text), index(index) {}
  std::string_view text;
  const JsonIndex* index;
};

// `edited` (a changed copy of `original`) as JSON text, with the bytes of `source` (the text
// `original` was parsed from) wherever a member or element is unchanged. Without a text,
// `edited` serialised.
std::string SerializeKeepingText(const boost::json::object& edited,
                                 const boost::json::object& original, SourceText source);

// The text of member `key` of `object`, which was parsed from `source`; nullopt when the
// member is absent or the text does not match the object.
std::optional<std::string_view> MemberText(SourceText source, const boost::json::object& object,
                                           std::string_view key);

// The text of every element of `array`, which was parsed from `source`; empty when the text
// does not match the array.
std::vector<std::string_view> ElementTexts(SourceText source, const boost::json::array& array);

}  // namespace stacfed::crawler
