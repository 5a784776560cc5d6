// Who may call /v1 and what they see (SPEC AUTH-1..AUTH-5, RES-1, ERR-1, CONV-4), through real
// HTTP against a mock on a free port. Every /v1 answer these tests receive goes through V1(),
// which checks the conventions every answer must keep (Request-Id, JSON content type, the ERR-1
// error shape with the type that belongs to the status), so a test only states what is specific
// to it.
#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

constexpr char kBobEmail[] = "bob@example.com";
constexpr char kMissingAccount[] = "cpa_noSuchAccount01";
constexpr char kMissingEvent[] = "evt_noSuchEvent0001";
constexpr char kMissingCalendar[] = "cal_noSuchCalend01";
constexpr char kMissingConnection[] = "con_noSuchConnect01";
constexpr char kAlicePlanningEvent[] = "evt_planning000001";
constexpr char kAliceGoogleConnection[] = "con_aliceGoogle0001";
constexpr char kRealmChallenge[] = "Bearer realm=\"chronapilot\"";
constexpr char kInvalidTokenChallenge[] = "Bearer error=\"invalid_token\"";

// Everything of alice's that another credential must never see (FIX-3).
const std::vector<std::string>& AliceIdentifiers() {
  static const std::vector<std::string> ids = {
      kAliceAccount,         "evt_planning000001", "evt_review00000001",  "evt_offsite0000001",
      "evt_dentist0000001",  "evt_dinner00000001", kAliceWorkCalendar,    kAlicePersonalCalendar,
      "con_aliceGoogle0001", "con_aliceMsft00001", "alice@gmail.example", "alice@outlook.example",
      "alice@example.com"};
  return ids;
}

// ERR-1: the error type that belongs to each status.
std::string ErrorTypeFor(int status) {
  switch (status) {
    case 400:
    case 404:
    case 405:
    case 413:
    case 415:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 409:
      return "idempotency_error";
    case 429:
      return "rate_limit_error";
    case 500:
    case 503:
      return "api_error";
  }
  return "<no ERR-1 type for " + std::to_string(status) + ">";
}

// CONV-4 and ERR-1, for any /v1 answer.
void CheckConventions(const std::string& what, const ApiResult& res) {
  ASSERT_NE(res.status, 0) << what << ": no answer";
  static const std::regex request_id("req_[A-Za-z0-9]+");
  EXPECT_TRUE(std::regex_match(res.Header("Request-Id"), request_id))
      << what << ": Request-Id is '" << res.Header("Request-Id") << "'";
  static std::set<std::string> seen;  // one id per answer, across the whole binary
  EXPECT_TRUE(seen.insert(res.Header("Request-Id")).second)
      << what << ": Request-Id " << res.Header("Request-Id") << " was used before";
  EXPECT_EQ(res.Header("Content-Type"), "application/json; charset=utf-8") << what;
  ASSERT_TRUE(res.body.is_object()) << what << ": the body is not a JSON object";
  if (res.status < 400) return;
  ASSERT_TRUE(res.body.contains("error") && res.body["error"].is_object())
      << what << ": " << res.body.dump();
  const Json& error = res.body["error"];
  EXPECT_EQ(error.value("type", ""), ErrorTypeFor(res.status)) << what << ": " << res.body.dump();
  EXPECT_TRUE(error.contains("code") && error["code"].is_string()) << what;
  EXPECT_TRUE(error.contains("message") && error["message"].is_string()) << what;
  for (const auto& [key, value] : error.items()) {
    EXPECT_TRUE(key == "type" || key == "code" || key == "message" || key == "param")
        << what << ": unexpected error field " << key;
  }
  EXPECT_EQ(res.body.size(), 1u) << what << ": " << res.body.dump();
}

// A /v1 request whose answer must keep CONV-4 and ERR-1.
ApiResult V1(httplib::Client& client, const std::string& method, const std::string& path,
             const httplib::Headers& headers, const std::string& json_body = "") {
  ApiResult res = Api(client, method, path, headers, json_body);
  CheckConventions(method + " " + path, res);
  return res;
}

std::string ErrorCode(const ApiResult& res) {
  return res.body.is_object() && res.body.contains("error") ? res.body["error"].value("code", "")
                                                            : "";
}

std::string ErrorParam(const ApiResult& res) {
  return res.body.is_object() && res.body.contains("error") ? res.body["error"].value("param", "")
                                                            : "";
}

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The body with the id a request named replaced, to compare answers about different ids.
std::string WithoutId(const ApiResult& res, const std::string& id) {
  return ReplaceAll(res.body.dump(), id, "<id>");
}

std::vector<std::string> Ids(const ApiResult& list) {
  std::vector<std::string> ids;
  if (!list.body.is_object() || !list.body.contains("data")) return ids;
  for (const Json& item : list.body["data"]) ids.push_back(item.value("id", ""));
  return ids;
}

std::string NewAccessToken(httplib::Client& client, const std::string& login,
                           const std::string& scope = kAllScopes) {
  TokenResult tokens = PublicClientTokens(client, login, scope);
  EXPECT_EQ(tokens.status, 200) << tokens.body.dump();
  return tokens.body.value("access_token", "");
}

int Revoke(httplib::Client& client, const std::string& token) {
  auto res = PostForm(client, "/oauth/revoke", {{"token", token}, {"client_id", kPublicClient}});
  return res ? res->status : 0;
}

// What alice has, as her own fixture token reads it, byte for byte.
std::string AliceState(httplib::Client& client) {
  std::vector<std::string> paths = {"/v1/events?limit=100", "/v1/calendars?limit=100",
                                    "/v1/provider_connections?limit=100"};
  for (const std::string& id : AliceIdentifiers()) {
    if (id.rfind("evt_", 0) == 0) paths.push_back("/v1/events/" + id);
    if (id.rfind("cal_", 0) == 0) paths.push_back("/v1/calendars/" + id);
    if (id.rfind("con_", 0) == 0) paths.push_back("/v1/provider_connections/" + id);
  }
  std::string state;
  for (const std::string& path : paths) {
    auto res = client.Get(path.c_str(), Bearer(kFixtureAccessToken));
    state += path + " -> " + (res ? std::to_string(res->status) + "\n" + res->body : "no answer");
    state += "\n";
  }
  return state;
}

std::string EventBody(const std::string& calendar_id) {
  return Json{{"calendar_id", calendar_id},
              {"summary", "Written by someone else"},
              {"start", "2026-12-20T10:00:00Z"},
              {"end", "2026-12-20T11:00:00Z"}}
      .dump();
}

// ---------------------------------------------------------------------------------------------
// AUTH-1: access tokens

