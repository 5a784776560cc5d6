// Webhook endpoints as a platform registers them (SPEC HOOK-1, with the routing owners of HOOK-2
// and the authentication of §4): create with each kind of credential, the object's shape, the
// secret that only create and rotate_secret show, list/get/delete, isolation between owners and
// input validation. All through real HTTP on loopback; deliveries are webhook_routing_test.cc's.
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "mock/crypto.h"
#include "mock/text.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

constexpr char kPath[] = "/v1/webhook_endpoints";
constexpr char kMissingId[] = "we_doesNotExist00001";

httplib::Headers Alice() { return Bearer(kFixtureAccessToken); }
httplib::Headers AliceViaKey() { return Bearer(kAcmeLiveKey, kAliceAccount); }
httplib::Headers AcmePlatform() { return Bearer(kAcmeLiveKey); }
httplib::Headers GlobexPlatform() { return Bearer(kGlobexKey); }
httplib::Headers Carol() { return Bearer(kGlobexKey, kCarolAccount); }

std::string Body(const std::string& url, const Json& events = Json::array({"event.created"})) {
  return Json{{"url", url}, {"enabled_events", events}}.dump();
}

// POST /v1/webhook_endpoints that must succeed; returns the created object (with its secret).
Json Create(httplib::Client& client, const httplib::Headers& auth, const std::string& body) {
  ApiResult res = Api(client, "POST", kPath, auth, body);
  EXPECT_EQ(res.status, 200) << body << " -> " << res.body.dump();
  return res.body.is_object() ? res.body : Json::object();
}

Json CreateAt(httplib::Client& client, const httplib::Headers& auth, const std::string& url) {
  return Create(client, auth, Body(url));
}

std::vector<std::string> ListIds(httplib::Client& client, const httplib::Headers& auth) {
  ApiResult res = Api(client, "GET", std::string(kPath) + "?limit=100", auth);
  EXPECT_EQ(res.status, 200) << res.body.dump();
  std::vector<std::string> ids;
  if (!res.body.is_object() || !res.body["data"].is_array()) return ids;
  EXPECT_EQ(res.body.value("object", ""), "list");
  for (const Json& e : res.body["data"]) ids.push_back(e.value("id", ""));
  return ids;
}

std::set<std::string> Keys(const Json& object) {
  std::set<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.insert(key);
  return keys;
}

bool IsBase62(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      return false;
    }
  }
  return !s.empty();
}

int64_t Now(httplib::Client& client) {
  ApiResult clock = Api(client, "GET", "/_mock/clock", {});
  EXPECT_EQ(clock.status, 200);
  return clock.body.value("now", int64_t(0));
}

// CONV-2: "whsec_" + standard padded base64 of 32 CSPRNG bytes.
void ExpectWebhookSecret(const Json& secret) {
  ASSERT_TRUE(secret.is_string()) << secret.dump();
  const std::string s = secret.get<std::string>();
  ASSERT_TRUE(StartsWith(s, "whsec_")) << s;
  const std::string encoded = s.substr(6);
  EXPECT_EQ(encoded.size(), 44u) << "32 bytes are 44 padded base64 characters: " << s;
  EXPECT_EQ(encoded.back(), '=') << "padded base64: " << s;
  auto key = Base64Decode(encoded);
  ASSERT_TRUE(key.has_value()) << "not standard base64: " << s;
  EXPECT_EQ(key->size(), 32u) << s;
}

// ERR-1 with the given status, type and (when non-empty) code and param.
void ExpectError(const ApiResult& res, int status, const std::string& type,
                 const std::string& code = "", const std::string& param = "") {
  EXPECT_EQ(res.status, status) << res.body.dump();
  ASSERT_TRUE(res.body.is_object() && res.body["error"].is_object()) << res.body.dump();
  const Json& error = res.body["error"];
  EXPECT_EQ(error.value("type", ""), type) << res.body.dump();
  EXPECT_FALSE(error.value("message", "").empty()) << res.body.dump();
  if (!code.empty()) {
    EXPECT_EQ(error.value("code", ""), code) << res.body.dump();
  }
  if (!param.empty()) {
    EXPECT_EQ(error.value("param", ""), param) << res.body.dump();
  }
}

