// The authorization endpoint over real HTTP (SPEC §2, AUTHZ-1..AUTHZ-6): which requests may not
// redirect at all (AUTHZ-2), which redirect back with an error (AUTHZ-3), the consent page and its
// decision (AUTHZ-4), headless consent (AUTHZ-5), and what an authorization code is bound to
// (AUTHZ-6), checked at the token endpoint. Malformed input must end in a 4xx, never a 500 or a
// dead server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <optional>
#include <thread>

#include "mock/text.h"
#include "tests/test_support.h"

namespace chronapilot {
extern const char* const kDefaultFixturesYaml;  // mock/default_fixtures.cc, from fixtures/
}  // namespace chronapilot

namespace chronapilot::testing {
namespace {

constexpr char kDecisionPath[] = "/oauth/authorize/decision";
constexpr char kGlobexRedirect[] = "https://globex.example/cb";

// A minimal HTTP/1.1 client over a plain socket. The tests read redirects through it because
// cpp-httplib's client percent-decodes the Location header it receives (0.11: Location and
// Referer), which would hide how the mock encoded `state`, `error_description` and `iss`.
struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  size_t header_count(const std::string& name) const {
    size_t n = 0;
    for (const auto& [k, v] : headers) n += EqualsIgnoreCase(k, name);
    return n;
  }
  bool has_header(const std::string& name) const { return header_count(name) > 0; }
  std::string get_header_value(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  }
};
using RawResult = std::optional<RawResponse>;

RawResult RawHttp(int port, const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& content_type = "",
                  const httplib::Headers& headers = {}) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  std::string request = method + " " + target +
                        " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  if (!content_type.empty()) request += "Content-Type: " + content_type + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += size_t(n);
  }
  // Read until the body announced by Content-Length is in: after a request it could not parse
  // (414) the server keeps the connection open, so end of stream may be seconds away.
  std::string raw;
  char buf[16384];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    raw.append(buf, size_t(n));
    const size_t end = raw.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::string head = ToLower(raw.substr(0, end));
    const size_t cl = head.find("\r\ncontent-length:");
    const size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 17));
    if (method == "HEAD" || raw.size() >= end + 4 + length) break;
  }
  ::close(fd);

  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 9, "HTTP/1.1 ") != 0) return std::nullopt;
  RawResponse res;
  res.status = std::atoi(raw.c_str() + 9);
  res.body = raw.substr(head_end + 4);
  size_t line = raw.find("\r\n") + 2;
  while (line < head_end) {
    const size_t end = raw.find("\r\n", line);
    const std::string header = raw.substr(line, end - line);
    const size_t colon = header.find(':');
    if (colon != std::string::npos) {
      res.headers.emplace_back(header.substr(0, colon),
                               std::string(Trim(header.substr(colon + 1))));
    }
    line = end + 2;
  }
  return res;
}

// Every value of query parameter `name` in `url`, decoded; empty when absent.
std::vector<std::string> QueryValues(const std::string& url, const std::string& name) {
  std::vector<std::string> out;
  const size_t q = url.find('?');
  if (q == std::string::npos) return out;
  auto form = Form::Parse(url.substr(q + 1), "query");
  EXPECT_TRUE(form.ok()) << "unparseable query in " << url;
  if (!form.ok()) return out;
  for (const auto& [k, v] : form->pairs()) {
    if (k == name) out.push_back(v);
  }
  return out;
}

bool Prefixed(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Counts non-overlapping occurrences of `needle` in `haystack`.
size_t CountOf(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// A running mock, a client for it and a fresh PKCE pair; the helpers walk the endpoint the way a
// browser would.
class AuthorizeTest : public ::testing::Test {
 protected:
  explicit AuthorizeTest(Options options = Options())
      : server_(std::move(options)), client_(server_.Client()), pkce_(Pkce::Make()) {}

  RawResult Raw(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "", const httplib::Headers& headers = {}) {
    return RawHttp(server_.port(), method, target, body, content_type, headers);
  }
  RawResult Get(const Form::Pairs& params, const httplib::Headers& headers = {}) {
    return Raw("GET", "/oauth/authorize?" + Form::Encode(params), "", "", headers);
  }
  RawResult GetRaw(const std::string& query) { return Raw("GET", "/oauth/authorize?" + query); }
  RawResult PostDecision(const Form::Pairs& form, const httplib::Headers& headers = {}) {
    return Raw("POST", kDecisionPath, Form::Encode(form), "application/x-www-form-urlencoded",
               headers);
  }

  // AUTHZ-2: 400, an HTML page naming `code`, and above all no redirect.
  void ExpectErrorPage(const RawResult& res, const std::string& code) {
    ASSERT_TRUE(res) << "no answer";
    EXPECT_EQ(res->status, 400) << res->body;
    EXPECT_FALSE(res->has_header("Location")) << res->get_header_value("Location");
    EXPECT_TRUE(Prefixed(res->get_header_value("Content-Type"), "text/html"))
        << res->get_header_value("Content-Type");
    EXPECT_NE(res->body.find("<code>" + code + "</code>"), std::string::npos) << res->body;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    ExpectAlive();
  }

  // AUTHZ-3: 302 to `redirect_uri` with error, a description, state when given, iss, no code.
  void ExpectErrorRedirect(const RawResult& res, const std::string& error,
                           const std::optional<std::string>& state,
                           const std::string& redirect_uri = kRedirect) {
    ASSERT_TRUE(res) << "no answer";
    ASSERT_EQ(res->status, 302) << res->body;
    const std::string location = res->get_header_value("Location");
    EXPECT_TRUE(Prefixed(location, redirect_uri + "?")) << location;
    EXPECT_EQ(QueryValues(location, "error"), std::vector<std::string>{error}) << location;
    const auto description = QueryValues(location, "error_description");
    ASSERT_EQ(description.size(), 1u) << location;
    EXPECT_FALSE(description[0].empty());
    if (state) {
      EXPECT_EQ(QueryValues(location, "state"), std::vector<std::string>{*state}) << location;
    } else {
      EXPECT_TRUE(QueryValues(location, "state").empty()) << location;
    }
    EXPECT_EQ(QueryValues(location, "iss"), std::vector<std::string>{Issuer()}) << location;
    EXPECT_TRUE(QueryValues(location, "code").empty()) << location;
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    ExpectAlive();
  }

  // GET /oauth/authorize, expecting the consent page; returns its consent id.
  std::string OpenConsent(const Form::Pairs& params) {
    auto res = Get(params);
    EXPECT_TRUE(res) << "no answer";
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << res->get_header_value("Location") << res->body;
    const std::string id = ConsentIdFrom(res->body);
    EXPECT_FALSE(id.empty()) << res->body;
    return id;
  }

  RawResult Decide(const std::string& consent_id, const std::string& decision,
                   const std::string& login, const std::vector<std::string>& scopes) {
    Form::Pairs form = {{"consent_id", consent_id}, {"decision", decision}, {"login", login}};
    for (const std::string& s : scopes) form.emplace_back("scope", s);
    return PostDecision(form);
  }

  // Approves the consent and returns the code from the redirect ("" on failure).
  std::string Allow(const std::string& consent_id, const std::string& login,
                    const std::vector<std::string>& scopes) {
    auto res = Decide(consent_id, "allow", login, scopes);
    EXPECT_TRUE(res) << "no answer";
    if (!res) return "";
    EXPECT_EQ(res->status, 302) << res->body;
    const auto code = QueryValues(res->get_header_value("Location"), "code");
    return code.empty() ? "" : code[0];
  }

  TokenResult Exchange(const std::string& code, const std::string& verifier,
                       const std::string& redirect_uri = kRedirect,
                       const std::string& client_id = kPublicClient) {
    Form::Pairs form = {{"grant_type", "authorization_code"}, {"code", code}};
    if (!redirect_uri.empty()) form.emplace_back("redirect_uri", redirect_uri);
    if (!verifier.empty()) form.emplace_back("code_verifier", verifier);
    form.emplace_back("client_id", client_id);
    return PostToken(*client_, form);
  }

  // The account a full public-client flow connects `login` to.
  std::string AccountFor(const std::string& login) {
    TokenResult tokens = PublicClientTokens(*client_, login);
    EXPECT_EQ(tokens.status, 200) << tokens.body.dump();
    return tokens.body.value("connected_account_id", "");
  }

  void ExpectAlive() {
    auto res = client_->Get("/healthz");
    ASSERT_TRUE(res) << "the mock stopped answering";
    EXPECT_EQ(res->status, 200);
  }

  virtual std::string Issuer() const { return server_.url(); }

  MockServer server_;
  std::unique_ptr<httplib::Client> client_;
  Pkce pkce_;
};

void ExpectInvalidGrant(const TokenResult& result) {
  EXPECT_EQ(result.status, 400) << result.body.dump();
  EXPECT_EQ(result.body.value("error", ""), "invalid_grant") << result.body.dump();
}

// --- AUTHZ-1: parameters -------------------------------------------------------------------------

class AuthorizeParameters : public AuthorizeTest {};

// AUTHZ-1
TEST_F(AuthorizeParameters, SeedAuthorizeUrlVerbatimShowsConsent) {
  // The seed's URL as written there: unencoded "://" and '+' between the scopes.
  auto res = GetRaw(
      "client_id=cli_4eC39HqLyjWDarjtT1zdp7dc&redirect_uri=https://your-app.com/oauth/callback"
      "&response_type=code&scope=events:read+events:write+calendars:read+webhooks:manage"
      "&state=xyz&code_challenge=" +
      pkce_.challenge + "&code_challenge_method=S256");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->get_header_value("Location");
  EXPECT_EQ(CountOf(res->body, "type=\"checkbox\""), 4u);
}

// AUTHZ-1
TEST_F(AuthorizeParameters, UnknownParametersAreIgnored) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_, {{"prompt", "consent"}, {"x", "1"}}));
  EXPECT_FALSE(Allow(id, "alice@example.com", {"events:read"}).empty());
}