// AUTH-1
TEST(ApiAuth, FixtureTokenActsAsAliceWithAllScopes) {
  MockServer server;
  auto client = server.Client();
  ApiResult calendars = V1(*client, "GET", "/v1/calendars", Bearer(kFixtureAccessToken));
  ASSERT_EQ(calendars.status, 200) << calendars.body.dump();
  EXPECT_EQ(Ids(calendars), (std::vector<std::string>{kAliceWorkCalendar, kAlicePersonalCalendar}));
  ApiResult connections =
      V1(*client, "GET", "/v1/provider_connections", Bearer(kFixtureAccessToken));
  ASSERT_EQ(connections.status, 200) << connections.body.dump();
  EXPECT_EQ(connections.body["data"].size(), 2u);
  ApiResult event = V1(*client, "GET", std::string("/v1/events/") + kAlicePlanningEvent,
                       Bearer(kFixtureAccessToken));
  ASSERT_EQ(event.status, 200) << event.body.dump();
  EXPECT_EQ(event.body["summary"], "Weekly planning");
  ApiResult created =
      V1(*client, "POST", "/v1/events", Bearer(kFixtureAccessToken), EventBody(kAliceWorkCalendar));
  EXPECT_EQ(created.status, 200) << created.body.dump();
}

// AUTH-1
TEST(ApiAuth, OAuthFlowTokenActsAsItsOwnAccount) {
  MockServer server;
  auto client = server.Client();
  TokenResult bob = PublicClientTokens(*client, kBobEmail);
  ASSERT_EQ(bob.status, 200) << bob.body.dump();
  const std::string bob_account = bob.body.value("connected_account_id", "");
  EXPECT_EQ(bob_account.rfind("cpa_", 0), 0u) << bob_account;
  EXPECT_NE(bob_account, kAliceAccount);
  const auto headers = Bearer(bob.body.value("access_token", ""));
  for (const char* path : {"/v1/events", "/v1/calendars", "/v1/provider_connections"}) {
    ApiResult list = V1(*client, "GET", path, headers);
    ASSERT_EQ(list.status, 200) << path << ": " << list.body.dump();
    EXPECT_EQ(list.body["object"], "list") << path;
    EXPECT_TRUE(list.body["data"].empty())
        << path << ": bob has no calendars yet, saw " << list.body.dump();
  }
  // Alice signing in again through the confidential client reaches her existing account.
  TokenResult alice = ConfidentialClientTokens(*client, "alice@example.com");
  ASSERT_EQ(alice.status, 200) << alice.body.dump();
  EXPECT_EQ(alice.body["connected_account_id"], kAliceAccount);
  ApiResult calendars =
      V1(*client, "GET", "/v1/calendars", Bearer(alice.body.value("access_token", "")));
  ASSERT_EQ(calendars.status, 200);
  EXPECT_EQ(calendars.body["data"].size(), 2u);
}

// AUTH-1
TEST(ApiAuth, MissingAuthorizationIs401WithRealmChallengeOnEveryEndpoint) {
  MockServer server;
  auto client = server.Client();
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"GET", "/v1/events"},
      {"POST", "/v1/events"},
      {"GET", std::string("/v1/events/") + kAlicePlanningEvent},
      {"PATCH", std::string("/v1/events/") + kAlicePlanningEvent},
      {"DELETE", std::string("/v1/events/") + kAlicePlanningEvent},
      {"GET", "/v1/calendars"},
      {"GET", std::string("/v1/calendars/") + kAliceWorkCalendar},
      {"GET", "/v1/provider_connections"},
      {"GET", std::string("/v1/provider_connections/") + kAliceGoogleConnection},
      {"GET", "/v1/accounts"},
      {"GET", std::string("/v1/accounts/") + kAliceAccount}};
  for (const auto& [method, path] : endpoints) {
    SCOPED_TRACE(method + " " + path);
    const std::string body = method == "POST"    ? EventBody(kAliceWorkCalendar)
                             : method == "PATCH" ? R"({"summary":"x"})"
                                                 : "";
    ApiResult res = V1(*client, method, path, {}, body);
    EXPECT_EQ(res.status, 401) << res.body.dump();
    EXPECT_EQ(res.body["error"]["type"], "authentication_error");
    EXPECT_EQ(res.Header("WWW-Authenticate"), kRealmChallenge);
  }
  // Only with a credential does alice's world appear (so the 401s above were not a broken mock).
  EXPECT_EQ(V1(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken)).status, 200);
}

// AUTH-1
TEST(ApiAuth, UnknownTokenIs401InvalidToken) {
  MockServer server;
  auto client = server.Client();
  for (const std::string token :
       {"cat_1abc2def3ghi4jkX", "cat_", "crt_5mno6pqr7stu8vwx", "something-else"}) {
    SCOPED_TRACE(token);
    ApiResult res = V1(*client, "GET", "/v1/events", Bearer(token));
    EXPECT_EQ(res.status, 401) << res.body.dump();
    EXPECT_EQ(ErrorCode(res), "invalid_token");
    EXPECT_EQ(res.Header("WWW-Authenticate").rfind(kInvalidTokenChallenge, 0), 0u)
        << res.Header("WWW-Authenticate");
  }
}

// AUTH-1, TOKEN-8: revocation reaches the API at once, for the access token and for its family.
TEST(ApiAuth, RevokedTokenIs401InvalidToken) {
  MockServer server;
  auto client = server.Client();
  const std::string access = NewAccessToken(*client, kBobEmail);
  ASSERT_EQ(V1(*client, "GET", "/v1/events", Bearer(access)).status, 200);
  ASSERT_EQ(Revoke(*client, access), 200);
  ApiResult res = V1(*client, "GET", "/v1/events", Bearer(access));
  EXPECT_EQ(res.status, 401) << res.body.dump();
  EXPECT_EQ(ErrorCode(res), "invalid_token");
  EXPECT_EQ(res.Header("WWW-Authenticate").rfind(kInvalidTokenChallenge, 0), 0u)
      << res.Header("WWW-Authenticate");

  // Revoking the refresh token takes the access token of the same grant with it.
  TokenResult tokens = PublicClientTokens(*client, kBobEmail);
  ASSERT_EQ(tokens.status, 200);
  const auto headers = Bearer(tokens.body.value("access_token", ""));
  ASSERT_EQ(V1(*client, "GET", "/v1/events", headers).status, 200);
  ASSERT_EQ(Revoke(*client, tokens.body.value("refresh_token", "")), 200);
  res = V1(*client, "GET", "/v1/events", headers);
  EXPECT_EQ(res.status, 401) << res.body.dump();
  EXPECT_EQ(res.Header("WWW-Authenticate").rfind(kInvalidTokenChallenge, 0), 0u);
}