void ExpectBadRequest(const ApiResult& res, const std::string& param,
                      const std::string& code = "") {
  ExpectError(res, 400, "invalid_request_error", code, param);
}

// --- Creating, with each kind of credential -----------------------------------------------------

// HOOK-1, HOOK-2, CONV-2, CONV-3: a cat_ token registers against its account; the answer is the
// whole object plus the secret, created on the virtual clock.
TEST(WebhookEndpoints, CreateWithAccessTokenAnswersTheWholeObjectAndTheSecret) {
  MockServer server;
  auto client = server.Client();
  server.Advance(86400 * 3);  // `created` must follow the virtual clock, not the wall clock
  const int64_t before = Now(*client);
  ApiResult res = Api(*client, "POST", kPath, Alice(),
                      Json{{"url", "http://127.0.0.1:9/hooks?tenant=a"},
                           {"enabled_events", {"event.created", "event.deleted"}},
                           {"description", "Calendar sync"}}
                          .dump());
  const int64_t after = Now(*client);
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.Header("Content-Type"), "application/json; charset=utf-8");
  Json e = res.body;
  EXPECT_EQ(Keys(e),
            (std::set<std::string>{"id", "object", "url", "enabled_events", "connect", "account",
                                   "status", "description", "created", "secret"}))
      << e.dump();
  ASSERT_TRUE(e["id"].is_string());
  EXPECT_TRUE(StartsWith(e["id"].get<std::string>(), "we_")) << e.dump();
  EXPECT_TRUE(IsBase62(e["id"].get<std::string>().substr(3))) << e.dump();
  EXPECT_EQ(e["object"], "webhook_endpoint");
  EXPECT_EQ(e["url"], "http://127.0.0.1:9/hooks?tenant=a");
  EXPECT_EQ(e["enabled_events"], Json::array({"event.created", "event.deleted"}));
  EXPECT_EQ(e["connect"], false);
  EXPECT_EQ(e["account"], kAliceAccount);
  EXPECT_EQ(e["status"], "enabled");
  EXPECT_EQ(e["description"], "Calendar sync");
  ASSERT_TRUE(e["created"].is_number_integer()) << e.dump();
  EXPECT_GE(e["created"].get<int64_t>(), before);
  EXPECT_LE(e["created"].get<int64_t>(), after);
  ExpectWebhookSecret(e["secret"]);
}

// HOOK-1, HOOK-2, AUTH-2: a platform key with Chronapilot-Account registers against that account;
// the account's own token then sees the same endpoint, the platform level does not.
TEST(WebhookEndpoints, CreateWithPlatformKeyAndAccountHeaderRegistersAgainstThatAccount) {
  MockServer server;
  auto client = server.Client();
  Json e = CreateAt(*client, AliceViaKey(), "http://127.0.0.1:9/alice");
  EXPECT_EQ(e["account"], kAliceAccount) << e.dump();
  EXPECT_EQ(e["connect"], false) << e.dump();
  ExpectWebhookSecret(e["secret"]);

  ApiResult got = Api(*client, "GET", std::string(kPath) + "/" + e.value("id", ""), Alice());
  EXPECT_EQ(got.status, 200) << got.body.dump();
  EXPECT_EQ(got.body["account"], kAliceAccount);
  EXPECT_EQ(ListIds(*client, Alice()), std::vector<std::string>{e.value("id", "")});
  EXPECT_TRUE(ListIds(*client, AcmePlatform()).empty());
}