// AUTHZ-1
TEST_F(AuthorizeParameters, EmptyStateCountsAsOmitted) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_, {{"state", ""}}));
  auto res = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302);
  const std::string location = res->get_header_value("Location");
  EXPECT_TRUE(QueryValues(location, "state").empty()) << location;
  EXPECT_EQ(QueryValues(location, "code").size(), 1u) << location;
}

// AUTHZ-1
TEST_F(AuthorizeParameters, StateWithReservedCharactersRoundTrips) {
  const std::string state = "a b+c&d=e/f?g#h%25i~";
  const std::string id = OpenConsent(AuthorizeParams(pkce_, {{"state", state}}));
  auto res = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302);
  EXPECT_EQ(QueryValues(res->get_header_value("Location"), "state"),
            std::vector<std::string>{state});
}

// AUTHZ-1
TEST_F(AuthorizeParameters, OmittedRedirectUriUsesTheSingleRegisteredOne) {
  // Globex's client has exactly one redirect URI.
  Form::Pairs params = {{"client_id", kGlobexClient},
                        {"response_type", "code"},
                        {"scope", "events:read"},
                        {"state", "g1"},
                        {"code_challenge", pkce_.challenge},
                        {"code_challenge_method", "S256"}};
  auto page = Get(params);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->body.find("Globex"), std::string::npos);
  auto res = Decide(ConsentIdFrom(page->body), "allow", "carol@example.com", {"events:read"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302);
  const std::string location = res->get_header_value("Location");
  EXPECT_TRUE(Prefixed(location, std::string(kGlobexRedirect) + "?code=cac_")) << location;
  // The request had no redirect_uri, so the token request need not repeat it (TOKEN-3).
  TokenResult tokens =
      Exchange(QueryValues(location, "code")[0], pkce_.verifier, "", kGlobexClient);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["connected_account_id"], "cpa_carolGlobex0001");
}

// AUTHZ-1
TEST_F(AuthorizeParameters, OmittedRedirectUriWithSeveralRegisteredIsAnErrorPage) {
  ExpectErrorPage(Get(Without(AuthorizeParams(pkce_), "redirect_uri")), "invalid_request");
}

// AUTHZ-1
TEST_F(AuthorizeParameters, OmittedRedirectUriErrorsGoToTheSingleRegisteredOne) {
  ExpectErrorRedirect(Get({{"client_id", kGlobexClient},
                           {"response_type", "token"},
                           {"scope", "events:read"},
                           {"state", "g2"}}),
                      "unsupported_response_type", "g2", kGlobexRedirect);
}

// --- AUTHZ-2: no redirect for an unknown client or redirect URI ----------------------------------

