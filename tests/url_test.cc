// mock/url.h: the strict absolute-URI parser, redirect-URI matching (SPEC AUTHZ-2) and appending
// parameters to a redirect target.
#include "mock/url.h"

#include <gtest/gtest.h>

#include <string>

namespace chronapilot {
namespace {

TEST(ParseUri, SplitsAnHttpsUri) {
  auto uri = ParseUri("https://your-app.com/oauth/callback");
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(uri->scheme, "https");
  EXPECT_EQ(uri->userinfo, "");
  EXPECT_EQ(uri->host, "your-app.com");
  EXPECT_EQ(uri->port, "");
  EXPECT_EQ(uri->path, "/oauth/callback");
  EXPECT_FALSE(uri->has_query);
  EXPECT_FALSE(uri->has_fragment);
}

TEST(ParseUri, SplitsEveryPart) {
  auto uri = ParseUri("HTTP://user:pw@Example.COM:8080/a/b?x=1&y=2#frag");
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(uri->scheme, "http");  // lower-cased
  EXPECT_EQ(uri->userinfo, "user:pw");
  EXPECT_EQ(uri->host, "Example.COM");  // as written
  EXPECT_EQ(uri->port, "8080");
  EXPECT_EQ(uri->path, "/a/b");
  EXPECT_TRUE(uri->has_query);
  EXPECT_EQ(uri->query, "x=1&y=2");
  EXPECT_TRUE(uri->has_fragment);
  EXPECT_EQ(uri->PathAndQuery(), "/a/b?x=1&y=2");
}

TEST(ParseUri, AcceptsAnEmptyPathAndAnEmptyQuery) {
  auto bare = ParseUri("http://example.com");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->host, "example.com");
  EXPECT_EQ(bare->path, "");