// HOOK-1, HOOK-2: a platform key alone creates platform-level endpoints (account null), with
// connect false unless asked; live and test keys see the same platform level (AUTH-2).
TEST(WebhookEndpoints, PlatformKeyAloneCreatesPlatformLevelEndpoints) {
  MockServer server;
  auto client = server.Client();
  Json plain = CreateAt(*client, AcmePlatform(), "https://127.0.0.1:9/plain");
  EXPECT_TRUE(plain["account"].is_null()) << plain.dump();
  EXPECT_EQ(plain["connect"], false) << plain.dump();
  EXPECT_TRUE(plain["description"].is_null()) << "no description given: " << plain.dump();
  EXPECT_EQ(plain["status"], "enabled");
  ExpectWebhookSecret(plain["secret"]);

  Json connect = Create(
      *client, AcmePlatform(),
      Json{{"url", "http://localhost:9/connect"}, {"enabled_events", {"*"}}, {"connect", true}}
          .dump());
  EXPECT_TRUE(connect["account"].is_null()) << connect.dump();
  EXPECT_EQ(connect["connect"], true) << connect.dump();
  EXPECT_EQ(connect["enabled_events"], Json::array({"*"}));

  Json explicit_false = Create(
      *client, AcmePlatform(),
      Json{{"url", "http://[::1]:9/x"}, {"enabled_events", {"*"}}, {"connect", false}}.dump());
  EXPECT_EQ(explicit_false["connect"], false) << explicit_false.dump();

  const std::set<std::string> expected = {plain.value("id", ""), connect.value("id", ""),
                                          explicit_false.value("id", "")};
  const std::vector<std::string> live = ListIds(*client, AcmePlatform());
  EXPECT_EQ(std::set<std::string>(live.begin(), live.end()), expected);
  EXPECT_EQ(ListIds(*client, Bearer(kAcmeTestKey)), live);
  EXPECT_TRUE(ListIds(*client, Alice()).empty());
}

// HOOK-1: the mock delivers to any host, but warns about one that is not loopback (127.0.0.0/8,
// localhost, [::1]).
TEST(WebhookEndpoints, NonLoopbackHostIsAcceptedWithAWarning) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  {
    MockServer server(Options(), log);
    auto client = server.Client();
    Json remote = CreateAt(*client, Alice(), "https://hooks.example.com/chronapilot");
    EXPECT_EQ(remote["url"], "https://hooks.example.com/chronapilot");
    Json named = CreateAt(*client, Alice(), "http://127.attacker.example/x");
    EXPECT_EQ(named["status"], "enabled");
    for (const char* loopback : {"http://127.0.0.1:9/local", "http://127.1.2.3/local",
                                 "http://localhost:9/local", "http://[::1]:9/local"}) {
      EXPECT_EQ(CreateAt(*client, Alice(), loopback)["status"], "enabled");
    }
  }
  std::fflush(log);
  std::rewind(log);
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, log)) > 0;) text.append(buf, n);
  std::fclose(log);
  EXPECT_NE(text.find("non-loopback host: hooks.example.com"), std::string::npos) << text;
  // A name that merely starts like a loopback address is not one.
  EXPECT_NE(text.find("non-loopback host: 127.attacker.example"), std::string::npos) << text;
  for (const char* loopback :
       {"host: 127.0.0.1", "host: 127.1.2.3", "host: localhost", "host: [::1]"}) {
    EXPECT_EQ(text.find(loopback), std::string::npos) << text;
  }
}

// --- The secret ---------------------------------------------------------------------------------

// HOOK-1, HOOK-4, CONV-5: the secret is in the create and rotate_secret answers only; never in
// GET, list or delete. A rotation hands out a different secret.
TEST(WebhookEndpoints, SecretIsShownOnlyByCreateAndRotateSecret) {
  MockServer server;
  auto client = server.Client();
  Json e = CreateAt(*client, Alice(), "http://127.0.0.1:9/s");
  const std::string id = e.value("id", "");
  const std::string secret = e.value("secret", "");
  ASSERT_FALSE(secret.empty()) << e.dump();

  ApiResult got = Api(*client, "GET", std::string(kPath) + "/" + id, Alice());
  ASSERT_EQ(got.status, 200) << got.body.dump();
  EXPECT_FALSE(got.body.contains("secret")) << got.body.dump();
  EXPECT_EQ(got.body.dump().find(secret.substr(6)), std::string::npos);
  // Everything else is what create answered.
  Json without_secret = e;
  without_secret.erase("secret");
  EXPECT_EQ(got.body, without_secret);

  ApiResult list = Api(*client, "GET", kPath, Alice());
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["data"].size(), 1u) << list.body.dump();
  EXPECT_FALSE(list.body["data"][0].contains("secret")) << list.body.dump();
  EXPECT_EQ(list.body.dump().find(secret.substr(6)), std::string::npos);

  ApiResult rotated =
      Api(*client, "POST", std::string(kPath) + "/" + id + "/rotate_secret", Alice());
  ASSERT_EQ(rotated.status, 200) << rotated.body.dump();
  EXPECT_EQ(rotated.body["id"], id);
  EXPECT_EQ(rotated.body["object"], "webhook_endpoint");
  ExpectWebhookSecret(rotated.body["secret"]);
  EXPECT_NE(rotated.body.value("secret", ""), secret);

  ApiResult after = Api(*client, "GET", std::string(kPath) + "/" + id, Alice());
  EXPECT_FALSE(after.body.contains("secret")) << after.body.dump();
  ApiResult deleted = Api(*client, "DELETE", std::string(kPath) + "/" + id, Alice());
  EXPECT_FALSE(deleted.body.contains("secret")) << deleted.body.dump();
}

