#include "fuzz/search_checks.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <string>
#include <utility>

#include "fuzz/fuzz_check.hpp"
#include "server/search/fields.hpp"
#include "server/search/queryables.hpp"
#include "server/search/service.hpp"

namespace stacfed::fuzz {
namespace {

// The highest bind parameter ($N) that `sql` refers to.
int HighestParameter(std::string_view sql) {
  int highest = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$') continue;
    int number = 0;
    while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      number = number * 10 + (sql[++i] - '0');
    }
    highest = std::max(highest, number);
  }
  return highest;
}

// A statement is run with exactly the parameters it refers to (PostgreSQL refuses a bind
// message with more or fewer), and no value is ever spliced into the text.
void CheckStatement(const search::Statement& statement, const std::vector<pg::Param>& params) {
  FUZZ_CHECK(!statement.sql.empty());
  FUZZ_CHECK(!statement.name.empty());
  FUZZ_CHECK(HighestParameter(statement.sql) == int(params.size()));
}

void CheckQuery(const search::SearchRequest& request) {
  static const search::Queryables queryables = search::Queryables::Builtin();
  search::SearchContext context;
  context.queryables = &queryables;
  auto query = search::BuildSearchQuery(request, context, search::kDefaultCountLimit);
  if (!query.ok()) {
    // A filter naming properties the built-in queryables lack, or of the wrong type: a 400.
    FUZZ_CHECK(request.filter.has_value() && absl::IsInvalidArgument(query.status()));
    return;
  }
  CheckStatement(query->page, query->params);
  if (request.token) {
    FUZZ_CHECK(query->count.sql.empty());  // later pages take the count from the token
  } else {
    CheckStatement(query->count, query->count_params);
  }
}

// An item as the server writes it (generated links, then stored members, pretty-printed as
// stored), with escaped keys, arrays of objects and a null datetime.
constexpr std::string_view kItem =
    R"({"links":[{"rel":"self","href":"h"}],"type": "Feature", "id": "i",)"
    "\n \"geometry\": {\"type\": \"Point\", \"coordinates\": [1.50, -2e1]},"
    R"( "properties": {"datetime": null, "start_datetime": "2020-01-01T00:00:00Z", "a\u002eb": 1,)"
    R"( "n": {"m": {"k": [ {"x": 1} ]}, "e": {}}}, "assets": {"d": {"href": "x", "r": ["a"]}}})";

// Fields, whatever they name, leave a JSON object of members the item had (written no longer
// than they were), and choose the same from their own result.
void CheckFields(const search::FieldsSpec& spec) {
  const search::FieldsFilter filter(spec, search::ItemDefaultFields());
  const std::string once = filter.Apply(kItem);
  boost::json::error_code ec;
  const boost::json::value parsed = boost::json::parse(once, ec);
  FUZZ_CHECK(!ec && parsed.is_object());
  FUZZ_CHECK(once.size() <= kItem.size());
  FUZZ_CHECK(filter.Apply(once) == once);
}

}  // namespace

void ExerciseSearch(search::SearchRequest request, std::string_view scope) {
  // Any key will do: a token from the input bytes is almost never signed with it, and the
  // round trip below signs its own.
  static const search::TokenSigner signer(std::string(32, 'k'));
  const std::string fingerprint = search::SearchFingerprint(request, scope);
  FUZZ_CHECK(fingerprint.size() == 16);
  FUZZ_CHECK(search::SearchFingerprint(request, scope) == fingerprint);
  const bool resolved = search::ResolveToken(request, fingerprint, signer).ok();
  FUZZ_CHECK(resolved == !request.token_text.has_value());
  CheckQuery(request);
  if (request.fields) CheckFields(*request.fields);
  if (request.token) return;

  // A token this installation signed, holding values of the input (any bytes in the
  // collection and id): it must come back exactly as it went, and only for its own search.
  search::PageToken token;
  token.direction = request.limit % 2 == 0 ? search::PageToken::Direction::kNext
                                           : search::PageToken::Direction::kPrev;
  const Micros time =
      request.datetime ? request.datetime->start.value_or(request.datetime->end.value_or(0)) : 0;
  token.keys = {std::to_string(time),
                request.collections.empty() ? std::string() : request.collections.front(),
                request.ids.empty() ? std::string() : request.ids.back()};
  if (request.limit > 1) token.matched = request.limit * int64_t{1000003};
  token.search = fingerprint;
  const std::string text = signer.Encode(token);

  search::SearchRequest other_search = request;
  other_search.token_text = text;
  FUZZ_CHECK(!search::ResolveToken(other_search, search::SearchFingerprint(request, "/other"), signer)
                  .ok());
  FUZZ_CHECK(!search::ResolveToken(other_search, fingerprint, search::TokenSigner("another key")).ok());

  request.token_text = text;
  FUZZ_CHECK(search::ResolveToken(request, fingerprint, signer).ok());
  FUZZ_CHECK(!request.token_text.has_value());
  FUZZ_CHECK(request.token.has_value() && *request.token == token);
  CheckQuery(request);
}

}  // namespace stacfed::fuzz