// AUTH-1, TOKEN-5: access tokens live 3600 s of virtual time; the fixture token never expires.
TEST(ApiAuth, TokenExpiresAfterAnHourOfVirtualTime) {
  MockServer server;
  auto client = server.Client();
  const std::string access = NewAccessToken(*client, "alice@example.com");
  server.Advance(3590);
  EXPECT_EQ(V1(*client, "GET", "/v1/events", Bearer(access)).status, 200);
  server.Advance(11);
  ApiResult res = V1(*client, "GET", "/v1/events", Bearer(access));
  EXPECT_EQ(res.status, 401) << res.body.dump();
  EXPECT_EQ(ErrorCode(res), "invalid_token");
  EXPECT_EQ(res.Header("WWW-Authenticate").rfind(kInvalidTokenChallenge, 0), 0u)
      << res.Header("WWW-Authenticate");
  EXPECT_EQ(V1(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken)).status, 200);
}

// AUTH-1
TEST(ApiAuth, NonBearerSchemeIs401) {
  MockServer server;
  auto client = server.Client();
  const std::vector<std::string> values = {std::string("Basic ") + kFixtureAccessToken,
                                           std::string("Token ") + kFixtureAccessToken,
                                           kFixtureAccessToken, "Bearer", "Bearer "};
  for (const std::string& value : values) {
    SCOPED_TRACE("Authorization: " + value);
    ApiResult res = V1(*client, "GET", "/v1/events", {{"Authorization", value}});
    EXPECT_EQ(res.status, 401) << res.body.dump();
    EXPECT_EQ(res.body["error"]["type"], "authentication_error");
    // RFC 6750 §3.1: no usable Bearer credential, so the challenge carries no error code.
    EXPECT_EQ(res.Header("WWW-Authenticate"), kRealmChallenge);
  }
  // Auth schemes are case-insensitive (RFC 9110 §11.1): the mock accepts "bearer".
  ApiResult lower = V1(*client, "GET", "/v1/events",
                       {{"Authorization", std::string("bearer ") + kFixtureAccessToken}});
  EXPECT_EQ(lower.status, 200) << lower.body.dump();
}

// AUTH-1: RFC 6750 §2.3's URI query parameter is refused, even next to a valid header.
TEST(ApiAuth, TokenInQueryIsRefusedEvenWithValidHeader) {
  MockServer server;
  auto client = server.Client();
  const std::string path = std::string("/v1/events?access_token=") + kFixtureAccessToken;
  for (const httplib::Headers& headers : {Bearer(kFixtureAccessToken), httplib::Headers{}}) {
    ApiResult res = V1(*client, "GET", path, headers);
    EXPECT_EQ(res.status, 400) << res.body.dump();
    EXPECT_EQ(ErrorParam(res), "access_token");
    EXPECT_FALSE(res.body.dump().find("Weekly planning") != std::string::npos);
  }
  ApiResult post =
      V1(*client, "POST", path, Bearer(kFixtureAccessToken), EventBody(kAliceWorkCalendar));
  EXPECT_EQ(post.status, 400) << post.body.dump();
  // Nothing was created by the refused POST.
  ApiResult list = V1(*client, "GET", "/v1/events?limit=100", Bearer(kFixtureAccessToken));
  EXPECT_EQ(list.body["data"].size(), 5u);
}

// AUTH-1: two credentials in one request are ambiguous.
TEST(ApiAuth, TwoAuthorizationHeadersAre400) {
  MockServer server;
  auto client = server.Client();
  httplib::Headers same = {{"Authorization", std::string("Bearer ") + kFixtureAccessToken},
                           {"Authorization", std::string("Bearer ") + kFixtureAccessToken}};
  httplib::Headers mixed = {{"Authorization", std::string("Bearer ") + kFixtureAccessToken},
                            {"Authorization", std::string("Bearer ") + kAcmeLiveKey}};
  httplib::Headers two_accounts = Bearer(kAcmeLiveKey, kAliceAccount);
  two_accounts.emplace("Chronapilot-Account", kCarolAccount);
  for (const httplib::Headers& headers : {same, mixed, two_accounts}) {
    ApiResult res = V1(*client, "GET", "/v1/events", headers);
    EXPECT_EQ(res.status, 400) << res.body.dump();
    EXPECT_EQ(ErrorCode(res), "invalid_request");
  }
}

// ---------------------------------------------------------------------------------------------
// AUTH-2: platform keys and impersonation

// AUTH-2: live and test keys see the same single data set, with every scope.
TEST(ApiAuth, PlatformKeysImpersonateAliceWithEveryScope) {
  MockServer server;
  auto client = server.Client();
  const ApiResult by_token = V1(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken));
  for (const char* key : {kAcmeLiveKey, kAcmeTestKey}) {
    SCOPED_TRACE(key);
    const auto headers = Bearer(key, kAliceAccount);
    ApiResult events = V1(*client, "GET", "/v1/events", headers);
    ASSERT_EQ(events.status, 200) << events.body.dump();
    EXPECT_EQ(events.body, by_token.body);
    EXPECT_EQ(V1(*client, "GET", "/v1/calendars", headers).status, 200);
    EXPECT_EQ(V1(*client, "GET", "/v1/provider_connections", headers).status, 200);
    ApiResult created = V1(*client, "POST", "/v1/events", headers, EventBody(kAliceWorkCalendar));
    ASSERT_EQ(created.status, 200) << created.body.dump();
    const std::string path = "/v1/events/" + created.body.value("id", "");
    // What the key wrote is alice's: her own token reads it.
    EXPECT_EQ(V1(*client, "GET", path, Bearer(kFixtureAccessToken)).status, 200);
    ApiResult patched = V1(*client, "PATCH", path, headers, R"({"summary":"Moved"})");
    EXPECT_EQ(patched.status, 200) << patched.body.dump();
    EXPECT_EQ(patched.body["summary"], "Moved");
    ApiResult deleted = V1(*client, "DELETE", path, headers);
    EXPECT_EQ(deleted.status, 200) << deleted.body.dump();
    EXPECT_EQ(V1(*client, "GET", path, Bearer(kFixtureAccessToken)).status, 404);
  }
}