// CONV-2: secrets are drawn afresh for every endpoint.
TEST(WebhookEndpoints, EveryEndpointGetsItsOwnSecret) {
  MockServer server;
  auto client = server.Client();
  std::set<std::string> secrets;
  for (int i = 0; i < 5; ++i) {
    secrets.insert(
        CreateAt(*client, Alice(), "http://127.0.0.1:9/" + std::to_string(i)).value("secret", ""));
  }
  EXPECT_EQ(secrets.size(), 5u);
}

// HOOK-4: rotate_secret takes no parameters.
TEST(WebhookEndpoints, RotateSecretRefusesParameters) {
  MockServer server;
  auto client = server.Client();
  const std::string id = CreateAt(*client, Alice(), "http://127.0.0.1:9/r").value("id", "");
  ApiResult res = Api(*client, "POST", std::string(kPath) + "/" + id + "/rotate_secret", Alice(),
                      R"({"secret": "whsec_AAAA"})");
  ExpectBadRequest(res, "secret", "parameter_unknown");
}

// --- Reading and deleting -----------------------------------------------------------------------

// HOOK-1: DELETE answers {id, object, deleted: true}; afterwards the endpoint is gone for GET,
// DELETE, rotate_secret and the list.
TEST(WebhookEndpoints, DeleteAnswersDeletedAndTheEndpointIsGone) {
  MockServer server;
  auto client = server.Client();
  const std::string keep = CreateAt(*client, Alice(), "http://127.0.0.1:9/keep").value("id", "");
  const std::string id = CreateAt(*client, Alice(), "http://127.0.0.1:9/gone").value("id", "");
  const std::string one = std::string(kPath) + "/" + id;

  ApiResult deleted = Api(*client, "DELETE", one, Alice());
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  EXPECT_EQ(deleted.body, (Json{{"id", id}, {"object", "webhook_endpoint"}, {"deleted", true}}));

  ExpectError(Api(*client, "GET", one, Alice()), 404, "invalid_request_error", "resource_missing");
  ExpectError(Api(*client, "DELETE", one, Alice()), 404, "invalid_request_error",
              "resource_missing");
  ExpectError(Api(*client, "POST", one + "/rotate_secret", Alice()), 404, "invalid_request_error",
              "resource_missing");
  EXPECT_EQ(ListIds(*client, Alice()), std::vector<std::string>{keep});
}

// HOOK-1, RES-5: the list pages through the caller's endpoints by `created`, then id.
TEST(WebhookEndpoints, ListPagesByCreatedThenId) {
  MockServer server;
  auto client = server.Client();
  std::vector<std::pair<int64_t, std::string>> order;
  for (int i = 0; i < 6; ++i) {
    if (i % 2 == 0) server.Advance(1);  // pairs share a second: the id decides between them
    Json e = CreateAt(*client, Alice(), "http://127.0.0.1:9/" + std::to_string(i));
    order.emplace_back(e.value("created", int64_t(0)), e.value("id", ""));
  }
  std::sort(order.begin(), order.end());
  std::vector<std::string> created;
  for (const auto& [time, id] : order) created.push_back(id);
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    ApiResult res =
        Api(*client, "GET",
            std::string(kPath) + "?limit=2" + (cursor.empty() ? "" : "&starting_after=" + cursor),
            Alice());
    ASSERT_EQ(res.status, 200) << res.body.dump();
    for (const Json& e : res.body["data"]) {
      EXPECT_FALSE(e.contains("secret"));
      seen.push_back(e.value("id", ""));
    }
    if (!res.body.value("has_more", false)) break;
    EXPECT_EQ(res.body["data"].size(), 2u);
    cursor = seen.back();
  }
  EXPECT_EQ(seen, created);
}

