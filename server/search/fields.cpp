#include "server/search/fields.hpp"

#include <boost/json/parse.hpp>
#include <span>

#include "libstac/base/status_macros.hpp"
#include "libstac/base/strings.hpp"
#include "libstac/ingest/json_scan.hpp"
#include "server/search/request.hpp"

namespace stacfed::search {

namespace json = boost::json;

// One member name of a path and the rules below it.
struct FieldsFilter::Node {
  enum class Mark : unsigned char { kNone, kInclude, kExclude };

  std::string name;
  Mark mark = Mark::kNone;
  std::vector<Node> children;

  const Node* Find(std::string_view key) const {
    for (const Node& child : children) {
      if (child.name == key) return &child;
    }
    return nullptr;
  }
  Node& Child(std::string_view key) {
    for (Node& child : children) {
      if (child.name == key) return child;
    }
    Node& child = children.emplace_back();
    child.name = key;
    return child;
  }
};

namespace {

using Node = FieldsFilter::Node;
using Mark = Node::Mark;

constexpr size_t kMaxMessageBytes = 200;

absl::Status Invalid(std::string_view why) {
  return absl::InvalidArgumentError(StrCat("invalid 'fields': ", why));
}

// A field name: member names joined by dots, none empty.
absl::Status CheckPath(std::string_view path) {
  if (path.empty()) return Invalid("a field name is empty");
  if (path.size() > kMaxFieldPathBytes) {
    return Invalid(StrCat("a field name is longer than ", kMaxFieldPathBytes, " bytes"));
  }
  if (path.front() == '.' || path.back() == '.' || path.find("..") != std::string_view::npos) {
    return Invalid(StrCat("'", Excerpt(path, kMaxMessageBytes),
                          "' has an empty member name; a field is a dotted path such as "
                          "properties.eo:cloud_cover"));
  }
  return absl::OkStatus();
}

absl::Status CheckCount(const FieldsSpec& spec) {
  const size_t count = spec.exclude.size() + (spec.include ? spec.include->size() : 0);
  if (count > kMaxFields) return Invalid(StrCat("more than ", kMaxFields, " fields"));
  return absl::OkStatus();
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// A POST list: null (nullopt) or an array of field names.
absl::StatusOr<std::optional<std::vector<std::string>>> PathList(const json::value& v,
                                                                 std::string_view member) {
  if (v.is_null()) return std::optional<std::vector<std::string>>();
  const json::array* array = v.if_array();
  if (array == nullptr) {
    return Invalid(StrCat("'", member, "' must be an array of field names (strings)"));
  }
  if (array->size() > kMaxFields) return Invalid(StrCat("more than ", kMaxFields, " fields"));
  std::vector<std::string> paths;
  paths.reserve(array->size());
  for (const json::value& item : *array) {
    const json::string* text = item.if_string();
    if (text == nullptr) {
      return Invalid(StrCat("'", member, "' must be an array of field names (strings)"));
    }
    const std::string_view path(text->data(), text->size());
    STACFED_RETURN_IF_ERROR(CheckPath(path));
    paths.emplace_back(path);
  }
  return paths;
}

// Splits a checked path into its member names.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (size_t dot; (dot = path.find('.')) != std::string_view::npos; path.remove_prefix(dot + 1)) {
    out.push_back(path.substr(0, dot));
  }
  out.push_back(path);
  return out;
}

// Marks the node of `path`. An include is never overridden by an exclude of the same path
// (the extension's rule 6, which stac-api-validator checks).
void Insert(Node& root, std::string_view path, Mark mark) {
  Node* node = &root;
  for (std::string_view name : Segments(path)) node = &node->Child(name);
  if (mark == Mark::kInclude || node->mark != Mark::kInclude) node->mark = mark;
}

// Whether `path` is `ancestor` or lies below it.
bool IsAtOrBelow(std::string_view path, std::string_view ancestor) {
  return path.starts_with(ancestor) &&
         (path.size() == ancestor.size() || path[ancestor.size()] == '.');
}

bool Excluded(std::string_view path, const std::vector<std::string>& exclude) {
  for (const std::string& e : exclude) {
    if (IsAtOrBelow(path, e)) return true;
  }
  return false;
}

// The rules of `spec`. The default set, and what an include keeps besides (`with_include`),
// give way to every exclude at or above their paths ("DEFAULT except for ..."); an explicit
// include wins over the same path excluded.
std::unique_ptr<Node> BuildRules(const FieldsSpec& spec, std::span<const std::string> defaults,
                                 std::span<const std::string> with_include = {}) {
  auto root = std::make_unique<Node>();
  if (spec.include && !spec.include->empty()) {
    for (const std::string& path : *spec.include) Insert(*root, path, Mark::kInclude);
    for (const std::string& path : with_include) {
      if (!Excluded(path, spec.exclude)) Insert(*root, path, Mark::kInclude);
    }
  } else {
    for (const std::string& path : defaults) {
      if (!Excluded(path, spec.exclude)) Insert(*root, path, Mark::kInclude);
    }
  }
  for (const std::string& path : spec.exclude) Insert(*root, path, Mark::kExclude);
  return root;
}

// A member's name, its escapes decoded (into `storage`) when it has any.
std::string_view KeyOf(const ingest::Member& member, std::string& storage) {
  if (!member.escaped_key) return member.key;
  json::error_code ec;
  const json::value decoded = json::parse(StrCat("\"", member.key, "\""), ec);
  if (ec || !decoded.is_string()) return member.key;
  storage.assign(decoded.get_string().data(), decoded.get_string().size());
  return storage;
}

// Appends the object at s[pos] with the members `node` keeps, each as written; `keep_rest`:
// whether a member that no rule names is kept. Returns whether it kept any member; nullopt
// (and appends nothing) when no object can be read at `pos`.
std::optional<bool> AppendObject(std::string_view s, size_t pos, const Node& node, bool keep_rest,
                                 std::string& out) {
  std::vector<ingest::Member> members;
  if (ingest::ObjectMembers(s, pos, members) == std::string_view::npos) return std::nullopt;
  out += '{';
  bool any = false;
  std::string storage;
  for (const ingest::Member& member : members) {
    const Node* rule = node.Find(KeyOf(member, storage));
    const bool keep = rule != nullptr && rule->mark != Mark::kNone ? rule->mark == Mark::kInclude
                                                                   : keep_rest;
    if (rule != nullptr && !rule->children.empty() && s[member.value.begin] == '{') {
      // More specific rules below: the member is kept with what they keep of it, or, when it
      // is not kept as a whole, only if they keep something.
      const size_t before = out.size();
      if (any) out += ',';
      out += s.substr(member.whole.begin, member.value.begin - member.whole.begin);
      const std::optional<bool> kept = AppendObject(s, member.value.begin, *rule, keep, out);
      if (kept.has_value() && (*kept || keep)) {
        any = true;
        continue;
      }
      out.resize(before);
      if (kept.has_value()) continue;
    }
    if (!keep) continue;
    if (any) out += ',';
    out += s.substr(member.whole.begin, member.whole.end - member.whole.begin);
    any = true;
  }
  out += '}';
  return any;
}

size_t SkipSpaces(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) {
    ++pos;
  }
  return pos;
}