class AuthorizeNoRedirect : public AuthorizeTest {};

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, MissingClientIdIsAnErrorPage) {
  ExpectErrorPage(Get(Without(AuthorizeParams(pkce_), "client_id")), "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, EmptyClientIdIsAnErrorPage) {
  ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"client_id", ""}})), "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, UnknownClientIdIsAnErrorPage) {
  ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"client_id", "cli_doesNotExist000000000"}})),
                  "invalid_client");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, ClientIdDifferingInCaseIsUnknown) {
  ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"client_id", "CLI_4eC39HqLyjWDarjtT1zdp7dc"}})),
                  "invalid_client");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, DuplicatedClientIdIsAnErrorPage) {
  Form::Pairs params = AuthorizeParams(pkce_);
  params.emplace_back("client_id", kPublicClient);
  ExpectErrorPage(Get(params), "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, UnknownClientWinsOverOtherErrors) {
  // Even with a bad response_type, an unknown client must not be redirected anywhere.
  ExpectErrorPage(
      Get(AuthorizeParams(pkce_, {{"client_id", "cli_nobody"}, {"response_type", "x"}})),
      "invalid_client");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, UnregisteredRedirectUriIsNotRedirected) {
  ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"redirect_uri", "https://evil.example/callback"}})),
                  "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, UnregisteredRedirectUriWinsOverOtherErrors) {
  ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"redirect_uri", "https://evil.example/callback"},
                                              {"scope", "admin"},
                                              {"response_type", "token"}})),
                  "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, RedirectUriOfAnotherClientIsNotRedirected) {
  ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"redirect_uri", kGlobexRedirect}})),
                  "invalid_request");
  // The confidential client did not register the loopback URI its sibling did.
  ExpectErrorPage(Get({{"client_id", kConfidentialClient},
                       {"redirect_uri", "http://127.0.0.1:5000/callback"},
                       {"response_type", "code"},
                       {"scope", "events:read"}}),
                  "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, RedirectUriWithTrailingSlashIsNotRedirected) {
  ExpectErrorPage(
      Get(AuthorizeParams(pkce_, {{"redirect_uri", "https://your-app.com/oauth/callback/"}})),
      "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, RedirectUriDifferingInCaseIsNotRedirected) {
  for (const char* uri :
       {"https://your-app.com/OAuth/callback", "https://YOUR-APP.com/oauth/callback",
        "HTTPS://your-app.com/oauth/callback"}) {
    SCOPED_TRACE(uri);
    ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"redirect_uri", uri}})), "invalid_request");
  }
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, RedirectUriWithExtraQueryIsNotRedirected) {
  for (const char* uri :
       {"https://your-app.com/oauth/callback?next=1", "https://your-app.com/oauth/callback?"}) {
    SCOPED_TRACE(uri);
    ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"redirect_uri", uri}})), "invalid_request");
  }
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, RedirectUriWithFragmentIsNotRedirected) {
  for (const char* uri :
       {"https://your-app.com/oauth/callback#frag", "https://your-app.com/oauth/callback#",
        "http://127.0.0.1:5000/callback#x"}) {
    SCOPED_TRACE(uri);
    ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"redirect_uri", uri}})), "invalid_request");
  }
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, RedirectUriWithCrLfIsNotRedirected) {
  auto res = Get(AuthorizeParams(
      pkce_, {{"redirect_uri", "https://your-app.com/oauth/callback\r\nSet-Cookie: pwned=1"}}));
  ExpectErrorPage(res, "invalid_request");
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->has_header("Set-Cookie"));
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, DuplicatedRedirectUriIsNotRedirected) {
  Form::Pairs params = AuthorizeParams(pkce_);
  params.emplace_back("redirect_uri", kRedirect);  // even the same registered value twice
  ExpectErrorPage(Get(params), "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, ErrorIsJsonWhenAcceptAsksForJson) {
  auto res =
      Get(AuthorizeParams(pkce_, {{"client_id", "cli_nobody"}}), {{"Accept", "application/json"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_FALSE(res->has_header("Location"));
  EXPECT_TRUE(Prefixed(res->get_header_value("Content-Type"), "application/json"))
      << res->get_header_value("Content-Type");
  Json body = ParseJson(res->body);
  EXPECT_EQ(body.value("error", ""), "invalid_client");
  EXPECT_FALSE(body.value("error_description", "").empty());
  EXPECT_EQ(body.size(), 2u) << body.dump();

  auto uri = Get(AuthorizeParams(pkce_, {{"redirect_uri", "https://evil.example/cb"}}),
                 {{"Accept", "text/html;q=0.5, application/json"}});
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->status, 400);
  EXPECT_FALSE(uri->has_header("Location"));
  EXPECT_EQ(ParseJson(uri->body).value("error", ""), "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, ErrorIsHtmlWhenAcceptAsksForHtml) {
  auto res = Get(AuthorizeParams(pkce_, {{"client_id", "cli_nobody"}}),
                 {{"Accept", "text/html,application/xhtml+xml"}});
  ExpectErrorPage(res, "invalid_client");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("<!doctype html>"), std::string::npos);
}

// AUTHZ-2
TEST_F(AuthorizeNoRedirect, ErrorPageEscapesWhatTheRequestSent) {
  auto res = Get(AuthorizeParams(pkce_, {{"client_id", "<script>alert(1)</script>"}}));
  ExpectErrorPage(res, "invalid_client");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.find("<script>"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("&lt;script&gt;"), std::string::npos) << res->body;
  auto uri = Get(AuthorizeParams(pkce_, {{"redirect_uri", "https://x.example/\"><img src=x>"}}));
  ExpectErrorPage(uri, "invalid_request");
  ASSERT_TRUE(uri);
  EXPECT_EQ(uri->body.find("<img"), std::string::npos) << uri->body;
}

class AuthorizeLoopback : public AuthorizeTest {};

// AUTHZ-2
TEST_F(AuthorizeLoopback, AnyPortMatchesTheLoopbackRegistration) {
  for (const char* uri : {"http://127.0.0.1:49152/callback", "http://127.0.0.1:1/callback",
                          "http://127.0.0.1:65535/callback", "http://127.0.0.1/callback"}) {
    SCOPED_TRACE(uri);
    auto res = Get(AuthorizeParams(pkce_, {{"redirect_uri", uri}}));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_FALSE(ConsentIdFrom(res->body).empty());
  }
}

// AUTHZ-2
TEST_F(AuthorizeLoopback, ApprovalRedirectsToTheExactPortGiven) {
  const std::string uri = "http://127.0.0.1:53117/callback";
  const std::string id = OpenConsent(AuthorizeParams(pkce_, {{"redirect_uri", uri}}));
  auto res = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302);
  EXPECT_TRUE(Prefixed(res->get_header_value("Location"), uri + "?code=cac_"))
      << res->get_header_value("Location");
}

// AUTHZ-2
TEST_F(AuthorizeLoopback, LoopbackErrorsRedirectToTheGivenPort) {
  const std::string uri = "http://127.0.0.1:40000/callback";
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"redirect_uri", uri}, {"scope", "nope"}})),
                      "invalid_scope", "state-123", uri);
}

// AUTHZ-2
TEST_F(AuthorizeLoopback, LocalhostIsNotALoopbackMatch) {
  ExpectErrorPage(
      Get(AuthorizeParams(pkce_, {{"redirect_uri", "http://localhost:49152/callback"}})),
      "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeLoopback, HttpsLoopbackIsNotAMatch) {
  ExpectErrorPage(
      Get(AuthorizeParams(pkce_, {{"redirect_uri", "https://127.0.0.1:49152/callback"}})),
      "invalid_request");
}

// AUTHZ-2
TEST_F(AuthorizeLoopback, OnlyThePortMayDiffer) {
  for (const char* uri : {"http://127.0.0.1:49152/other", "http://127.0.0.1:49152/callback/",
                          "http://127.0.0.1:49152/Callback", "http://127.0.0.1:49152/callback?x=1",
                          "http://user@127.0.0.1:49152/callback", "http://127.0.0.1:99999/callback",
                          "http://127.0.0.1:/callback", "http://127.0.0.2:49152/callback"}) {
    SCOPED_TRACE(uri);
    ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"redirect_uri", uri}})), "invalid_request");
  }
}

// --- AUTHZ-3: every other error goes back to the client ------------------------------------------