// --- Isolation (AUTH-5) -------------------------------------------------------------------------

struct Owner {
  std::string name;
  httplib::Headers auth;
};

// HOOK-1, HOOK-2, AUTH-5: every owner (an account, or a platform level) lists only its own
// endpoints, whichever credential it uses.
TEST(WebhookEndpoints, EachOwnerListsOnlyItsOwnEndpoints) {
  MockServer server;
  auto client = server.Client();
  TokenResult bob = PublicClientTokens(*client, "bob@example.com");
  ASSERT_EQ(bob.status, 200) << bob.body.dump();
  const std::string bob_token = bob.body.value("access_token", "");

  const std::string alice_id = CreateAt(*client, Alice(), "http://127.0.0.1:9/a").value("id", "");
  const std::string bob_id =
      CreateAt(*client, Bearer(bob_token), "http://127.0.0.1:9/b").value("id", "");
  const std::string acme_id =
      CreateAt(*client, AcmePlatform(), "http://127.0.0.1:9/acme").value("id", "");
  const std::string globex_id =
      CreateAt(*client, GlobexPlatform(), "http://127.0.0.1:9/globex").value("id", "");
  const std::string carol_id = CreateAt(*client, Carol(), "http://127.0.0.1:9/c").value("id", "");

  using Ids = std::vector<std::string>;
  EXPECT_EQ(ListIds(*client, Alice()), Ids{alice_id});
  EXPECT_EQ(ListIds(*client, AliceViaKey()), Ids{alice_id});
  EXPECT_EQ(ListIds(*client, Bearer(bob_token)), Ids{bob_id});
  EXPECT_EQ(ListIds(*client, Bearer(kAcmeLiveKey, bob.body.value("connected_account_id", ""))),
            Ids{bob_id});
  EXPECT_EQ(ListIds(*client, AcmePlatform()), Ids{acme_id});
  EXPECT_EQ(ListIds(*client, GlobexPlatform()), Ids{globex_id});
  EXPECT_EQ(ListIds(*client, Carol()), Ids{carol_id});
}

// HOOK-1, AUTH-5: another owner's endpoint answers GET, DELETE and rotate_secret exactly like an
// id that does not exist, and survives the attempts.
TEST(WebhookEndpoints, AnotherOwnersEndpointAnswers404LikeAMissingOne) {
  MockServer server;
  auto client = server.Client();
  TokenResult bob = PublicClientTokens(*client, "bob@example.com");
  ASSERT_EQ(bob.status, 200) << bob.body.dump();
  const std::vector<Owner> owners = {{"alice", Alice()},
                                     {"bob", Bearer(bob.body.value("access_token", ""))},
                                     {"acme", AcmePlatform()},
                                     {"globex", GlobexPlatform()},
                                     {"carol", Carol()}};
  std::vector<std::string> ids;
  for (const Owner& o : owners) {
    ids.push_back(CreateAt(*client, o.auth, "http://127.0.0.1:9/" + o.name).value("id", ""));
  }
  // What a missing id looks like, with the id taken out of the message.
  auto normalized = [](Json body, const std::string& id) {
    if (body.is_object() && body["error"].is_object()) {
      std::string message = body["error"].value("message", "");
      const size_t at = message.find(id);
      if (at != std::string::npos) message.replace(at, id.size(), "<id>");
      body["error"]["message"] = message;
    }
    return body;
  };
  for (size_t caller = 0; caller < owners.size(); ++caller) {
    const httplib::Headers& auth = owners[caller].auth;
    for (const auto& [method, suffix] : std::vector<std::pair<std::string, std::string>>{
             {"GET", ""}, {"DELETE", ""}, {"POST", "/rotate_secret"}}) {
      ApiResult missing =
          Api(*client, method, std::string(kPath) + "/" + kMissingId + suffix, auth);
      ExpectError(missing, 404, "invalid_request_error", "resource_missing");
      for (size_t owner = 0; owner < owners.size(); ++owner) {
        if (owner == caller) continue;
        SCOPED_TRACE(owners[caller].name + " " + method + " " + owners[owner].name + "'s");
        ApiResult foreign =
            Api(*client, method, std::string(kPath) + "/" + ids[owner] + suffix, auth);
        EXPECT_EQ(foreign.status, 404) << foreign.body.dump();
        EXPECT_EQ(normalized(foreign.body, ids[owner]), normalized(missing.body, kMissingId));
      }
    }
  }
  // Nobody could delete or rotate another's endpoint.
  for (size_t i = 0; i < owners.size(); ++i) {
    EXPECT_EQ(ListIds(*client, owners[i].auth), std::vector<std::string>{ids[i]}) << owners[i].name;
  }
}

