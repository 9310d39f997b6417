#pragma once
// Real PostgreSQL for tests. deploy/test.sh starts one throwaway cluster for the whole run
// and exports STACFED_TEST_PG_HOME/STACFED_TEST_PG_PORT; a test program run on its own starts
// its own cluster in a temporary folder and removes it at exit. Every TestDatabase is a fresh
// database cloned from a migrated template, so tests never see each other's rows.

#include <string>

namespace stacfed::testing {

class TestDatabase {
 public:
  TestDatabase();   // creates the database (aborts the test program if it cannot)
  ~TestDatabase();  // drops it
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string url_;
};

// libpq URL of the cluster's maintenance database (for CREATE/DROP DATABASE).
std::string TestClusterAdminUrl();

}  // namespace stacfed::testing