  auto query_only = ParseUri("http://example.com?");
  ASSERT_TRUE(query_only.has_value());
  EXPECT_EQ(query_only->path, "");
  EXPECT_TRUE(query_only->has_query);
  EXPECT_EQ(query_only->query, "");
  EXPECT_EQ(query_only->PathAndQuery(), "?");
}

TEST(ParseUri, AcceptsIpv6LiteralsKeepingTheBrackets) {
  auto uri = ParseUri("http://[::1]:51234/callback");
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(uri->host, "[::1]");
  EXPECT_EQ(uri->port, "51234");
  EXPECT_EQ(uri->path, "/callback");
  EXPECT_TRUE(uri->IsLoopbackIpLiteral());

  auto no_port = ParseUri("http://[2001:db8::7]/x");
  ASSERT_TRUE(no_port.has_value());
  EXPECT_EQ(no_port->host, "[2001:db8::7]");
  EXPECT_EQ(no_port->port, "");
}

TEST(ParseUri, RefusesBrokenIpv6Literals) {
  EXPECT_FALSE(ParseUri("http://[::1/callback").has_value());    // no ']'
  EXPECT_FALSE(ParseUri("http://[::1]x/callback").has_value());  // junk after ']'
  EXPECT_FALSE(ParseUri("http://[::1]:/callback").has_value());  // empty port
  EXPECT_FALSE(ParseUri("http://[::1]:abc/callback").has_value());
}

TEST(ParseUri, AcceptsPrivateUseSchemes) {
  auto uri = ParseUri("com.example.app+v1-x://callback/path");
  ASSERT_TRUE(uri.has_value());
  EXPECT_EQ(uri->scheme, "com.example.app+v1-x");
  EXPECT_EQ(uri->host, "callback");
}

TEST(ParseUri, AcceptsPortBounds) {
  EXPECT_TRUE(ParseUri("http://h:0/").has_value());
  EXPECT_TRUE(ParseUri("http://h:65535/").has_value());
}

TEST(ParseUri, RefusesSpaces) {
  EXPECT_FALSE(ParseUri("https://your app.com/cb").has_value());
  EXPECT_FALSE(ParseUri("https://your-app.com/o auth").has_value());
  EXPECT_FALSE(ParseUri(" https://your-app.com/cb").has_value());
  EXPECT_FALSE(ParseUri("https://your-app.com/cb ").has_value());
}

TEST(ParseUri, RefusesControlCharacters) {
  for (const char* text :
       {"https://your-app.com/cb\r\nSet-Cookie: x=1", "https://a.com/cb\n", "https://a.com/\rcb",
        "https://a.com/\tcb", "https://a.com/\x01", "https://a.com/\x7f"}) {
    EXPECT_FALSE(ParseUri(text).has_value()) << text;
  }
  EXPECT_FALSE(ParseUri(std::string("https://a.com/\0x", 16)).has_value());
}

TEST(ParseUri, RefusesNonAsciiBytes) {
  EXPECT_FALSE(ParseUri("https://exämple.com/cb").has_value());
  EXPECT_FALSE(ParseUri("https://example.com/caf\xc3\xa9").has_value());
  EXPECT_FALSE(ParseUri("https://example.com/\xff").has_value());
}

TEST(ParseUri, RefusesRelativeReferencesAndMissingSchemes) {
  for (const char* text : {"", "/oauth/callback", "your-app.com/cb", "//your-app.com/cb",
                           "://your-app.com/cb", "1http://a.com/", "ht_tp://a.com/",
                           "mailto:someone@example.com", "https:/your-app.com/cb"}) {
    EXPECT_FALSE(ParseUri(text).has_value()) << '"' << text << '"';
  }
}

TEST(ParseUri, RefusesAnEmptyHost) {
  EXPECT_FALSE(ParseUri("http:///path").has_value());
  EXPECT_FALSE(ParseUri("http://:8080/path").has_value());
  EXPECT_FALSE(ParseUri("http://user@/path").has_value());
  EXPECT_FALSE(ParseUri("http://?x=1").has_value());
}

TEST(ParseUri, RefusesBadPorts) {
  for (const char* text : {"http://h:abc/", "http://h:/", "http://h:-1/", "http://h:65536/",
                           "http://h:123456/", "http://h:80x/", "http://h:+80/", "http://h:8:8/"}) {
    EXPECT_FALSE(ParseUri(text).has_value()) << text;
  }
}

// AUTHZ-2: a table of registered / given redirect URIs and whether they match.
struct RedirectCase {
  const char* registered;
  const char* given;
  bool matches;
  const char* why;
};

constexpr RedirectCase kRedirectCases[] = {
    // Exact string comparison, no leniency [RFC 6749 §3.1.2.3, RFC 9700 §4.1.3].
    {"https://your-app.com/oauth/callback", "https://your-app.com/oauth/callback", true, "exact"},
    {"https://your-app.com/oauth/callback", "https://your-app.com/oauth/callback/", false,
     "trailing slash added"},
    {"https://your-app.com/oauth/callback/", "https://your-app.com/oauth/callback", false,
     "trailing slash removed"},
    {"https://your-app.com/oauth/callback", "https://YOUR-APP.com/oauth/callback", false,
     "host case"},
    {"https://your-app.com/oauth/callback", "HTTPS://your-app.com/oauth/callback", false,
     "scheme case"},
    {"https://your-app.com/oauth/callback", "https://your-app.com/OAuth/callback", false,
     "path case"},
    {"https://your-app.com/oauth/callback", "https://your-app.com/oauth/callback?x=1", false,
     "extra query"},
    {"https://your-app.com/oauth/callback?a=1", "https://your-app.com/oauth/callback?a=1", true,
     "registered query, same"},
    {"https://your-app.com/oauth/callback?a=1", "https://your-app.com/oauth/callback?a=1&b=2",
     false, "registered query, more given"},
    {"https://your-app.com/oauth/callback", "https://your-app.com:443/oauth/callback", false,
     "default port spelled out"},
    {"https://your-app.com/oauth/callback", "https://your-app.com/oauth/%63allback", false,
     "percent-encoded variant"},
    {"https://your-app.com/oauth/callback", "https://your-app.com/oauth", false, "path prefix"},
    {"https://your-app.com/oauth/callback", "https://your-app.com.evil.example/oauth/callback",
     false, "host suffix"},
    // A fragment is never valid [RFC 6749 §3.1.2].
    {"https://your-app.com/oauth/callback", "https://your-app.com/oauth/callback#", false,
     "empty fragment"},
    {"https://your-app.com/oauth/callback", "https://your-app.com/oauth/callback#x", false,
     "fragment"},
    {"https://your-app.com/oauth/callback#x", "https://your-app.com/oauth/callback#x", false,
     "fragment on both sides"},
    // Loopback IP literals over http: any port [RFC 8252 §7.3].
    {"http://127.0.0.1/callback", "http://127.0.0.1/callback", true, "loopback, no port"},
    {"http://127.0.0.1/callback", "http://127.0.0.1:51234/callback", true, "loopback, port added"},
    {"http://127.0.0.1:8080/callback", "http://127.0.0.1:9999/callback", true,
     "loopback, other port"},
    {"http://127.0.0.1:8080/callback", "http://127.0.0.1/callback", true, "loopback, port removed"},
    {"http://[::1]/callback", "http://[::1]:4000/callback", true, "IPv6 loopback, port added"},
    {"http://[::1]:80/callback", "http://[::1]:4000/callback", true, "IPv6 loopback, other port"},
    {"http://127.0.0.1/cb?x=1", "http://127.0.0.1:5000/cb?x=1", true, "loopback with query"},
    {"http://127.0.0.1/callback", "http://127.0.0.1:51234/callback/", false,
     "loopback, trailing slash"},
    {"http://127.0.0.1/callback", "http://127.0.0.1:51234/other", false, "loopback, other path"},
    {"http://127.0.0.1/callback", "http://127.0.0.1:51234/Callback", false, "loopback, path case"},
    {"http://127.0.0.1/callback", "http://127.0.0.1:51234/callback?x=1", false,
     "loopback, extra query"},
    {"http://127.0.0.1/cb?x=1", "http://127.0.0.1:5000/cb?x=2", false, "loopback, other query"},
    {"http://127.0.0.1/callback", "http://127.0.0.1:51234/callback#x", false, "loopback, fragment"},
    {"http://127.0.0.1/callback", "http://127.0.0.1:abc/callback", false, "loopback, bad port"},
    {"http://127.0.0.1/callback", "http://[::1]:51234/callback", false, "other loopback address"},
    {"http://[::1]/callback", "http://127.0.0.1:51234/callback", false, "other loopback address"},
    {"http://127.0.0.1/callback", "http://127.0.0.2:51234/callback", false, "127.0.0.2"},
    {"http://127.0.0.1/callback", "http://user@127.0.0.1:51234/callback", false, "userinfo"},
    {"http://127.0.0.1/callback", "HTTP://127.0.0.1:51234/callback", false, "scheme case"},
    // Not for names, nor for https [RFC 8252 §8.3: "localhost" is NOT RECOMMENDED].
    {"http://localhost/callback", "http://localhost:51234/callback", false, "localhost"},
    {"http://localhost/callback", "http://localhost/callback", true, "localhost, exact"},
    {"https://127.0.0.1/callback", "https://127.0.0.1:51234/callback", false, "https loopback"},
    {"http://127.0.0.1/callback", "https://127.0.0.1:51234/callback", false,
     "http registered, https given"},
    {"https://your-app.com/oauth/callback", "https://your-app.com:8443/oauth/callback", false,
     "port on a non-loopback host"},
};

// AUTHZ-2
TEST(RedirectUriMatches, FollowsTheAuthz2Table) {
  for (const RedirectCase& c : kRedirectCases) {
    EXPECT_EQ(RedirectUriMatches(c.registered, c.given), c.matches)
        << c.why << ": registered " << c.registered << ", given " << c.given;
  }
}

// AUTHZ-2: the FIX-1 loopback registration, as a native app would use it.
TEST(RedirectUriMatches, Fix1LoopbackRegistrationTakesAnyPort) {
  for (int port : {1, 80, 1024, 49152, 65535}) {
    const std::string given = "http://127.0.0.1:" + std::to_string(port) + "/callback";
    EXPECT_TRUE(RedirectUriMatches("http://127.0.0.1/callback", given)) << given;
  }
}

TEST(AppendQuery, AddsAQuestionMarkWhenThereIsNoQuery) {
  EXPECT_EQ(AppendQuery("https://your-app.com/cb", {{"code", "cac_1"}, {"state", "s"}}),
            "https://your-app.com/cb?code=cac_1&state=s");
}

// RFC 6749 §3.1.2: the query component of the redirect URI "MUST be retained".
TEST(AppendQuery, KeepsAnExistingQuery) {
  EXPECT_EQ(AppendQuery("https://your-app.com/cb?tenant=7", {{"code", "cac_1"}}),
            "https://your-app.com/cb?tenant=7&code=cac_1");
}

TEST(AppendQuery, DoesNotDoubleSeparators) {
  EXPECT_EQ(AppendQuery("https://your-app.com/cb?", {{"code", "c"}}),
            "https://your-app.com/cb?code=c");
  EXPECT_EQ(AppendQuery("https://your-app.com/cb?a=1&", {{"code", "c"}}),
            "https://your-app.com/cb?a=1&code=c");
}

TEST(AppendQuery, EncodesValues) {
  EXPECT_EQ(AppendQuery("https://a.example/cb", {{"error_description", "bad scope: x&y"}}),
            "https://a.example/cb?error_description=bad+scope%3A+x%26y");
}

TEST(AppendQuery, LeavesTheUriAloneWithoutParameters) {
  EXPECT_EQ(AppendQuery("https://a.example/cb", {}), "https://a.example/cb");
  EXPECT_EQ(AppendQuery("https://a.example/cb?x=1", {}), "https://a.example/cb?x=1");
}

}  // namespace
}  // namespace chronapilot