// HOOK-1, AUTH-5, RES-5: another owner's endpoint is refused as a cursor like a missing id.
TEST(WebhookEndpoints, AnotherOwnersEndpointIsNoCursor) {
  MockServer server;
  auto client = server.Client();
  CreateAt(*client, Alice(), "http://127.0.0.1:9/a");
  const std::string acme_id =
      CreateAt(*client, AcmePlatform(), "http://127.0.0.1:9/acme").value("id", "");
  ApiResult foreign =
      Api(*client, "GET", std::string(kPath) + "?starting_after=" + acme_id, Alice());
  ApiResult missing =
      Api(*client, "GET", std::string(kPath) + "?starting_after=" + kMissingId, Alice());
  ExpectBadRequest(missing, "starting_after");
  ExpectBadRequest(foreign, "starting_after");
  EXPECT_EQ(foreign.body["error"].value("code", ""), missing.body["error"].value("code", ""));
}

// --- Permissions --------------------------------------------------------------------------------

// HOOK-1, AUTH-4: a token without webhooks:manage may do nothing with webhook endpoints, and the
// 403 names the scope it lacks.
TEST(WebhookEndpoints, TokenWithoutWebhooksManageIs403InsufficientScope) {
  MockServer server;
  auto client = server.Client();
  TokenResult narrow =
      PublicClientTokens(*client, "alice@example.com", "events:read events:write calendars:read");
  ASSERT_EQ(narrow.status, 200) << narrow.body.dump();
  const httplib::Headers auth = Bearer(narrow.body.value("access_token", ""));
  const std::string existing =
      CreateAt(*client, Alice(), "http://127.0.0.1:9/existing").value("id", "");

  const std::vector<std::pair<std::string, std::string>> calls = {
      {"POST", kPath},
      {"GET", kPath},
      {"GET", std::string(kPath) + "/" + existing},
      {"DELETE", std::string(kPath) + "/" + existing},
      {"POST", std::string(kPath) + "/" + existing + "/rotate_secret"}};
  for (const auto& [method, path] : calls) {
    SCOPED_TRACE(method + " " + path);
    ApiResult res = Api(*client, method, path, auth,
                        method == "POST" && path == kPath ? Body("http://127.0.0.1:9/x") : "");
    ExpectError(res, 403, "permission_error", "insufficient_scope");
    const std::string challenge = res.Header("WWW-Authenticate");
    EXPECT_NE(challenge.find("error=\"insufficient_scope\""), std::string::npos) << challenge;
    EXPECT_NE(challenge.find("scope=\"webhooks:manage\""), std::string::npos) << challenge;
  }
  // Nothing was created or deleted.
  EXPECT_EQ(ListIds(*client, Alice()), std::vector<std::string>{existing});

  // webhooks:manage alone is enough.
  TokenResult hooks_only = PublicClientTokens(*client, "alice@example.com", "webhooks:manage");
  ASSERT_EQ(hooks_only.status, 200) << hooks_only.body.dump();
  Json e =
      CreateAt(*client, Bearer(hooks_only.body.value("access_token", "")), "http://127.0.0.1:9/ok");
  EXPECT_EQ(e["account"], kAliceAccount);
}