// AUTH-2
TEST(ApiAuth, UnknownSecretKeyIs401) {
  MockServer server;
  auto client = server.Client();
  for (const std::string key : {"sk_live_acme00000000000000000001", "sk_test_nope", "sk_live_",
                                "sk_test_globex0000000000000000000"}) {
    SCOPED_TRACE(key);
    ApiResult res = V1(*client, "GET", "/v1/events", Bearer(key, kAliceAccount));
    EXPECT_EQ(res.status, 401) << res.body.dump();
    EXPECT_EQ(res.body["error"]["type"], "authentication_error");
    EXPECT_EQ(res.Header("WWW-Authenticate").rfind(kInvalidTokenChallenge, 0), 0u)
        << res.Header("WWW-Authenticate");
    // CONV-5: the answer does not echo the whole key.
    EXPECT_EQ(res.body.dump().find(key + "\""), std::string::npos) << res.body.dump();
  }
}

// AUTH-2: "the same answer whether it exists or not".
TEST(ApiAuth, ForeignAccountHeaderIsAccountInvalidLikeANonexistentOne) {
  MockServer server;
  auto client = server.Client();
  ApiResult foreign = V1(*client, "GET", "/v1/events", Bearer(kAcmeLiveKey, kCarolAccount));
  ApiResult missing = V1(*client, "GET", "/v1/events", Bearer(kAcmeLiveKey, kMissingAccount));
  for (const ApiResult* res : {&foreign, &missing}) {
    EXPECT_EQ(res->status, 403) << res->body.dump();
    EXPECT_EQ(ErrorCode(*res), "account_invalid");
  }
  EXPECT_EQ(WithoutId(foreign, kCarolAccount), WithoutId(missing, kMissingAccount));
  EXPECT_EQ(foreign.Header("WWW-Authenticate"), missing.Header("WWW-Authenticate"));
  // Nothing of carol's leaks through the error.
  EXPECT_EQ(foreign.body.dump().find("carol@"), std::string::npos) << foreign.body.dump();

  // The other way round: Globex's key cannot act as Acme's alice.
  ApiResult globex = V1(*client, "GET", "/v1/events", Bearer(kGlobexKey, kAliceAccount));
  ApiResult globex_missing = V1(*client, "GET", "/v1/events", Bearer(kGlobexKey, kMissingAccount));
  EXPECT_EQ(globex.status, 403) << globex.body.dump();
  EXPECT_EQ(ErrorCode(globex), "account_invalid");
  EXPECT_EQ(WithoutId(globex, kAliceAccount), WithoutId(globex_missing, kMissingAccount));
  // While each platform acts on its own account.
  EXPECT_EQ(V1(*client, "GET", "/v1/events", Bearer(kGlobexKey, kCarolAccount)).status, 200);
}

// AUTH-2
TEST(ApiAuth, PlatformKeyWithoutAccountHeaderIsAccountRequired) {
  MockServer server;
  auto client = server.Client();
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {"GET", "/v1/events"},
      {"POST", "/v1/events"},
      {"GET", std::string("/v1/events/") + kAlicePlanningEvent},
      {"PATCH", std::string("/v1/events/") + kAlicePlanningEvent},
      {"DELETE", std::string("/v1/events/") + kAlicePlanningEvent},
      {"GET", "/v1/calendars"},
      {"GET", std::string("/v1/calendars/") + kAliceWorkCalendar},
      {"GET", "/v1/provider_connections"},
      {"GET", std::string("/v1/provider_connections/") + kAliceGoogleConnection}};
  const std::string before = AliceState(*client);
  for (const auto& [method, path] : endpoints) {
    SCOPED_TRACE(method + " " + path);
    const std::string body = method == "POST"    ? EventBody(kAliceWorkCalendar)
                             : method == "PATCH" ? R"({"summary":"x"})"
                                                 : "";
    ApiResult res = V1(*client, method, path, Bearer(kAcmeLiveKey), body);
    EXPECT_EQ(res.status, 400) << res.body.dump();
    EXPECT_EQ(ErrorCode(res), "account_required");
  }
  EXPECT_EQ(AliceState(*client), before);
}

// AUTH-2, TOKEN-8: an account counts as connected until its last grant is revoked
// (AuthServer::IsAuthorized); afterwards the platform key can no longer act as it.
TEST(ApiAuth, AccountWhoseLastGrantIsRevokedCannotBeImpersonated) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(V1(*client, "GET", "/v1/events", Bearer(kAcmeLiveKey, kAliceAccount)).status, 200);
  ASSERT_EQ(Revoke(*client, kFixtureRefreshToken), 200);
  EXPECT_EQ(V1(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken)).status, 401);

  ApiResult res = V1(*client, "GET", "/v1/events", Bearer(kAcmeLiveKey, kAliceAccount));
  EXPECT_EQ(res.status, 403) << res.body.dump();
  EXPECT_EQ(ErrorCode(res), "account_invalid");
  ApiResult missing = V1(*client, "GET", "/v1/events", Bearer(kAcmeLiveKey, kMissingAccount));
  EXPECT_EQ(WithoutId(res, kAliceAccount), WithoutId(missing, kMissingAccount));

  // A new consent connects her again, to the same account.
  TokenResult again = PublicClientTokens(*client, "alice@example.com");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body["connected_account_id"], kAliceAccount);
  EXPECT_EQ(V1(*client, "GET", "/v1/events", Bearer(kAcmeLiveKey, kAliceAccount)).status, 200);
}

// RES-1: /v1/accounts lists connected accounts only; one whose last grant was revoked is gone
// from the list and answers 404, until a new consent connects it again.
TEST(ApiAuth, AccountWhoseLastGrantIsRevokedLeavesTheAccountsList) {
  MockServer server;
  auto client = server.Client();
  const std::string alice_path = std::string("/v1/accounts/") + kAliceAccount;
  ASSERT_EQ(V1(*client, "GET", alice_path, Bearer(kAcmeLiveKey)).status, 200);
  ASSERT_EQ(Revoke(*client, kFixtureRefreshToken), 200);

  ApiResult list = V1(*client, "GET", "/v1/accounts", Bearer(kAcmeLiveKey));
  ASSERT_EQ(list.status, 200) << list.body.dump();
  EXPECT_TRUE(Ids(list).empty()) << list.body.dump();
  ApiResult gone = V1(*client, "GET", alice_path, Bearer(kAcmeLiveKey));
  EXPECT_EQ(gone.status, 404) << gone.body.dump();
  EXPECT_EQ(ErrorCode(gone), "resource_missing");

  ASSERT_EQ(PublicClientTokens(*client, "alice@example.com").status, 200);
  EXPECT_EQ(Ids(V1(*client, "GET", "/v1/accounts", Bearer(kAcmeLiveKey))),
            std::vector<std::string>{kAliceAccount});
  EXPECT_EQ(V1(*client, "GET", alice_path, Bearer(kAcmeLiveKey)).status, 200);
}

