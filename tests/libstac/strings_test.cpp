#include <catch2/catch.hpp>

#include "libstac/base/strings.hpp"

TEST_CASE("JSON strings are escaped per RFC 8259", "[strings]") {
  CHECK(stacfed::JsonString("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST_CASE("base64url round-trips any bytes", "[strings]") {
  for (std::string bytes : std::initializer_list<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    std::string decoded;
    REQUIRE(stacfed::Base64UrlDecode(stacfed::Base64UrlEncode(bytes), decoded));
    CHECK(decoded == bytes);
  }
  std::string out;
  CHECK_FALSE(stacfed::Base64UrlDecode("ab$c", out));
}
