#pragma once
// Starts tests/crawler/fake_upstream.py on 127.0.0.1 (an ephemeral port) for the lifetime
// of the object. See the script for its routes and fault injection.

#include <sys/types.h>

#include <string>

namespace stacfed::testing {

class FakeUpstream {
 public:
  FakeUpstream();   // aborts the test program when the server cannot start
  ~FakeUpstream();  // stops it
  FakeUpstream(const FakeUpstream&) = delete;
  FakeUpstream& operator=(const FakeUpstream&) = delete;

  // "http://127.0.0.1:PORT" (no trailing slash).
  const std::string& base() const { return base_; }
  std::string Url(const std::string& path) const { return base_ + path; }

 private:
  pid_t pid_ = -1;
  std::string base_;
};

// The folder of this test area in the source tree (fixtures, the fake upstream script).
std::string CrawlerTestDir();

}  // namespace stacfed::testing
