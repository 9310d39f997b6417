#pragma once
// The Fields extension (https://github.com/stac-api-extensions/fields, v1.0.0): which members
// of each returned document a search keeps. A field is a dotted path of member names into the
// document ("id", "properties.eo:cloud_cover", "assets.data.href"); GET writes the two lists
// as one (`fields=id,+properties,-properties.foo`: no sign or '+' includes, '-' excludes),
// POST as {"include": [...], "exclude": [...]}.
//
// What is kept, per the extension's "Include/Exclude Semantics":
//   include given (non-empty)      exactly those fields (and what excludes leave of them)
//   include missing (POST only)    every field but the excluded ones
//   include null or empty, or GET  the default set (below) but the excluded ones
// Along one path the most specific rule decides: `properties` excluded with
// `properties.datetime` included keeps properties with datetime alone, `properties` included
// with `properties.datetime` excluded keeps every property but datetime. A path both
// included and excluded is included (rule 6). A path that is absent from a document, or
// that goes through a member which is not an object, selects nothing and is not an error.
//
// FieldsFilter applies the rules to the text of a JSON object without building a tree: the
// members kept are copied as they were written (numbers are never reformatted) and in their
// order. It knows nothing of items but their default set, so collections can use it too.

#include <boost/json/value.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace stacfed::search {

inline constexpr size_t kMaxFields = 1000;          // paths in include and exclude together
inline constexpr size_t kMaxFieldPathBytes = 1000;  // bytes of one path

// `fields` as sent. `include` is nullopt only when a POST object has no "include" member (or
// it is null): then every field is kept but the excluded ones. In GET it is never missing:
// the extension reads `fields=-geometry` as an empty include (the default set).
struct FieldsSpec {
  std::optional<std::vector<std::string>> include;
  std::vector<std::string> exclude;
  bool operator==(const FieldsSpec&) const = default;
};

// GET: a comma-separated list; each name may start with '+' (include; a '+' that URL decoding
// turned into a space too) or '-' (exclude). Empty entries are skipped: `fields=` asks for
// the default set.
absl::StatusOr<FieldsSpec> ParseFieldsText(std::string_view text);
// POST: {"include": [...], "exclude": [...]}, each member optional, null or an array of
// field names.
absl::StatusOr<FieldsSpec> FieldsFromJson(const boost::json::value& value);

// The fields a document keeps when the request asks for its default set: `paths`, and also
// `paths_when_null` when the member at `null_path` is null or missing. With an include, it
// keeps `with_include` as well (what says what the document is), unless they are excluded.
struct DefaultFields {
  std::vector<std::string> paths;
  std::string null_path;
  std::vector<std::string> paths_when_null;
  std::vector<std::string> with_include;
};

// An Item's default set, the extension's: type, stac_version, id, geometry, bbox, links,
// assets and properties.datetime (its start_datetime and end_datetime when datetime is null),
// and collection, which a STAC Item with a collection link (every item this server returns
// has one) must carry to stay valid. With an include: type, stac_version, id and links (the
// extension asks to keep additions "to a minimum"; stac-api-validator expects these).
const DefaultFields& ItemDefaultFields();

// A FieldsSpec compiled into rules, applied to one document after another.
class FieldsFilter {
 public:
  FieldsFilter(const FieldsSpec& spec, const DefaultFields& defaults);
  ~FieldsFilter();
  FieldsFilter(FieldsFilter&&) noexcept;
  FieldsFilter& operator=(FieldsFilter&&) noexcept;

  // Appends the object `object_json` (the text of one valid JSON object) with only the
  // members the rules keep; an object that cannot be read is appended unchanged.
  void Append(std::string_view object_json, std::string& out) const;
  std::string Apply(std::string_view object_json) const;

  struct Node;

 private:
  const Node& RulesFor(std::string_view object_json) const;

  std::unique_ptr<Node> rules_;
  bool keep_rest_ = false;  // whether a member no rule names is kept (include missing)
  // The rules with the default set's paths_when_null as well; null unless the default set is
  // in use and has such paths.
  std::unique_ptr<Node> rules_when_null_;
  std::vector<std::string> null_path_;  // segments of DefaultFields::null_path
};

}  // namespace stacfed::search