// RES-1, AUTH-2: accounts are the platform's view; every account-bound credential is refused.
TEST(ApiAuth, AccountsNeedPlatformKeyWithoutAccountHeader) {
  MockServer server;
  auto client = server.Client();
  const std::string bob = NewAccessToken(*client, kBobEmail);
  ApiResult list = V1(*client, "GET", "/v1/accounts", Bearer(kAcmeLiveKey));
  ASSERT_EQ(list.status, 200) << list.body.dump();
  EXPECT_EQ(list.body["object"], "list");
  const std::vector<std::string> ids = Ids(list);
  EXPECT_NE(std::find(ids.begin(), ids.end(), kAliceAccount), ids.end()) << list.body.dump();
  EXPECT_EQ(std::find(ids.begin(), ids.end(), kCarolAccount), ids.end()) << list.body.dump();
  EXPECT_EQ(ids.size(), 2u) << "alice and the just connected bob: " << list.body.dump();

  ApiResult alice =
      V1(*client, "GET", std::string("/v1/accounts/") + kAliceAccount, Bearer(kAcmeTestKey));
  ASSERT_EQ(alice.status, 200) << alice.body.dump();
  EXPECT_EQ(alice.body["object"], "account");
  EXPECT_EQ(alice.body["email"], "alice@example.com");
  EXPECT_EQ(alice.body["provider_connections"], 2);

  const std::vector<httplib::Headers> refused = {
      Bearer(kAcmeLiveKey, kAliceAccount), Bearer(kFixtureAccessToken),
      Bearer(kFixtureAccessToken, kAliceAccount), Bearer(bob), Bearer(kGlobexKey, kCarolAccount)};
  for (const std::string& path :
       std::vector<std::string>{"/v1/accounts", std::string("/v1/accounts/") + kAliceAccount}) {
    for (const httplib::Headers& headers : refused) {
      SCOPED_TRACE(path + " with " + headers.begin()->second);
      ApiResult res = V1(*client, "GET", path, headers);
      EXPECT_EQ(res.status, 403) << res.body.dump();
      EXPECT_EQ(ErrorCode(res), "platform_key_required");
      EXPECT_EQ(res.body.dump().find("alice@example.com"), std::string::npos);
    }
  }
}

// RES-1, AUTH-5: another platform's key does not see Acme's accounts, not even by id.
TEST(ApiAuth, GlobexKeyDoesNotSeeAcmeAccounts) {
  MockServer server;
  auto client = server.Client();
  ApiResult list = V1(*client, "GET", "/v1/accounts", Bearer(kGlobexKey));
  ASSERT_EQ(list.status, 200) << list.body.dump();
  EXPECT_EQ(Ids(list), std::vector<std::string>{kCarolAccount});
  ApiResult alice =
      V1(*client, "GET", std::string("/v1/accounts/") + kAliceAccount, Bearer(kGlobexKey));
  ApiResult missing =
      V1(*client, "GET", std::string("/v1/accounts/") + kMissingAccount, Bearer(kGlobexKey));
  EXPECT_EQ(alice.status, 404) << alice.body.dump();
  EXPECT_EQ(missing.status, 404) << missing.body.dump();
  EXPECT_EQ(WithoutId(alice, kAliceAccount), WithoutId(missing, kMissingAccount));
  // And Acme's key does not see carol.
  ApiResult carol =
      V1(*client, "GET", std::string("/v1/accounts/") + kCarolAccount, Bearer(kAcmeLiveKey));
  EXPECT_EQ(carol.status, 404) << carol.body.dump();
}

// ---------------------------------------------------------------------------------------------
// AUTH-3

// AUTH-3
TEST(ApiAuth, AccessTokenWithAnotherAccountHeaderIsAccountInvalid) {
  MockServer server;
  auto client = server.Client();
  TokenResult bob = PublicClientTokens(*client, kBobEmail);
  ASSERT_EQ(bob.status, 200);
  const std::string bob_account = bob.body.value("connected_account_id", "");
  for (const std::string& account :
       std::vector<std::string>{kCarolAccount, bob_account, kMissingAccount}) {
    SCOPED_TRACE(account);
    ApiResult res = V1(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken, account));
    EXPECT_EQ(res.status, 403) << res.body.dump();
    EXPECT_EQ(ErrorCode(res), "account_invalid");
    ApiResult write = V1(*client, "POST", "/v1/events", Bearer(kFixtureAccessToken, account),
                         EventBody(kAliceWorkCalendar));
    EXPECT_EQ(write.status, 403) << write.body.dump();
  }
  // Bob's token cannot name alice either.
  ApiResult bob_as_alice =
      V1(*client, "GET", "/v1/events", Bearer(bob.body.value("access_token", ""), kAliceAccount));
  EXPECT_EQ(bob_as_alice.status, 403) << bob_as_alice.body.dump();
  EXPECT_EQ(ErrorCode(bob_as_alice), "account_invalid");
  // Naming its own account is allowed.
  ApiResult own = V1(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken, kAliceAccount));
  EXPECT_EQ(own.status, 200) << own.body.dump();
  EXPECT_EQ(own.body["data"].size(), 5u);
  // The refused POSTs created nothing.
  EXPECT_EQ(V1(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken)).body["data"].size(), 5u);
}

// ---------------------------------------------------------------------------------------------
// AUTH-4: scopes

struct ScopedCall {
  std::string method;
  std::string path;
  std::string body;
  std::string scope;  // the one it needs
};

std::vector<ScopedCall> ScopedCalls() {
  return {{"GET", "/v1/events", "", "events:read"},
          {"GET", std::string("/v1/events/") + kAlicePlanningEvent, "", "events:read"},
          {"POST", "/v1/events", EventBody(kAliceWorkCalendar), "events:write"},
          {"PATCH", std::string("/v1/events/") + kAlicePlanningEvent, R"({"summary":"x"})",
           "events:write"},
          {"DELETE", std::string("/v1/events/") + kAlicePlanningEvent, "", "events:write"},
          {"GET", "/v1/calendars", "", "calendars:read"},
          {"GET", std::string("/v1/calendars/") + kAliceWorkCalendar, "", "calendars:read"},
          {"GET", "/v1/provider_connections", "", "calendars:read"},
          {"GET", std::string("/v1/provider_connections/") + kAliceGoogleConnection, "",
           "calendars:read"}};
}

// All four scopes but `missing`.
std::string AllScopesBut(const std::string& missing) {
  std::string out;
  for (const char* s : {"events:read", "events:write", "calendars:read", "webhooks:manage"}) {
    if (s == missing) continue;
    out += (out.empty() ? "" : " ") + std::string(s);
  }
  return out;
}