class AuthorizeErrorRedirect : public AuthorizeTest {};

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, UnsupportedResponseType) {
  for (const char* type : {"token", "code id_token", "CODE"}) {
    SCOPED_TRACE(type);
    ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"response_type", type}})),
                        "unsupported_response_type", "state-123");
  }
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, MissingResponseTypeIsInvalidRequest) {
  ExpectErrorRedirect(Get(Without(AuthorizeParams(pkce_), "response_type")), "invalid_request",
                      "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, MissingScopeIsInvalidRequest) {
  ExpectErrorRedirect(Get(Without(AuthorizeParams(pkce_), "scope")), "invalid_request",
                      "state-123");
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"scope", ""}})), "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, UnknownScopeIsInvalidScope) {
  for (const char* scope :
       {"events:read admin", "Events:Read", "events:read,events:write", "events:delete", "   "}) {
    SCOPED_TRACE(scope);
    ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"scope", scope}})), "invalid_scope",
                        "state-123");
  }
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, DuplicatedScopeIsInvalidRequest) {
  Form::Pairs params = AuthorizeParams(pkce_, {{"scope", "events:read"}});
  params.emplace_back("scope", "events:write");
  ExpectErrorRedirect(Get(params), "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, DuplicatedResponseTypeIsInvalidRequest) {
  Form::Pairs params = AuthorizeParams(pkce_);
  params.emplace_back("response_type", "code");
  ExpectErrorRedirect(Get(params), "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, DuplicatedCodeChallengeIsInvalidRequest) {
  Form::Pairs params = AuthorizeParams(pkce_);
  params.emplace_back("code_challenge", Pkce::Make().challenge);
  ExpectErrorRedirect(Get(params), "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, DuplicatedStateIsInvalidRequestWithoutState) {
  // Which of two states to echo is ambiguous, so neither is.
  Form::Pairs params = AuthorizeParams(pkce_);
  params.emplace_back("state", "other");
  ExpectErrorRedirect(Get(params), "invalid_request", std::nullopt);
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, StateWithCrLfIsRefusedAndNotEchoed) {
  auto res = Get(AuthorizeParams(pkce_, {{"state", "abc\r\nSet-Cookie: pwned=1"}}));
  ExpectErrorRedirect(res, "invalid_request", std::nullopt);
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->has_header("Set-Cookie"));
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, StateWithNonAsciiIsRefusedAndNotEchoed) {
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"state", "caf\xC3\xA9"}})), "invalid_request",
                      std::nullopt);
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"state", "tab\there"}})), "invalid_request",
                      std::nullopt);
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, ErrorWithoutStateHasNoState) {
  ExpectErrorRedirect(Get(Without(AuthorizeParams(pkce_, {{"response_type", "token"}}), "state")),
                      "unsupported_response_type", std::nullopt);
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, PublicClientWithoutCodeChallengeIsInvalidRequest) {
  ExpectErrorRedirect(
      Get(Without(Without(AuthorizeParams(pkce_), "code_challenge"), "code_challenge_method")),
      "invalid_request", "state-123");
  // Globex's client is public as well.
  ExpectErrorRedirect(
      Get({{"client_id", kGlobexClient}, {"response_type", "code"}, {"scope", "events:read"}}),
      "invalid_request", std::nullopt, kGlobexRedirect);
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, PlainCodeChallengeMethodIsRefused) {
  // A "plain" challenge is the verifier itself, which is also 43 base64url characters.
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"code_challenge", pkce_.verifier},
                                                  {"code_challenge_method", "plain"}})),
                      "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, CodeChallengeMethodIsCaseSensitive) {
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"code_challenge_method", "s256"}})),
                      "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, ChallengeWithoutMethodCountsAsPlain) {
  ExpectErrorRedirect(Get(Without(AuthorizeParams(pkce_), "code_challenge_method")),
                      "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, MethodWithoutChallengeIsInvalidRequest) {
  ExpectErrorRedirect(Get(Without(AuthorizeParams(pkce_), "code_challenge")), "invalid_request",
                      "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, ChallengeOfWrongLengthIsInvalidRequest) {
  const std::string c = pkce_.challenge;
  for (const std::string& challenge : {c.substr(0, 42), c + "A", c + "=", std::string(128, 'a')}) {
    SCOPED_TRACE(challenge);
    ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"code_challenge", challenge}})),
                        "invalid_request", "state-123");
  }
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, ChallengeWithBadCharactersIsInvalidRequest) {
  // Standard base64 ('+', '/'), padding, a dot or a space are not base64url.
  for (char bad : {'+', '/', '=', '.', ' ', '~'}) {
    std::string challenge = pkce_.challenge;
    challenge[10] = bad;
    SCOPED_TRACE(challenge);
    ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"code_challenge", challenge}})),
                        "invalid_request", "state-123");
  }
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, InvalidLoginHintIsInvalidRequest) {
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"login_hint", "not an email"}})),
                      "invalid_request", "state-123");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, ConfidentialClientMayOmitPkce) {
  const std::string id = OpenConsent({{"client_id", kConfidentialClient},
                                      {"redirect_uri", kRedirect},
                                      {"response_type", "code"},
                                      {"scope", "events:read"},
                                      {"state", "c1"}});
  const std::string code = Allow(id, "alice@example.com", {"events:read"});
  ASSERT_FALSE(code.empty());
  TokenResult tokens = PostToken(
      *client_, {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kRedirect}},
      BasicAuth(kConfidentialClient, kConfidentialSecret));
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["scope"], "events:read");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, ConfidentialClientSendingPkceMustUseS256) {
  ExpectErrorRedirect(Get({{"client_id", kConfidentialClient},
                           {"redirect_uri", kRedirect},
                           {"response_type", "code"},
                           {"scope", "events:read"},
                           {"state", "c2"},
                           {"code_challenge", pkce_.verifier},
                           {"code_challenge_method", "plain"}}),
                      "invalid_request", "c2");
}

// AUTHZ-3
TEST_F(AuthorizeErrorRedirect, ErrorRedirectsOnlyAfterClientAndRedirectUriAreKnown) {
  // An invalid_scope with a valid client and URI goes back; the same with a bad URI does not.
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"scope", "admin"}})), "invalid_scope",
                      "state-123");
  ExpectErrorPage(
      Get(AuthorizeParams(pkce_, {{"scope", "admin"}, {"redirect_uri", "https://x.example/"}})),
      "invalid_request");
}

// An --issuer given on the command line is the `iss` of every response (RFC 9207, TOKEN-9).
class AuthorizeWithIssuer : public AuthorizeTest {
 protected:
  static Options WithIssuer() {
    Options o;
    o.issuer = "https://login.chronapilot.test";
    return o;
  }
  AuthorizeWithIssuer() : AuthorizeTest(WithIssuer()) {}
  std::string Issuer() const override { return "https://login.chronapilot.test"; }
};

// AUTHZ-3
TEST_F(AuthorizeWithIssuer, ErrorRedirectCarriesTheConfiguredIssuer) {
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"response_type", "token"}})),
                      "unsupported_response_type", "state-123");
}