// Whether the member at `path` of the object `s` is null or missing.
bool NullOrMissing(std::string_view s, const std::vector<std::string>& path) {
  for (const std::string& name : path) {
    const std::optional<ingest::Span> value = ingest::TopLevelValue(s, name);
    if (!value) return true;
    s = s.substr(value->begin, value->end - value->begin);
  }
  return s == "null";
}

}  // namespace

absl::StatusOr<FieldsSpec> ParseFieldsText(std::string_view text) {
  FieldsSpec spec;
  spec.include.emplace();
  for (const std::string& entry : SplitList(text)) {
    // A '+' sent unencoded arrives as a space; spaces around a name are never part of it.
    std::string_view name = TrimSpaces(entry);
    if (name.empty()) continue;
    const bool exclude = name.front() == '-';
    if (exclude || name.front() == '+') name.remove_prefix(1);
    if (name.empty()) {
      return Invalid(StrCat("'", Excerpt(entry, kMaxMessageBytes), "' names no field; write a field after '+' or '-'"));
    }
    STACFED_RETURN_IF_ERROR(CheckPath(name));
    (exclude ? spec.exclude : *spec.include).emplace_back(name);
    STACFED_RETURN_IF_ERROR(CheckCount(spec));
  }
  return spec;
}

absl::StatusOr<FieldsSpec> FieldsFromJson(const json::value& value) {
  const json::object* object = value.if_object();
  if (object == nullptr) {
    return Invalid("expected an object such as {\"include\": [\"id\", \"properties.datetime\"], "
                   "\"exclude\": [\"geometry\"]}");
  }
  FieldsSpec spec;
  for (const auto& [key, member] : *object) {
    const std::string_view name(key.data(), key.size());
    if (name == "include") {
      STACFED_ASSIGN_OR_RETURN(spec.include, PathList(member, name));
      // null is not missing: the extension reads it as empty (the default set).
      if (!spec.include) spec.include.emplace();
    } else if (name == "exclude") {
      STACFED_ASSIGN_OR_RETURN(std::optional<std::vector<std::string>> exclude,
                               PathList(member, name));
      if (exclude) spec.exclude = *std::move(exclude);
    } else {
      return Invalid(StrCat("unknown member '", Excerpt(name, kMaxMessageBytes),
                            "'; expected include and exclude"));
    }
  }
  STACFED_RETURN_IF_ERROR(CheckCount(spec));
  return spec;
}