// AUTH-4: each endpoint family needs its scope, and only that one.
TEST(ApiAuth, TokenWithoutTheScopeIs403InsufficientScope) {
  MockServer server;
  auto client = server.Client();
  std::map<std::string, std::string> lacking;  // scope → an alice token with all the others
  for (const char* scope : {"events:read", "events:write", "calendars:read"}) {
    TokenResult tokens = PublicClientTokens(*client, "alice@example.com", AllScopesBut(scope));
    ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
    EXPECT_EQ(tokens.body["scope"], AllScopesBut(scope));
    lacking[scope] = tokens.body.value("access_token", "");
  }
  const std::string before = AliceState(*client);
  for (const ScopedCall& call : ScopedCalls()) {
    SCOPED_TRACE(call.method + " " + call.path);
    ApiResult res = V1(*client, call.method, call.path, Bearer(lacking[call.scope]), call.body);
    EXPECT_EQ(res.status, 403) << res.body.dump();
    EXPECT_EQ(ErrorCode(res), "insufficient_scope");
    EXPECT_EQ(res.Header("WWW-Authenticate"),
              "Bearer error=\"insufficient_scope\", scope=\"" + call.scope + "\"");
  }
  EXPECT_EQ(AliceState(*client), before);
  // The same tokens pass where they hold the scope (reads only, to keep alice's data intact).
  for (const ScopedCall& call : ScopedCalls()) {
    if (call.method != "GET") continue;
    for (const auto& [scope, token] : lacking) {
      if (scope == call.scope) continue;
      SCOPED_TRACE(call.path + " without " + scope);
      EXPECT_EQ(V1(*client, "GET", call.path, Bearer(token)).status, 200);
    }
  }
}