// HOOK-1, AUTH-2: a platform key can only name accounts connected to its own platform.
TEST(WebhookEndpoints, PlatformKeyCannotRegisterForAnotherPlatformsAccount) {
  MockServer server;
  auto client = server.Client();
  ExpectError(Api(*client, "POST", kPath, Bearer(kAcmeLiveKey, kCarolAccount),
                  Body("http://127.0.0.1:9/x")),
              403, "permission_error", "account_invalid");
  ExpectError(
      Api(*client, "POST", kPath, Bearer(kGlobexKey, kAliceAccount), Body("http://127.0.0.1:9/x")),
      403, "permission_error", "account_invalid");
  EXPECT_TRUE(ListIds(*client, Carol()).empty());
  EXPECT_TRUE(ListIds(*client, Alice()).empty());
}

// --- Validation ---------------------------------------------------------------------------------

struct BadCase {
  const char* what;
  Json body;
  std::string param;
  std::string code;  // "" = any
};

// HOOK-1, ERR-1: bad input is a 400 naming the parameter, and creates nothing.
TEST(WebhookEndpoints, BadInputIs400NamingTheParameter) {
  MockServer server;
  auto client = server.Client();
  const Json created = Json::array({"event.created"});
  const std::vector<BadCase> cases = {
      {"missing url", {{"enabled_events", created}}, "url", "parameter_missing"},
      {"null url", {{"url", nullptr}, {"enabled_events", created}}, "url", ""},
      {"numeric url", {{"url", 42}, {"enabled_events", created}}, "url", "parameter_invalid"},
      {"empty url", {{"url", ""}, {"enabled_events", created}}, "url", "parameter_invalid"},
      {"ftp url", {{"url", "ftp://127.0.0.1/hooks"}, {"enabled_events", created}}, "url", ""},
      {"mailto url", {{"url", "mailto:ops@example.com"}, {"enabled_events", created}}, "url", ""},
      {"relative url", {{"url", "/hooks"}, {"enabled_events", created}}, "url", ""},
      {"schemeless url", {{"url", "127.0.0.1:9/hooks"}, {"enabled_events", created}}, "url", ""},
      {"no host", {{"url", "http:///hooks"}, {"enabled_events", created}}, "url", ""},
      {"user:pass@",
       {{"url", "http://user:pass@127.0.0.1:9/hooks"}, {"enabled_events", created}},
       "url",
       ""},
      {"user@", {{"url", "https://user@127.0.0.1/hooks"}, {"enabled_events", created}}, "url", ""},
      {"CR LF",
       {{"url", "http://127.0.0.1:9/hooks\r\nX-Injected: 1"}, {"enabled_events", created}},
       "url",
       ""},
      {"LF", {{"url", "http://127.0.0.1:9/ho\nks"}, {"enabled_events", created}}, "url", ""},
      {"space", {{"url", "http://127.0.0.1:9/my hooks"}, {"enabled_events", created}}, "url", ""},
      {"leading space", {{"url", " http://127.0.0.1:9/h"}, {"enabled_events", created}}, "url", ""},
      {"fragment", {{"url", "http://127.0.0.1:9/hooks#x"}, {"enabled_events", created}}, "url", ""},
      {"bad port", {{"url", "http://127.0.0.1:99999/h"}, {"enabled_events", created}}, "url", ""},
      {"missing enabled_events",
       {{"url", "http://127.0.0.1:9/h"}},
       "enabled_events",
       "parameter_missing"},
      {"empty enabled_events",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", Json::array()}},
       "enabled_events",
       ""},
      {"null enabled_events",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", nullptr}},
       "enabled_events",
       ""},
      {"string enabled_events",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", "event.created"}},
       "enabled_events",
       ""},
      {"unknown type",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"event.created", "event.exploded"}}},
       "enabled_events[1]",
       ""},
      {"wildcard prefix",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"event.*"}}},
       "enabled_events[0]",
       ""},
      {"wrong case type",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"Event.Created"}}},
       "enabled_events[0]",
       ""},
      {"numeric entry",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"event.created", 7}}},
       "enabled_events[1]",
       ""},
      {"null entry",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {nullptr}}},
       "enabled_events[0]",
       ""},
      {"object entry",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {Json{{"type", "event.created"}}}}},
       "enabled_events[0]",
       ""},
      {"connect yes",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", created}, {"connect", "yes"}},
       "connect",
       ""},
      {"connect 1",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", created}, {"connect", 1}},
       "connect",
       ""},
      {"unknown field",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", created}, {"secret", "whsec_AAAA"}},
       "secret",
       "parameter_unknown"},
      {"misspelled field",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_event", created}},
       "enabled_event",
       "parameter_unknown"},
      {"description too long",
       {{"url", "http://127.0.0.1:9/h"},
        {"enabled_events", created},
        {"description", std::string(1025, 'd')}},
       "description",
       ""},
      {"description not a string",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", created}, {"description", 5}},
       "description",
       ""},
      {"description with a newline",
       {{"url", "http://127.0.0.1:9/h"}, {"enabled_events", created}, {"description", "a\nb"}},
       "description",
       ""},
  };
  for (const httplib::Headers& auth : {Alice(), AcmePlatform()}) {
    for (const BadCase& c : cases) {
      SCOPED_TRACE(c.what);
      ExpectBadRequest(Api(*client, "POST", kPath, auth, c.body.dump()), c.param, c.code);
    }
  }
  EXPECT_TRUE(ListIds(*client, Alice()).empty());
  EXPECT_TRUE(ListIds(*client, AcmePlatform()).empty());
}