const DefaultFields& ItemDefaultFields() {
  static const DefaultFields fields{
      .paths = {"type", "stac_version", "id", "geometry", "bbox", "links", "assets",
                "properties.datetime", "collection"},
      .null_path = "properties.datetime",
      .paths_when_null = {"properties.start_datetime", "properties.end_datetime"},
      .with_include = {"type", "stac_version", "id", "links"},
  };
  return fields;
}

FieldsFilter::FieldsFilter(const FieldsSpec& spec, const DefaultFields& defaults) {
  const bool include_given = spec.include && !spec.include->empty();
  // Include missing but fields excluded: everything else. Nothing given at all (`{}`,
  // `fields=`) is the default set, as are an empty include and GET's excludes alone.
  keep_rest_ = !spec.include && !spec.exclude.empty();
  const bool default_set = !include_given && !keep_rest_;
  rules_ = BuildRules(spec, default_set ? std::span(defaults.paths) : std::span<const std::string>(),
                      defaults.with_include);
  if (default_set && !defaults.paths_when_null.empty()) {
    std::vector<std::string> paths = defaults.paths;
    paths.insert(paths.end(), defaults.paths_when_null.begin(), defaults.paths_when_null.end());
    rules_when_null_ = BuildRules(spec, paths);
    for (std::string_view name : Segments(defaults.null_path)) null_path_.emplace_back(name);
  }
}

FieldsFilter::~FieldsFilter() = default;
FieldsFilter::FieldsFilter(FieldsFilter&&) noexcept = default;
FieldsFilter& FieldsFilter::operator=(FieldsFilter&&) noexcept = default;

const FieldsFilter::Node& FieldsFilter::RulesFor(std::string_view object_json) const {
  if (rules_when_null_ && NullOrMissing(object_json.substr(SkipSpaces(object_json)), null_path_)) {
    return *rules_when_null_;
  }
  return *rules_;
}

void FieldsFilter::Append(std::string_view object_json, std::string& out) const {
  const size_t size = out.size();
  const std::optional<bool> kept =
      AppendObject(object_json, SkipSpaces(object_json), RulesFor(object_json), keep_rest_, out);
  if (!kept.has_value()) {
    out.resize(size);
    out += object_json;
  }
}

std::string FieldsFilter::Apply(std::string_view object_json) const {
  std::string out;
  out.reserve(object_json.size());
  Append(object_json, out);
  return out;
}

}  // namespace stacfed::search
