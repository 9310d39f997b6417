#include <catch2/catch.hpp>

#include "libstac/base/strings.hpp"

TEST_CASE("JSON strings are escaped per RFC 8259", "[strings]") {
  CHECK(stacfed::JsonString("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
  CHECK(stacfed::JsonString("") == "\"\"");
  CHECK(stacfed::JsonString("plain run, then \t\r\b\f and \x1f") ==
        "\"plain run, then \\t\\r\\b\\f and \\u001f\"");
  CHECK(stacfed::JsonString("\"\"") == "\"\\\"\\\"\"");
  CHECK(stacfed::JsonString("caf\xc3\xa9 \x7f") == "\"caf\xc3\xa9 \x7f\"");  // UTF-8 and DEL pass
}

TEST_CASE("percent-encoding passes unreserved characters only", "[strings]") {
  CHECK(stacfed::PercentEncode("") == "");
  CHECK(stacfed::PercentEncode("CMIP6.ScenarioMIP-r1i1p1f1_gn~v2") == "CMIP6.ScenarioMIP-r1i1p1f1_gn~v2");
  CHECK(stacfed::PercentEncode("a b/c?d%\xc3\xa9") == "a%20b%2Fc%3Fd%25%C3%A9");
  std::string out = "x";
  stacfed::AppendPercentEncoded(out, "/");
  CHECK(out == "x%2F");
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

TEST_CASE("base64url encodes as RFC 4648 section 5, unpadded", "[strings]") {
  // The test vectors of RFC 4648 section 10, without '=', and the two characters that differ
  // from standard base64.
  CHECK(stacfed::Base64UrlEncode("f") == "Zg");
  CHECK(stacfed::Base64UrlEncode("fo") == "Zm8");
  CHECK(stacfed::Base64UrlEncode("foo") == "Zm9v");
  CHECK(stacfed::Base64UrlEncode("foob") == "Zm9vYg");
  CHECK(stacfed::Base64UrlEncode("fooba") == "Zm9vYmE");
  CHECK(stacfed::Base64UrlEncode("foobar") == "Zm9vYmFy");
  CHECK(stacfed::Base64UrlEncode("\xfb\xff") == "-_8");
}

TEST_CASE("UTF-8 is validated per RFC 3629 and repaired with U+FFFD", "[strings]") {
  using stacfed::IsValidUtf8;
  using stacfed::ToValidUtf8;
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8c\x8d"));
  for (const char* bad : {"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xc3", "a\xe2\x82", "\x80"}) {
    INFO(bad);
    CHECK_FALSE(IsValidUtf8(bad));
  }
  CHECK(ToValidUtf8("ok") == "ok");
  CHECK(ToValidUtf8("a\xff" "b") == "a\xef\xbf\xbd" "b");
  CHECK(ToValidUtf8("\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(IsValidUtf8(ToValidUtf8("\xc3(\xe2\x82\xa1\xff\xf0\x9f")));
}
