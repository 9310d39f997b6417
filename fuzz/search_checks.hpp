#pragma once
// What the server does with a search once it has parsed it (server/search/service.cpp), for
// the two search targets: the fingerprint, the page token, the SQL. No database: the SQL is
// built and checked, not run; a filter is translated against the built-in queryables.

#include <string_view>

#include "server/search/request.hpp"

namespace stacfed::fuzz {

void ExerciseSearch(search::SearchRequest request, std::string_view scope);

}  // namespace stacfed::fuzz