// AUTHZ-4
TEST_F(AuthorizeWithIssuer, CodeRedirectCarriesTheConfiguredIssuer) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  auto res = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302);
  EXPECT_EQ(QueryValues(res->get_header_value("Location"), "iss"),
            std::vector<std::string>{"https://login.chronapilot.test"});
}

// --- AUTHZ-4: the consent page and its decision --------------------------------------------------

class Consent : public AuthorizeTest {};

// AUTHZ-4
TEST_F(Consent, PageNamesPlatformScopesLoginAndButtons) {
  auto res = Get(AuthorizeParams(
      pkce_, {{"scope", "events:read calendars:read"}, {"login_hint", "bob@example.com"}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(Prefixed(res->get_header_value("Content-Type"), "text/html"));
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
  const std::string& html = res->body;
  EXPECT_NE(html.find("Acme Scheduling"), std::string::npos);
  // One checked box per requested scope, none for the others.
  EXPECT_EQ(CountOf(html, "type=\"checkbox\""), 2u) << html;
  EXPECT_NE(html.find("name=\"scope\" value=\"events:read\" checked"), std::string::npos);
  EXPECT_NE(html.find("name=\"scope\" value=\"calendars:read\" checked"), std::string::npos);
  EXPECT_EQ(html.find("value=\"events:write\""), std::string::npos);
  EXPECT_EQ(html.find("value=\"webhooks:manage\""), std::string::npos);
  // Scopes are described in words, not only by name.
  EXPECT_NE(html.find("See the events on your calendars"), std::string::npos);
  EXPECT_NE(html.find("name=\"login\" type=\"email\""), std::string::npos);
  EXPECT_NE(html.find("value=\"bob@example.com\""), std::string::npos);
  EXPECT_NE(html.find("name=\"decision\" value=\"allow\""), std::string::npos);
  EXPECT_NE(html.find("name=\"decision\" value=\"deny\""), std::string::npos);
  EXPECT_NE(html.find("<form method=\"post\" action=\"/oauth/authorize/decision\">"),
            std::string::npos);
  EXPECT_FALSE(ConsentIdFrom(html).empty());
}

// AUTHZ-4
TEST_F(Consent, AllFourScopesGetACheckedBox) {
  auto res = Get(AuthorizeParams(pkce_));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(CountOf(res->body, "type=\"checkbox\""), 4u);
  EXPECT_EQ(CountOf(res->body, "\" checked>"), 4u);
}

// AUTHZ-4
TEST_F(Consent, LoginFieldIsEmptyWithoutHint) {
  auto res = Get(AuthorizeParams(pkce_));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(
      res->body.find("name=\"login\" type=\"email\" autocomplete=\"email\" required value=\"\""),
      std::string::npos)
      << res->body;
}

// AUTHZ-4
TEST_F(Consent, ConsentIdsAreFreshPerRequest) {
  const std::string a = OpenConsent(AuthorizeParams(pkce_));
  const std::string b = OpenConsent(AuthorizeParams(pkce_));
  EXPECT_NE(a, b);
}

// AUTHZ-4
TEST_F(Consent, AllowRedirectsWithCodeStateAndIss) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  auto res = Decide(id, "allow", "alice@example.com",
                    {"events:read", "events:write", "calendars:read", "webhooks:manage"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  const std::string location = res->get_header_value("Location");
  EXPECT_TRUE(Prefixed(location, std::string(kRedirect) + "?code=cac_")) << location;
  const auto code = QueryValues(location, "code");
  ASSERT_EQ(code.size(), 1u);
  EXPECT_EQ(QueryValues(location, "state"), std::vector<std::string>{"state-123"});
  EXPECT_EQ(QueryValues(location, "iss"), std::vector<std::string>{server_.url()});
  EXPECT_TRUE(QueryValues(location, "error").empty());
  TokenResult tokens = Exchange(code[0], pkce_.verifier);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["scope"], kAllScopes);
  EXPECT_EQ(tokens.body["connected_account_id"], kAliceAccount);
}

// AUTHZ-4
TEST_F(Consent, DenyRedirectsWithAccessDenied) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  ExpectErrorRedirect(Decide(id, "deny", "alice@example.com", {"events:read"}), "access_denied",
                      "state-123");
}

// AUTHZ-4
TEST_F(Consent, DenyNeedsNoValidLogin) {
  // The Deny button skips the browser's validation, so the login may be empty or junk.
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  ExpectErrorRedirect(PostDecision({{"consent_id", id}, {"decision", "deny"}}), "access_denied",
                      "state-123");
}

// AUTHZ-4
TEST_F(Consent, UntickedScopesAreNotGranted) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  const std::string code = Allow(id, "alice@example.com", {"events:read", "calendars:read"});
  ASSERT_FALSE(code.empty());
  TokenResult tokens = Exchange(code, pkce_.verifier);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["scope"], "events:read calendars:read");
}

// AUTHZ-4
TEST_F(Consent, NoScopeTickedIsAccessDenied) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  ExpectErrorRedirect(Decide(id, "allow", "alice@example.com", {}), "access_denied", "state-123");
  // The consent is answered: it cannot be approved afterwards.
  auto again = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400);
}

// AUTHZ-4
TEST_F(Consent, UnrequestedScopeRerendersPageAndConsentStaysUsable) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_, {{"scope", "events:read"}}));
  for (const char* extra : {"webhooks:manage", "admin"}) {
    SCOPED_TRACE(extra);
    auto res = Decide(id, "allow", "alice@example.com", {"events:read", extra});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_FALSE(res->has_header("Location"));
    EXPECT_EQ(ConsentIdFrom(res->body), id);
    EXPECT_NE(res->body.find("role=\"alert\""), std::string::npos) << res->body;
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
    // Still only the requested scope is offered.
    EXPECT_EQ(CountOf(res->body, "type=\"checkbox\""), 1u);
  }
  const std::string code = Allow(id, "alice@example.com", {"events:read"});
  ASSERT_FALSE(code.empty());
  TokenResult tokens = Exchange(code, pkce_.verifier);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["scope"], "events:read");
}

// AUTHZ-4
TEST_F(Consent, InvalidLoginRerendersPageThenValidAnswerWorks) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  for (const char* login : {"", "not-an-email", "a@b@c", "@example.com", "bob@"}) {
    SCOPED_TRACE(login);
    auto res = Decide(id, "allow", login, {"events:read"});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400);
    EXPECT_FALSE(res->has_header("Location"));
    EXPECT_EQ(ConsentIdFrom(res->body), id);
    EXPECT_NE(res->body.find("role=\"alert\""), std::string::npos) << res->body;
  }
  const std::string code = Allow(id, "bob@example.com", {"events:read"});
  EXPECT_TRUE(Prefixed(code, "cac_")) << code;
}

// AUTHZ-4
TEST_F(Consent, RerenderedPageEscapesTheLogin) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  auto res = Decide(id, "allow", "\"><script>alert(1)</script>", {"events:read"});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body.find("<script>"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("&lt;script&gt;"), std::string::npos) << res->body;
}

