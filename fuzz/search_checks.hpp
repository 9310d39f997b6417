#pragma once
// What the server does with a search once it has parsed it (server/api/handlers.cpp,
// Search), for the two search targets: the fingerprint, the page token, the SQL and its
// cost class. No database: the SQL is built and checked, not run.

#include <string_view>

#include "server/api/search_request.hpp"

namespace stacfed::fuzz {

void ExerciseSearch(api::SearchRequest request, std::string_view scope);

}  // namespace stacfed::fuzz