// AUTH-4, AUTHZ-4: the user unticks scopes on the consent page; the token carries only the rest.
TEST(ApiAuth, ScopesUntickedAtConsentAreMissingFromTheToken) {
  MockServer server;
  auto client = server.Client();
  Pkce pkce = Pkce::Make();
  const std::string location =
      AuthorizeAndApprove(*client, AuthorizeParams(pkce), "alice@example.com", {"calendars:read"});
  const std::string code = QueryParam(location, "code");
  ASSERT_FALSE(code.empty()) << location;
  TokenResult tokens = PostToken(*client, {{"grant_type", "authorization_code"},
                                           {"code", code},
                                           {"redirect_uri", kRedirect},
                                           {"code_verifier", pkce.verifier},
                                           {"client_id", kPublicClient}});
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["scope"], "calendars:read");
  const auto headers = Bearer(tokens.body.value("access_token", ""));
  EXPECT_EQ(V1(*client, "GET", "/v1/calendars", headers).status, 200);
  EXPECT_EQ(V1(*client, "GET", "/v1/provider_connections", headers).status, 200);
  ApiResult read = V1(*client, "GET", "/v1/events", headers);
  EXPECT_EQ(read.status, 403);
  EXPECT_EQ(read.Header("WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", scope=\"events:read\"");
  ApiResult write = V1(*client, "POST", "/v1/events", headers, EventBody(kAliceWorkCalendar));
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(write.Header("WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", scope=\"events:write\"");
}

// AUTH-4, TOKEN-6: a refresh with a narrower scope yields an access token with only that scope.
TEST(ApiAuth, RefreshNarrowedScopeIsEnforced) {
  MockServer server;
  auto client = server.Client();
  TokenResult first = PublicClientTokens(*client, "alice@example.com");
  ASSERT_EQ(first.status, 200);
  TokenResult narrowed = PostToken(*client, {{"grant_type", "refresh_token"},
                                             {"refresh_token", first.body["refresh_token"]},
                                             {"client_id", kPublicClient},
                                             {"scope", "events:read"}});
  ASSERT_EQ(narrowed.status, 200) << narrowed.body.dump();
  EXPECT_EQ(narrowed.body["scope"], "events:read");
  const auto headers = Bearer(narrowed.body.value("access_token", ""));
  EXPECT_EQ(V1(*client, "GET", "/v1/events", headers).status, 200);
  ApiResult write = V1(*client, "PATCH", std::string("/v1/events/") + kAlicePlanningEvent, headers,
                       R"({"summary":"x"})");
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(write.Header("WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", scope=\"events:write\"");
  ApiResult calendars = V1(*client, "GET", "/v1/calendars", headers);
  EXPECT_EQ(calendars.status, 403);
  EXPECT_EQ(calendars.Header("WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", scope=\"calendars:read\"");
}

// ---------------------------------------------------------------------------------------------
// AUTH-5: the isolation matrix

// One request on one of alice's objects, and the same request for an id that does not exist.
struct Probe {
  std::string method;
  std::string path;
  std::string body;
  std::string alice_id;      // the id of alice's the request names; "" for plain lists
  std::string missing_path;  // with alice_id replaced by a nonexistent id
  std::string missing_body;
  std::string missing_id;
  std::string scope;       // what a cat_ token needs; "" for the platform-only accounts
  int foreign_status;      // for another account's credentials
  int other_platform_key;  // for Globex's key without an account header
};

std::vector<Probe> Probes() {
  // `path` and `body` name alice's object as {id}.
  auto on = [](std::string method, const std::string& path, const std::string& body, std::string id,
               std::string missing, std::string scope, int status, int other_platform_key = 400) {
    return Probe{std::move(method),
                 ReplaceAll(path, "{id}", id),
                 ReplaceAll(body, "{id}", id),
                 id,
                 ReplaceAll(path, "{id}", missing),
                 ReplaceAll(body, "{id}", missing),
                 missing,
                 std::move(scope),
                 status,
                 other_platform_key};
  };
  auto list = [](std::string path, std::string scope, int status, int other_platform_key = 400) {
    return Probe{"GET",  std::move(path),   "", "", "", "", "", std::move(scope),
                 status, other_platform_key};
  };
  const std::string patch = R"({"summary":"Hijacked","location":"Elsewhere"})";
  return {
      list("/v1/events", "events:read", 200),
      on("GET", "/v1/events?starting_after={id}", "", kAlicePlanningEvent, kMissingEvent,
         "events:read", 400),
      on("GET", "/v1/events?calendar_id={id}", "", kAliceWorkCalendar, kMissingCalendar,
         "events:read", 404),
      on("POST", "/v1/events", EventBody("{id}"), kAliceWorkCalendar, kMissingCalendar,
         "events:write", 400),
      on("GET", "/v1/events/{id}", "", kAlicePlanningEvent, kMissingEvent, "events:read", 404),
      on("PATCH", "/v1/events/{id}", patch, kAlicePlanningEvent, kMissingEvent, "events:write",
         404),
      on("PATCH", "/v1/events/{id}", "{}", kAlicePlanningEvent, kMissingEvent, "events:write", 404),
      on("DELETE", "/v1/events/{id}", "", kAlicePlanningEvent, kMissingEvent, "events:write", 404),
      list("/v1/calendars", "calendars:read", 200),
      on("GET", "/v1/calendars?starting_after={id}", "", kAliceWorkCalendar, kMissingCalendar,
         "calendars:read", 400),
      on("GET", "/v1/calendars/{id}", "", kAliceWorkCalendar, kMissingCalendar, "calendars:read",
         404),
      list("/v1/provider_connections", "calendars:read", 200),
      on("GET", "/v1/provider_connections?starting_after={id}", "", kAliceGoogleConnection,
         kMissingConnection, "calendars:read", 400),
      on("GET", "/v1/provider_connections/{id}", "", kAliceGoogleConnection, kMissingConnection,
         "calendars:read", 404),
      list("/v1/accounts", "", 403, 200),
      on("GET", "/v1/accounts?starting_after={id}", "", kAliceAccount, kMissingAccount, "", 403,
         400),
      on("GET", "/v1/accounts/{id}", "", kAliceAccount, kMissingAccount, "", 403, 404),
  };
}

// Asserts that an answer to another account's credential shows nothing of alice's.
void ExpectNothingOfAlice(const ApiResult& res, const std::string& named_id) {
  const std::string body = ReplaceAll(res.body.dump(), named_id, "<id>");
  for (const std::string& id : AliceIdentifiers()) {
    EXPECT_EQ(body.find(id), std::string::npos) << id << " visible in " << res.body.dump();
  }
}

// AUTH-5: (a) another account of the same platform, by token and by key; (b) another
// platform's account; (c) alice's own tokens lacking the scope; (d) an expired token of alice's;
// (e) another platform's key alone. Each gets its documented answer, foreign objects answer
// exactly like missing ones, and alice's data is byte-identical afterwards.
TEST(ApiAuth, IsolationMatrixHidesAndProtectsAlicesObjects) {
  MockServer server;
  auto client = server.Client();
  TokenResult bob = PublicClientTokens(*client, kBobEmail);
  ASSERT_EQ(bob.status, 200);
  const std::string bob_account = bob.body.value("connected_account_id", "");
  std::map<std::string, std::string> lacking;
  for (const char* scope : {"events:read", "events:write", "calendars:read"}) {
    lacking[scope] = NewAccessToken(*client, "alice@example.com", AllScopesBut(scope));
  }
  const std::string expiring = NewAccessToken(*client, "alice@example.com");
  ASSERT_EQ(V1(*client, "GET", "/v1/events", Bearer(expiring)).status, 200);
  const std::string before = AliceState(*client);

  // (a), (b): other accounts.
  const std::vector<std::pair<std::string, httplib::Headers>> others = {
      {"bob's token", Bearer(bob.body.value("access_token", ""))},
      {"Acme key as bob", Bearer(kAcmeLiveKey, bob_account)},
      {"Globex key as carol", Bearer(kGlobexKey, kCarolAccount)}};
  for (const auto& [who, headers] : others) {
    for (const Probe& probe : Probes()) {
      SCOPED_TRACE(who + ": " + probe.method + " " + probe.path);
      ApiResult res = V1(*client, probe.method, probe.path, headers, probe.body);
      EXPECT_EQ(res.status, probe.foreign_status) << res.body.dump();
      if (probe.scope.empty()) {
        EXPECT_EQ(ErrorCode(res), "platform_key_required");
      } else if (!probe.alice_id.empty()) {
        ApiResult missing =
            V1(*client, probe.method, probe.missing_path, headers, probe.missing_body);
        EXPECT_EQ(missing.status, res.status);
        EXPECT_EQ(WithoutId(res, probe.alice_id), WithoutId(missing, probe.missing_id));
      }
      if (probe.method == "POST") {
        EXPECT_EQ(ErrorParam(res), "calendar_id");
      }
      ExpectNothingOfAlice(res, probe.alice_id);
    }
  }

  // (c): alice's own tokens without the scope.
  for (const Probe& probe : Probes()) {
    SCOPED_TRACE("lacking " + probe.scope + ": " + probe.method + " " + probe.path);
    const std::string token = probe.scope.empty() ? lacking["events:read"] : lacking[probe.scope];
    ApiResult res = V1(*client, probe.method, probe.path, Bearer(token), probe.body);
    EXPECT_EQ(res.status, 403) << res.body.dump();
    if (probe.scope.empty()) {
      EXPECT_EQ(ErrorCode(res), "platform_key_required");
    } else {
      EXPECT_EQ(ErrorCode(res), "insufficient_scope");
      EXPECT_EQ(res.Header("WWW-Authenticate"),
                "Bearer error=\"insufficient_scope\", scope=\"" + probe.scope + "\"");
    }
  }

  // (e): Globex's key without an account header.
  for (const Probe& probe : Probes()) {
    SCOPED_TRACE("Globex key alone: " + probe.method + " " + probe.path);
    ApiResult res = V1(*client, probe.method, probe.path, Bearer(kGlobexKey), probe.body);
    EXPECT_EQ(res.status, probe.other_platform_key) << res.body.dump();
    if (!probe.scope.empty()) {
      EXPECT_EQ(ErrorCode(res), "account_required");
    } else if (!probe.alice_id.empty()) {
      ApiResult missing = V1(*client, probe.method, probe.missing_path, Bearer(kGlobexKey));
      EXPECT_EQ(WithoutId(res, probe.alice_id), WithoutId(missing, probe.missing_id));
    }
    ExpectNothingOfAlice(res, probe.alice_id);
  }

  // (d): alice's token, an hour later.
  server.Advance(3601);
  for (const Probe& probe : Probes()) {
    SCOPED_TRACE("expired: " + probe.method + " " + probe.path);
    ApiResult res = V1(*client, probe.method, probe.path, Bearer(expiring), probe.body);
    EXPECT_EQ(res.status, 401) << res.body.dump();
    EXPECT_EQ(ErrorCode(res), "invalid_token");
    EXPECT_EQ(res.Header("WWW-Authenticate").rfind(kInvalidTokenChallenge, 0), 0u);
    ExpectNothingOfAlice(res, probe.alice_id);
  }

  EXPECT_EQ(AliceState(*client), before);
}

// AUTH-5, RES-4: bob cannot write into alice's calendar; the answer is a validation error on
// calendar_id, the same as for a calendar that does not exist.
TEST(ApiAuth, CreatingEventOnForeignCalendarIs400CalendarId) {
  MockServer server;
  auto client = server.Client();
  const auto bob = Bearer(NewAccessToken(*client, kBobEmail));
  ApiResult foreign = V1(*client, "POST", "/v1/events", bob, EventBody(kAliceWorkCalendar));
  ApiResult missing = V1(*client, "POST", "/v1/events", bob, EventBody(kMissingCalendar));
  EXPECT_EQ(foreign.status, 400) << foreign.body.dump();
  EXPECT_EQ(ErrorParam(foreign), "calendar_id");
  EXPECT_EQ(WithoutId(foreign, kAliceWorkCalendar), WithoutId(missing, kMissingCalendar));
  EXPECT_TRUE(V1(*client, "GET", "/v1/events", bob).body["data"].empty());
  EXPECT_EQ(
      V1(*client, "GET", "/v1/events?limit=100", Bearer(kFixtureAccessToken)).body["data"].size(),
      5u);
  // Carol (Globex) cannot move her own event into alice's calendar.
  const auto carol = Bearer(kGlobexKey, kCarolAccount);
  const std::string carol_event = "/v1/events/evt_carolStandup01";
  const ApiResult carol_before = V1(*client, "GET", carol_event, carol);
  ApiResult into_alice =
      V1(*client, "PATCH", carol_event, carol, Json{{"calendar_id", kAliceWorkCalendar}}.dump());
  ApiResult into_missing =
      V1(*client, "PATCH", carol_event, carol, Json{{"calendar_id", kMissingCalendar}}.dump());
  EXPECT_EQ(into_alice.status, 400) << into_alice.body.dump();
  EXPECT_EQ(ErrorParam(into_alice), "calendar_id");
  EXPECT_EQ(WithoutId(into_alice, kAliceWorkCalendar), WithoutId(into_missing, kMissingCalendar));
  EXPECT_EQ(V1(*client, "GET", carol_event, carol).body, carol_before.body);
  // Alice cannot move her own event into carol's calendar either.
  ApiResult moved = V1(*client, "PATCH", std::string("/v1/events/") + kAlicePlanningEvent,
                       Bearer(kFixtureAccessToken), R"({"calendar_id":"cal_carolMain00001"})");
  EXPECT_EQ(moved.status, 400) << moved.body.dump();
  EXPECT_EQ(ErrorParam(moved), "calendar_id");
}

// ---------------------------------------------------------------------------------------------
// ERR-1, CONV-4: routing errors and the error type of every status

// ERR-1, CONV-4
TEST(ApiAuth, UnknownV1PathIs404Json) {
  MockServer server;
  auto client = server.Client();
  for (const std::string path :
       {"/v1/nothing", "/v1", "/v1/", "/v1/events/evt_x/more", "/v1/webhooks", "/v1/EVENTS"}) {
    SCOPED_TRACE(path);
    ApiResult res = V1(*client, "GET", path, Bearer(kFixtureAccessToken));
    EXPECT_EQ(res.status, 404) << res.body.dump();
    EXPECT_EQ(ErrorCode(res), "resource_missing");
    // Without credentials too: a 404, not an HTML page or a 401.
    ApiResult anonymous = V1(*client, "GET", path, {});
    EXPECT_EQ(anonymous.status, 404);
  }
}

// ERR-1, CONV-4
TEST(ApiAuth, WrongMethodIs405WithAllow) {
  MockServer server;
  auto client = server.Client();
  struct Case {
    std::string method, path, allow;
  };
  const std::vector<Case> cases = {
      {"PUT", "/v1/events", "GET, HEAD, POST"},
      {"DELETE", "/v1/events", "GET, HEAD, POST"},
      {"POST", std::string("/v1/events/") + kAlicePlanningEvent, "GET, HEAD, PATCH, DELETE"},
      {"PUT", std::string("/v1/events/") + kAlicePlanningEvent, "GET, HEAD, PATCH, DELETE"},
      {"POST", "/v1/calendars", "GET, HEAD"},
      {"DELETE", std::string("/v1/calendars/") + kAliceWorkCalendar, "GET, HEAD"},
      {"PATCH", "/v1/provider_connections", "GET, HEAD"},
      {"POST", "/v1/accounts", "GET, HEAD"},
      {"DELETE", std::string("/v1/accounts/") + kAliceAccount, "GET, HEAD"}};
  const std::string before = AliceState(*client);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    ApiResult res = V1(*client, c.method, c.path, Bearer(kFixtureAccessToken),
                       c.method == "GET" || c.method == "DELETE" ? "" : "{}");
    EXPECT_EQ(res.status, 405) << res.body.dump();
    EXPECT_EQ(res.Header("Allow"), c.allow);
  }
  EXPECT_EQ(AliceState(*client), before);
}

// ERR-1: 400, 401, 403, 404, 405, 409, 413 and 415 each carry their documented type (V1()
// checks the type against the status; this test makes each status happen).
TEST(ApiAuth, ErrorTypeMatchesStatus) {
  MockServer server;
  auto client = server.Client();
  const auto alice = Bearer(kFixtureAccessToken);
  std::set<int> seen;
  auto record = [&](const ApiResult& res) { seen.insert(res.status); };

  record(V1(*client, "POST", "/v1/events", alice, "{not json"));                  // 400
  record(V1(*client, "GET", "/v1/events", {}));                                   // 401
  record(V1(*client, "GET", "/v1/accounts", alice));                              // 403
  record(V1(*client, "GET", std::string("/v1/events/") + kMissingEvent, alice));  // 404
  record(V1(*client, "PUT", "/v1/events", alice, "{}"));                          // 405
  auto keyed = alice;
  keyed.emplace("Idempotency-Key", "auth-test-key-1");
  record(V1(*client, "POST", "/v1/events", keyed, EventBody(kAliceWorkCalendar)));       // 200
  record(V1(*client, "POST", "/v1/events", keyed, EventBody(kAlicePersonalCalendar)));   // 409
  record(V1(*client, "POST", "/v1/events", alice, std::string(1024 * 1024 + 16, ' ')));  // 413
  httplib::Request text;
  text.method = "POST";
  text.path = "/v1/events";
  text.headers = alice;
  text.body = EventBody(kAliceWorkCalendar);
  text.set_header("Content-Type", "text/plain");
  auto raw = client->send(text);
  ASSERT_TRUE(raw);
  ApiResult unsupported{raw->status, Json::parse(raw->body, nullptr, false), raw->headers};
  if (unsupported.body.is_discarded()) unsupported.body = Json();
  CheckConventions("POST /v1/events as text/plain", unsupported);
  record(unsupported);  // 415

  EXPECT_EQ(seen, (std::set<int>{200, 400, 401, 403, 404, 405, 409, 413, 415}));
}

}  // namespace
}  // namespace chronapilot::testing