// HOOK-1: the limits are inclusive: a 1024-character description is fine.
TEST(WebhookEndpoints, LongestDescriptionIsAccepted) {
  MockServer server;
  auto client = server.Client();
  const std::string description(1024, 'd');
  Json e = Create(
      *client, Alice(),
      Json{{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"*"}}, {"description", description}}
          .dump());
  EXPECT_EQ(e["description"], description);
}

// HOOK-1, HOOK-2: `connect` belongs to platform-level endpoints; an account's endpoint, created
// with a token or with a platform key and Chronapilot-Account, refuses connect: true.
TEST(WebhookEndpoints, ConnectTrueIsRefusedOnAccountEndpoints) {
  MockServer server;
  auto client = server.Client();
  const std::string body =
      Json{{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"*"}}, {"connect", true}}.dump();
  ExpectBadRequest(Api(*client, "POST", kPath, Alice(), body), "connect");
  ExpectBadRequest(Api(*client, "POST", kPath, AliceViaKey(), body), "connect");
  ExpectBadRequest(Api(*client, "POST", kPath, Carol(), body), "connect");
  EXPECT_TRUE(ListIds(*client, Alice()).empty());
  // connect: false is the default and harmless on an account endpoint.
  Json e = Create(
      *client, Alice(),
      Json{{"url", "http://127.0.0.1:9/h"}, {"enabled_events", {"*"}}, {"connect", false}}.dump());
  EXPECT_EQ(e["connect"], false);
  EXPECT_EQ(e["account"], kAliceAccount);
}

// HOOK-1, HOOK-8: every event type of HOOK-8, and "*", may be subscribed to.
TEST(WebhookEndpoints, EveryEventTypeCanBeEnabled) {
  MockServer server;
  auto client = server.Client();
  const Json all = {"event.created",
                    "event.updated",
                    "event.deleted",
                    "provider_connection.created",
                    "provider_connection.deleted",
                    "account.authorized",
                    "account.deauthorized"};
  Json e = Create(*client, AcmePlatform(), Body("http://127.0.0.1:9/all", all));
  EXPECT_EQ(e["enabled_events"], all);
  for (const Json& type : all) {
    Json one = Create(*client, Alice(), Body("http://127.0.0.1:9/one", Json::array({type})));
    EXPECT_EQ(one["enabled_events"], Json::array({type}));
  }
}

}  // namespace
}  // namespace chronapilot::testing