// AUTHZ-4
TEST_F(Consent, ConsentIdIsSingleUse) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  ASSERT_FALSE(Allow(id, "alice@example.com", {"events:read"}).empty());
  auto again = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400);
  EXPECT_FALSE(again->has_header("Location"));
  auto deny = Decide(id, "deny", "alice@example.com", {});
  ASSERT_TRUE(deny);
  EXPECT_EQ(deny->status, 400);
  EXPECT_FALSE(deny->has_header("Location"));
}

// AUTHZ-4
TEST_F(Consent, DeniedConsentCannotBeApprovedLater) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  auto deny = Decide(id, "deny", "", {});
  ASSERT_TRUE(deny);
  ASSERT_EQ(deny->status, 302);
  auto allow = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(allow);
  EXPECT_EQ(allow->status, 400);
  EXPECT_FALSE(allow->has_header("Location"));
}

// AUTHZ-4
TEST_F(Consent, ConsentExpiresAfterTenMinutes) {
  const std::string fresh = OpenConsent(AuthorizeParams(pkce_));
  const std::string stale = OpenConsent(AuthorizeParams(pkce_));
  server_.Advance(599);
  EXPECT_FALSE(Allow(fresh, "alice@example.com", {"events:read"}).empty());
  server_.Advance(2);  // 601 s after the page was shown
  auto res = Decide(stale, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_FALSE(res->has_header("Location"));
  EXPECT_NE(res->body.find("expired"), std::string::npos) << res->body;
}

// AUTHZ-4
TEST_F(Consent, ExpiredConsentCannotBeDeniedEither) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  server_.Advance(601);
  auto res = Decide(id, "deny", "", {});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_FALSE(res->has_header("Location"));
}

// AUTHZ-4
TEST_F(Consent, UnknownOrMissingConsentIdIsAnErrorPage) {
  ExpectErrorPage(
      Decide("consent_unknown000000000000000", "allow", "alice@example.com", {"events:read"}),
      "invalid_request");
  ExpectErrorPage(PostDecision({{"decision", "allow"}, {"login", "alice@example.com"}}),
                  "invalid_request");
}

// AUTHZ-4
TEST_F(Consent, MalformedDecisionsAreErrorPagesAndLeaveConsentUsable) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  ExpectErrorPage(Decide(id, "maybe", "alice@example.com", {"events:read"}), "invalid_request");
  ExpectErrorPage(PostDecision({{"consent_id", id}}), "invalid_request");
  ExpectErrorPage(PostDecision({{"consent_id", id},
                                {"decision", "allow"},
                                {"decision", "deny"},
                                {"login", "alice@example.com"}}),
                  "invalid_request");
  ExpectErrorPage(PostDecision({{"consent_id", id},
                                {"decision", "allow"},
                                {"login", "alice@example.com"},
                                {"login", "bob@example.com"}}),
                  "invalid_request");
  // Not a form.
  ExpectErrorPage(Raw("POST", kDecisionPath, "{\"consent_id\":\"" + id + "\"}", "application/json"),
                  "invalid_request");
  // Bytes that are not UTF-8, and broken escapes.
  ExpectErrorPage(Raw("POST", kDecisionPath, "consent_id=" + id + "&decision=allow&login=%FF",
                      "application/x-www-form-urlencoded"),
                  "invalid_request");
  ExpectErrorPage(Raw("POST", kDecisionPath, "consent_id=" + id + "&decision=allow&login=%zz",
                      "application/x-www-form-urlencoded"),
                  "invalid_request");
  EXPECT_FALSE(Allow(id, "alice@example.com", {"events:read"}).empty());
}

// AUTHZ-4
TEST_F(Consent, DecisionErrorIsJsonWhenAsked) {
  auto res = Raw("POST", kDecisionPath, "consent_id=nope&decision=allow",
                 "application/x-www-form-urlencoded", {{"Accept", "application/json"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(ParseJson(res->body).value("error", ""), "invalid_request");
}

// AUTHZ-4
TEST_F(Consent, AliceSignsInAsHerFixtureAccount) {
  EXPECT_EQ(AccountFor("alice@example.com"), kAliceAccount);
  // Email addresses are compared without regard to case.
  EXPECT_EQ(AccountFor("Alice@Example.COM"), kAliceAccount);
}

// AUTHZ-4
TEST_F(Consent, BobGetsAnAccountOnFirstConsentAndKeepsIt) {
  const std::string first = AccountFor("bob@example.com");
  EXPECT_TRUE(Prefixed(first, "cpa_")) << first;
  EXPECT_NE(first, kAliceAccount);
  EXPECT_EQ(AccountFor("bob@example.com"), first);
  EXPECT_EQ(AccountFor("BOB@example.com"), first);
}

// AUTHZ-4
TEST_F(Consent, LoginHintIsLowercasedOnThePage) {
  auto res = Get(AuthorizeParams(pkce_, {{"login_hint", "Bob@Example.com"}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->body.find("value=\"bob@example.com\""), std::string::npos);
}

// AUTHZ-4
TEST_F(Consent, BrandNewEmailGetsItsOwnAccount) {
  const std::string dave = AccountFor("dave.newcomer@example.org");
  const std::string bob = AccountFor("bob@example.com");
  EXPECT_TRUE(Prefixed(dave, "cpa_")) << dave;
  EXPECT_NE(dave, kAliceAccount);
  EXPECT_NE(dave, bob);
  EXPECT_EQ(AccountFor("dave.newcomer@example.org"), dave);
}

// AUTHZ-4
TEST_F(Consent, AccountsArePerPlatform) {
  const std::string acme = AccountFor("bob@example.com");
  const std::string id = OpenConsent({{"client_id", kGlobexClient},
                                      {"response_type", "code"},
                                      {"scope", "events:read"},
                                      {"code_challenge", pkce_.challenge},
                                      {"code_challenge_method", "S256"}});
  const std::string code = Allow(id, "bob@example.com", {"events:read"});
  TokenResult tokens = Exchange(code, pkce_.verifier, "", kGlobexClient);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  const std::string globex = tokens.body["connected_account_id"].get<std::string>();
  EXPECT_TRUE(Prefixed(globex, "cpa_")) << globex;
  EXPECT_NE(globex, acme);
}

// AUTHZ-4
TEST_F(Consent, ConcurrentDecisionsYieldExactlyOneCode) {
  const std::string id = OpenConsent(AuthorizeParams(pkce_));
  constexpr int kThreads = 6;
  std::atomic<bool> go{false};
  std::vector<int> statuses(kThreads, 0);
  std::vector<std::string> locations(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      auto res = Decide(id, "allow", "alice@example.com", {"events:read"});
      if (res) {
        statuses[i] = res->status;
        locations[i] = res->get_header_value("Location");
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int redirects = 0;
  std::string code;
  for (int i = 0; i < kThreads; ++i) {
    if (statuses[i] == 302) {
      ++redirects;
      ASSERT_EQ(QueryValues(locations[i], "code").size(), 1u) << locations[i];
      code = QueryValues(locations[i], "code")[0];
    } else {
      EXPECT_EQ(statuses[i], 400) << "thread " << i;
    }
  }
  EXPECT_EQ(redirects, 1);
  EXPECT_EQ(Exchange(code, pkce_.verifier).status, 200);
  ExpectAlive();
}

// --- AUTHZ-5: headless consent -------------------------------------------------------------------

class AutoConsent : public AuthorizeTest {
 protected:
  static Options Auto() {
    Options o;
    o.auto_consent = true;
    return o;
  }
  AutoConsent() : AuthorizeTest(Auto()) {}
};

// AUTHZ-5
TEST_F(AutoConsent, RedirectsAtOnceWithCodeForAlice) {
  auto res = Get(AuthorizeParams(pkce_, {{"scope", "events:read calendars:read"}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302) << res->body;
  const std::string location = res->get_header_value("Location");
  EXPECT_TRUE(Prefixed(location, std::string(kRedirect) + "?code=cac_")) << location;
  EXPECT_EQ(QueryValues(location, "state"), std::vector<std::string>{"state-123"});
  EXPECT_EQ(QueryValues(location, "iss"), std::vector<std::string>{server_.url()});
  TokenResult tokens = Exchange(QueryValues(location, "code")[0], pkce_.verifier);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["connected_account_id"], kAliceAccount);
  // All requested scopes, and only those.
  EXPECT_EQ(tokens.body["scope"], "events:read calendars:read");
}

// AUTHZ-5
TEST_F(AutoConsent, ApprovesForLoginHint) {
  auto res = Get(AuthorizeParams(pkce_, {{"login_hint", "bob@example.com"}}));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302);
  TokenResult tokens =
      Exchange(QueryValues(res->get_header_value("Location"), "code")[0], pkce_.verifier);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  const std::string bob = tokens.body["connected_account_id"].get<std::string>();
  EXPECT_TRUE(Prefixed(bob, "cpa_"));
  EXPECT_NE(bob, kAliceAccount);
}

// AUTHZ-5
TEST_F(AutoConsent, StillValidatesTheRequest) {
  ExpectErrorPage(Get(AuthorizeParams(pkce_, {{"client_id", "cli_nobody"}})), "invalid_client");
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"scope", "admin"}})), "invalid_scope",
                      "state-123");
  ExpectErrorRedirect(Get(Without(AuthorizeParams(pkce_), "code_challenge")), "invalid_request",
                      "state-123");
}

// AUTHZ-5
TEST(AutoConsentFixture, AutoConsentFromFixturesRedirectsAtOnce) {
  // The built-in default fixtures with `auto_consent: true` instead of false.
  std::string yaml = kDefaultFixturesYaml;
  const std::string off = "auto_consent: false";
  const size_t at = yaml.find(off);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, off.size(), "auto_consent: true");
  const std::string path =
      ::testing::TempDir() + "authorize_test_auto_consent_" + std::to_string(::getpid()) + ".yaml";
  std::ofstream(path) << yaml;

  Options o;
  o.fixtures = path;
  MockServer server(o);
  auto client = server.Client();
  Pkce pkce = Pkce::Make();
  auto res = client->Get(("/oauth/authorize?" + Form::Encode(AuthorizeParams(pkce))).c_str());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302) << res->body;
  EXPECT_TRUE(Prefixed(res->get_header_value("Location"), std::string(kRedirect) + "?code=cac_"));
  std::remove(path.c_str());
}

// --- AUTHZ-6: what a code is bound to ------------------------------------------------------------

class AuthorizationCode : public AuthorizeTest {
 protected:
  // A code from a full consent for `params` (all requested scopes, as alice).
  std::string CodeFor(const Form::Pairs& params) {
    const std::string location = AuthorizeAndApprove(*client_, params);
    EXPECT_FALSE(location.empty());
    auto code = QueryValues(location, "code");
    return code.empty() ? "" : code[0];
  }
};

// AUTHZ-6
TEST_F(AuthorizationCode, CodesAreCacPrefixedAndUnique) {
  const std::string a = CodeFor(AuthorizeParams(pkce_));
  const std::string b = CodeFor(AuthorizeParams(pkce_));
  EXPECT_TRUE(Prefixed(a, "cac_")) << a;
  EXPECT_TRUE(Prefixed(b, "cac_")) << b;
  EXPECT_GE(a.size(), 4u + 22u) << "128 bits of base62 need 22 characters";
  EXPECT_NE(a, b);
}

// AUTHZ-6
TEST_F(AuthorizationCode, CodeIsSingleUse) {
  const std::string code = CodeFor(AuthorizeParams(pkce_));
  EXPECT_EQ(Exchange(code, pkce_.verifier).status, 200);
  ExpectInvalidGrant(Exchange(code, pkce_.verifier));
}

// AUTHZ-6
TEST_F(AuthorizationCode, CodeUsedByAnotherClientIsInvalidGrant) {
  const std::string code = CodeFor(AuthorizeParams(pkce_));
  ExpectInvalidGrant(Exchange(code, pkce_.verifier, kRedirect, kGlobexClient));
  ExpectInvalidGrant(PostToken(*client_,
                               {{"grant_type", "authorization_code"},
                                {"code", code},
                                {"redirect_uri", kRedirect},
                                {"code_verifier", pkce_.verifier}},
                               BasicAuth(kConfidentialClient, kConfidentialSecret)));
}

// AUTHZ-6
TEST_F(AuthorizationCode, CodeWithAnotherRedirectUriIsInvalidGrant) {
  const std::string code = CodeFor(AuthorizeParams(pkce_));
  ExpectInvalidGrant(Exchange(code, pkce_.verifier, "http://127.0.0.1:5000/callback"));
  ExpectInvalidGrant(Exchange(code, pkce_.verifier, std::string(kRedirect) + "/"));
  // The authorize request had one, so the token request must repeat it (TOKEN-3).
  ExpectInvalidGrant(Exchange(code, pkce_.verifier, ""));
}

// AUTHZ-6
TEST_F(AuthorizationCode, LoopbackCodeIsBoundToItsPort) {
  const std::string uri = "http://127.0.0.1:5000/callback";
  const std::string code = CodeFor(AuthorizeParams(pkce_, {{"redirect_uri", uri}}));
  ExpectInvalidGrant(Exchange(code, pkce_.verifier, "http://127.0.0.1:5001/callback"));
  ExpectInvalidGrant(Exchange(code, pkce_.verifier, kLoopbackRedirect));
  EXPECT_EQ(Exchange(code, pkce_.verifier, uri).status, 200);
}

// AUTHZ-6
TEST_F(AuthorizationCode, CodeExpiresAfterSixtySeconds) {
  const std::string young = CodeFor(AuthorizeParams(pkce_));
  const std::string old = CodeFor(AuthorizeParams(pkce_));
  server_.Advance(59);
  EXPECT_EQ(Exchange(young, pkce_.verifier).status, 200);
  server_.Advance(2);  // 61 s after issue
  ExpectInvalidGrant(Exchange(old, pkce_.verifier));
}

// AUTHZ-6
TEST_F(AuthorizationCode, CodeIsBoundToTheChallenge) {
  const std::string code = CodeFor(AuthorizeParams(pkce_));
  ExpectInvalidGrant(Exchange(code, Pkce::Make().verifier));
  ExpectInvalidGrant(Exchange(code, ""));
  // The challenge itself is not a verifier for it.
  ExpectInvalidGrant(Exchange(code, pkce_.challenge));
}

// AUTHZ-6
TEST_F(AuthorizationCode, ConfidentialCodeWithChallengeNeedsTheVerifier) {
  const Form::Pairs params = {
      {"client_id", kConfidentialClient},  {"redirect_uri", kRedirect},
      {"response_type", "code"},           {"scope", "events:read"},
      {"code_challenge", pkce_.challenge}, {"code_challenge_method", "S256"}};
  const Form::Pairs token = {
      {"grant_type", "authorization_code"}, {"code", CodeFor(params)}, {"redirect_uri", kRedirect}};
  const auto basic = BasicAuth(kConfidentialClient, kConfidentialSecret);
  ExpectInvalidGrant(PostToken(*client_, token, basic));
  Form::Pairs with_verifier = token;
  with_verifier.emplace_back("code_verifier", pkce_.verifier);
  EXPECT_EQ(PostToken(*client_, with_verifier, basic).status, 200);
}

// AUTHZ-6
TEST_F(AuthorizationCode, CodeCarriesGrantedScopesAndAccount) {
  const std::string location = AuthorizeAndApprove(
      *client_, AuthorizeParams(pkce_), "bob@example.com", {"events:write", "webhooks:manage"});
  TokenResult tokens = Exchange(QueryValues(location, "code")[0], pkce_.verifier);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["scope"], "events:write webhooks:manage");
  EXPECT_NE(tokens.body["connected_account_id"], kAliceAccount);
}

// AUTHZ-6
TEST_F(AuthorizationCode, UnknownCodeIsInvalidGrant) {
  ExpectInvalidGrant(Exchange("cac_notARealCode000000000000", pkce_.verifier));
}

// --- Robustness: malformed requests end in a 4xx and the server keeps answering ------------------

class AuthorizeMalformed : public AuthorizeTest {};

// AUTHZ-1
TEST_F(AuthorizeMalformed, InvalidUtf8IsAnErrorPage) {
  const std::string id = "client_id=" + std::string(kPublicClient);
  for (const std::string& query : std::vector<std::string>{
           id + "&state=%FF", "client_id=%FF%FE", id + "&sc%C3ope=x", id + "&state=%C0%AF"}) {
    SCOPED_TRACE(query);
    ExpectErrorPage(GetRaw(query), "invalid_request");
  }
}

// AUTHZ-1
TEST_F(AuthorizeMalformed, MalformedPercentEscapesAreAnErrorPage) {
  const std::string id = "client_id=" + std::string(kPublicClient);
  for (const std::string& query : std::vector<std::string>{
           "client_id=%zz", id + "&state=%", id + "&state=%4", id + "&state=abc%g1", "%=x"}) {
    SCOPED_TRACE(query);
    ExpectErrorPage(GetRaw(query), "invalid_request");
  }
}

// AUTHZ-1
TEST_F(AuthorizeMalformed, RawNonAsciiBytesInTheTargetAreAClientError) {
  auto res = GetRaw("client_id=" + std::string(kPublicClient) + "&state=\xFF\xFE");
  ASSERT_TRUE(res);
  EXPECT_GE(res->status, 400);
  EXPECT_LT(res->status, 500);
  EXPECT_FALSE(res->has_header("Location"));
  ExpectAlive();
}

// AUTHZ-1
TEST_F(AuthorizeMalformed, SixKilobyteStateIsEchoedIntact) {
  std::string state;
  for (int i = 0; state.size() < 6 * 1024; ++i) state += "abcdefghij0123456789-_."[i % 23];
  ExpectErrorRedirect(Get(AuthorizeParams(pkce_, {{"state", state}, {"response_type", "token"}})),
                      "unsupported_response_type", state);
  const std::string id = OpenConsent(AuthorizeParams(pkce_, {{"state", state}}));
  auto res = Decide(id, "allow", "alice@example.com", {"events:read"});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 302);
  EXPECT_EQ(QueryValues(res->get_header_value("Location"), "state"),
            std::vector<std::string>{state});
}

// AUTHZ-1
TEST_F(AuthorizeMalformed, OversizedQueryIsAClientError) {
  auto res = Get(AuthorizeParams(pkce_, {{"state", std::string(64 * 1024, 's')}}));
  ASSERT_TRUE(res);
  EXPECT_GE(res->status, 400);
  EXPECT_LT(res->status, 500);
  EXPECT_FALSE(res->has_header("Location"));
  ExpectAlive();
}

class AuthorizeMethods : public AuthorizeTest {};

// AUTHZ-1
TEST_F(AuthorizeMethods, OtherMethodsAreNotAllowed) {
  const std::string path = "/oauth/authorize?" + Form::Encode(AuthorizeParams(pkce_));
  std::vector<RawResult> results;
  results.push_back(Raw("POST", path, "", "application/x-www-form-urlencoded"));
  results.push_back(Raw("POST", "/oauth/authorize", Form::Encode(AuthorizeParams(pkce_)),
                        "application/x-www-form-urlencoded"));
  results.push_back(Raw("PUT", path, "", "text/plain"));
  results.push_back(Raw("DELETE", path));
  for (const auto& res : results) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 405);
    EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
    EXPECT_FALSE(res->has_header("Location"));
    EXPECT_EQ(ParseJson(res->body).value("error", ""), "method_not_allowed") << res->body;
  }
  auto decision = Raw("GET", kDecisionPath);
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->status, 405);
  EXPECT_EQ(decision->get_header_value("Allow"), "POST");
  ExpectAlive();
}

// AUTHZ-1
TEST_F(AuthorizeMethods, HeadIsAnsweredLikeGetWithoutABody) {
  // The router serves HEAD with the GET endpoint (RFC 9110 §9.3.2), so it gets GET's status and
  // headers: the consent page's, an AUTHZ-2 page's or an AUTHZ-3 redirect's.
  auto page = Raw("HEAD", "/oauth/authorize?" + Form::Encode(AuthorizeParams(pkce_)));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_TRUE(page->body.empty());
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  auto unknown = Raw(
      "HEAD", "/oauth/authorize?" + Form::Encode(AuthorizeParams(pkce_, {{"client_id", "cli_x"}})));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_FALSE(unknown->has_header("Location"));
  auto error = Raw("HEAD", "/oauth/authorize?" +
                               Form::Encode(AuthorizeParams(pkce_, {{"response_type", "token"}})));
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 302);
  EXPECT_EQ(QueryValues(error->get_header_value("Location"), "error"),
            std::vector<std::string>{"unsupported_response_type"});
  ExpectAlive();
}

}  // namespace
}  // namespace chronapilot::testing
