// The bundled reference client (SPEC HARN-6): the SDK (sdk.h), its webhook verifier and the
// adapter binary, against a real mock on loopback. Time-dependent behaviour uses the mock's
// virtual clock (server.Advance) and an injected sleep that records instead of waiting; the one
// exception is RetryAfterIsHonouredInRealTime, which waits the 1 s the server asks for.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "harness/reference_client/adapter.h"
#include "harness/reference_client/defects.h"
#include "harness/reference_client/pkce.h"
#include "harness/reference_client/sdk.h"
#include "harness/reference_client/webhook_verifier.h"
#include "mock/crypto.h"
#include "mock/text.h"
#include "mock/webhook_signature.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

using sdk::Auth;
using sdk::ClientConfig;
using sdk::ClientOptions;
using sdk::ConnectClient;
using sdk::Defect;
using sdk::Defects;

constexpr char kEventsAll[] = "events:read events:write calendars:read webhooks:manage";

Options AutoConsent() {
  Options o;
  o.auto_consent = true;
  return o;
}

ClientConfig PublicConfig(const MockServer& server) {
  ClientConfig c;
  c.base_url = server.url();
  c.client_id = kPublicClient;
  c.redirect_uri = kRedirect;
  c.platform_key = kAcmeTestKey;
  return c;
}

ClientConfig ConfidentialConfig(const MockServer& server, const std::string& id,
                                const std::string& secret) {
  ClientConfig c = PublicConfig(server);
  c.client_id = id;
  c.client_secret = secret;
  c.platform_key = kAcmeLiveKey;
  return c;
}

// Options that log nothing and record waits instead of sleeping.
struct Recorded {
  std::vector<int64_t> sleeps;
  ClientOptions Options(Defects defects = Defects()) {
    ClientOptions o;
    o.defects = defects;
    o.log = nullptr;
    o.sleep = [this](int64_t ms) { sleeps.push_back(ms); };
    return o;
  }
};

std::vector<JournalEntry> Entries(MockServer& server, const std::string& method,
                                  const std::string& path) {
  JournalFilter filter;
  filter.method = method;
  filter.path = path;
  return server.mock().journal().Find(filter);
}

std::string HeaderOf(const JournalEntry& e, const std::string& name) {
  for (const auto& [k, v] : e.headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::string FormValue(const std::string& encoded, const std::string& name) {
  auto form = Form::Parse(encoded, "body");
  if (!form.ok()) return "";
  for (const auto& [k, v] : form->pairs()) {
    if (k == name) return v;
  }
  return "";
}

// Plays the browser: GETs the authorize URL without following the redirect and returns the
// Location (the mock runs with auto_consent).
std::string Browse(MockServer& server, const std::string& authorize_url) {
  const size_t path = authorize_url.find('/', authorize_url.find("://") + 3);
  auto client = server.Client();
  auto res = client->Get(authorize_url.substr(path).c_str());
  EXPECT_TRUE(res);
  if (!res) return "";
  EXPECT_EQ(res->status, 302) << res->body;
  return res->get_header_value("Location");
}

// Runs the whole authorization; returns the token response (fails the test on an error).
Json Authorize(ConnectClient& client, MockServer& server, const std::string& scopes = kEventsAll) {
  auto url = client.AuthorizationUrl(Split(scopes, ' '));
  EXPECT_TRUE(url.ok()) << url.error().code << ": " << url.error().message;
  if (!url.ok()) return Json();
  auto tokens = client.CompleteAuthorization(Browse(server, *url));
  EXPECT_TRUE(tokens.ok()) << tokens.error().code << ": " << tokens.error().message;
  return tokens.ok() ? *tokens : Json();
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

void AddFault(MockServer& server, const Json& fault) {
  auto client = server.Client();
  auto res = client->Post("/_mock/faults", fault.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_LT(res->status, 300) << res->body;
}

Json NewEvent() {
  return Json{{"calendar_id", kAliceWorkCalendar},
              {"summary", "Reference client test"},
              {"start", "2026-12-10T09:00:00Z"},
              {"end", "2026-12-10T10:00:00Z"}};
}

// --- PKCE and state (RFC 7636, RFC 6749 §10.12) -------------------------------------------------

// AUTHZ-1: RFC 7636 Appendix B's vector through the client's challenge function.
TEST(ReferencePkce, ChallengeMatchesRfc7636AppendixB) {
  EXPECT_EQ(sdk::CodeChallengeS256(kRfcVerifier), kRfcChallenge);
}

// AUTHZ-1: 43-character base64url verifiers and states from the CSPRNG, never repeated.
TEST(ReferencePkce, VerifierAndStateAreFreshBase64Url) {
  const std::regex base64url("^[A-Za-z0-9_-]{43}$");
  const std::string v1 = sdk::NewCodeVerifier(), v2 = sdk::NewCodeVerifier();
  EXPECT_TRUE(std::regex_match(v1, base64url)) << v1;
  EXPECT_NE(v1, v2);
  const std::string s1 = sdk::NewState(), s2 = sdk::NewState();
  EXPECT_TRUE(std::regex_match(s1, base64url)) << s1;
  EXPECT_NE(s1, s2);
}

// --- Authorization -------------------------------------------------------------------------------

// AUTHZ-1, TOKEN-3, TOKEN-5: the whole public-client flow with PKCE S256.
TEST(ReferenceAuthorization, PublicClientCompletesPkceFlow) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  auto url = client.AuthorizationUrl({"events:read", "calendars:read"}, "alice@example.com");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->rfind(server.url() + "/oauth/authorize?", 0), 0u) << *url;
  EXPECT_EQ(QueryParam(*url, "client_id"), kPublicClient);
  EXPECT_EQ(QueryParam(*url, "redirect_uri"), kRedirect);
  EXPECT_EQ(QueryParam(*url, "response_type"), "code");
  EXPECT_EQ(QueryParam(*url, "scope"), "events:read calendars:read");
  EXPECT_EQ(QueryParam(*url, "code_challenge_method"), "S256");
  EXPECT_EQ(QueryParam(*url, "login_hint"), "alice@example.com");
  EXPECT_GE(QueryParam(*url, "state").size(), 22u);
  const std::string challenge = QueryParam(*url, "code_challenge");
  EXPECT_EQ(challenge.size(), 43u);

  auto tokens = client.CompleteAuthorization(Browse(server, *url));
  ASSERT_TRUE(tokens.ok()) << tokens.error().code << ": " << tokens.error().message;
  EXPECT_EQ((*tokens)["token_type"], "Bearer");
  EXPECT_EQ((*tokens)["expires_in"], 3600);
  EXPECT_EQ((*tokens)["scope"], "events:read calendars:read");
  EXPECT_EQ((*tokens)["connected_account_id"], kAliceAccount);
  EXPECT_EQ((*tokens)["access_token"].get<std::string>().rfind("cat_", 0), 0u);
  EXPECT_EQ(client.last_authorized_account(), kAliceAccount);
  EXPECT_FALSE(client.has_pending_authorization());

  // What went over the wire: the verifier hashes to the challenge; a public client has no
  // Authorization header and names itself in the body.
  auto token_requests = Entries(server, "POST", "/oauth/token");
  ASSERT_EQ(token_requests.size(), 1u);
  const std::string& form = token_requests[0].body;
  EXPECT_EQ(S256Challenge(FormValue(form, "code_verifier")), challenge);
  EXPECT_EQ(FormValue(form, "client_id"), kPublicClient);
  EXPECT_EQ(FormValue(form, "redirect_uri"), kRedirect);
  EXPECT_EQ(FormValue(form, "grant_type"), "authorization_code");
  EXPECT_EQ(HeaderOf(token_requests[0], "Authorization"), "");
  EXPECT_EQ(token_requests[0].query, "");

  // The token works.
  auto events = client.ListEvents(Auth::OAuth());
  ASSERT_TRUE(events.ok()) << events.error().message;
  EXPECT_TRUE((*events)["data"].is_array());
  EXPECT_FALSE((*events)["data"].empty());
}

// TOKEN-2: client_secret_basic with id and secret form-urlencoded first (RFC 6749 §2.3.1); the
// fixture secret contains ':', '+', '%' and a space.
TEST(ReferenceAuthorization, SpecialSecretIsFormEncodedInBasic) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(ConfidentialConfig(server, kSpecialClient, kSpecialSecret), rec.Options());
  Json tokens = Authorize(client, server);
  EXPECT_EQ(tokens["connected_account_id"], kAliceAccount);

  auto token_requests = Entries(server, "POST", "/oauth/token");
  ASSERT_EQ(token_requests.size(), 1u);
  EXPECT_EQ(HeaderOf(token_requests[0], "Authorization"),
            "Basic " +
                Base64Encode(std::string(kSpecialClient) + ":cs_special%3A%2B%2541+secret%2F0002"));
  EXPECT_EQ(FormValue(token_requests[0].body, "client_secret"), "");
  EXPECT_EQ(token_requests[0].query, "");
}

// AUTHZ-3 [RFC 6749 §10.12]: a callback whose state is not the pending one is refused before any
// token request, and the pending authorization is used up.
TEST(ReferenceAuthorization, StateMismatchSendsNoTokenRequest) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  auto url = client.AuthorizationUrl({"events:read"});
  ASSERT_TRUE(url.ok());
  const std::string callback = Browse(server, *url);
  const std::string state = QueryParam(callback, "state");
  ASSERT_FALSE(state.empty());

  auto forged = client.CompleteAuthorization(Replace(callback, "state=", "state=x"));
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.error().code, "state_mismatch");
  EXPECT_EQ(forged.error().status, 0);
  EXPECT_TRUE(Entries(server, "POST", "/oauth/token").empty());

  // Single use: even the genuine callback is refused now.
  auto genuine = client.CompleteAuthorization(callback);
  ASSERT_FALSE(genuine.ok());
  EXPECT_EQ(genuine.error().code, "state_mismatch");
  EXPECT_TRUE(Entries(server, "POST", "/oauth/token").empty());
}

// RFC 9207: a missing or foreign `iss` is refused before any token request.
TEST(ReferenceAuthorization, IssMismatchSendsNoTokenRequest) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());

  auto url = client.AuthorizationUrl({"events:read"});
  ASSERT_TRUE(url.ok());
  std::string callback = Browse(server, *url);
  ASSERT_FALSE(QueryParam(callback, "iss").empty());
  auto foreign =
      client.CompleteAuthorization(Replace(callback, "iss=", "iss=https%3A%2F%2Fevil.example&x="));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, "iss_mismatch");

  url = client.AuthorizationUrl({"events:read"});
  ASSERT_TRUE(url.ok());
  callback = Browse(server, *url);
  auto missing = client.CompleteAuthorization(Replace(callback, "iss=", "not_iss="));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "iss_mismatch");
  EXPECT_TRUE(Entries(server, "POST", "/oauth/token").empty());
}

// AUTHZ-3: an error in the callback is reported with its code, and no code is exchanged.
TEST(ReferenceAuthorization, CallbackErrorIsReportedWithoutTokenRequest) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  auto url = client.AuthorizationUrl({"events:read"});
  ASSERT_TRUE(url.ok());
  const std::string callback =
      std::string(kRedirect) + "?error=access_denied&error_description=The+user+said+no&state=" +
      PercentEncode(QueryParam(*url, "state")) + "&iss=" + PercentEncode(server.url());
  auto result = client.CompleteAuthorization(callback);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "access_denied");
  EXPECT_EQ(result.error().message, "The user said no");
  EXPECT_TRUE(Entries(server, "POST", "/oauth/token").empty());
}

// TOKEN-3: an exchange the server refuses comes back with the OAuth error and its status.
TEST(ReferenceAuthorization, TokenEndpointErrorCarriesOAuthCodeAndStatus) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kWrongRedirectUri)));
  auto url = client.AuthorizationUrl({"events:read"});
  ASSERT_TRUE(url.ok());
  auto result = client.CompleteAuthorization(Browse(server, *url));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "invalid_grant");
  EXPECT_EQ(result.error().status, 400);
  EXPECT_FALSE(result.error().message.empty());
  auto token_requests = Entries(server, "POST", "/oauth/token");
  ASSERT_EQ(token_requests.size(), 1u);
  EXPECT_EQ(FormValue(token_requests[0].body, "redirect_uri"), std::string(kRedirect) + "/");
}

// --- Tokens: refresh, rotation, revocation ------------------------------------------------------

// AUTH-1, TOKEN-6: an access token that expired on the mock's clock is refreshed once and the
// call repeated; the rotated refresh token is kept.
TEST(ReferenceTokens, RefreshesOnceAfterAccessTokenExpires) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  Json first = Authorize(client, server);
  server.Advance(3601);

  auto events = client.ListEvents(Auth::OAuth(kAliceAccount));
  ASSERT_TRUE(events.ok()) << events.error().code << ": " << events.error().message;
  auto api_calls = Entries(server, "GET", "/v1/events");
  ASSERT_EQ(api_calls.size(), 2u);
  EXPECT_EQ(api_calls[0].status, 401);
  EXPECT_EQ(api_calls[1].status, 200);
  EXPECT_NE(HeaderOf(api_calls[0], "Authorization"), HeaderOf(api_calls[1], "Authorization"));
  auto token_requests = Entries(server, "POST", "/oauth/token");
  ASSERT_EQ(token_requests.size(), 2u);
  EXPECT_EQ(FormValue(token_requests[1].body, "grant_type"), "refresh_token");
  EXPECT_EQ(FormValue(token_requests[1].body, "refresh_token"), first["refresh_token"]);

  const sdk::TokenSet* set = client.tokens();
  ASSERT_NE(set, nullptr);
  EXPECT_NE(set->refresh_token, first["refresh_token"]);
  // The next refresh presents the rotated token and succeeds.
  auto again = client.Refresh();
  ASSERT_TRUE(again.ok()) << again.error().code;
}

// TOKEN-6: when the refresh itself fails, the caller gets the refresh's error.
TEST(ReferenceTokens, FailedAutomaticRefreshReturnsRefreshError) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  Json tokens = Authorize(client, server);
  // Someone else revokes the grant behind the client's back.
  auto http = server.Client();
  auto revoked = PostForm(
      *http, "/oauth/revoke",
      {{"token", tokens["refresh_token"].get<std::string>()}, {"client_id", kPublicClient}});
  ASSERT_TRUE(revoked);
  ASSERT_EQ(revoked->status, 200);

  auto events = client.ListEvents(Auth::OAuth());
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.error().code, "invalid_grant");
  EXPECT_EQ(events.error().status, 400);
  EXPECT_EQ(Entries(server, "GET", "/v1/events").size(), 1u);  // not retried without a token
}

// TOKEN-8: revoke sends the refresh token with its hint, then the client forgets the account.
TEST(ReferenceTokens, RevokeRevokesRefreshTokenAndForgetsAccount) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  Json tokens = Authorize(client, server);
  auto result = client.Revoke();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, (Json{{"revoked", true}}));
  auto revocations = Entries(server, "POST", "/oauth/revoke");
  ASSERT_EQ(revocations.size(), 1u);
  EXPECT_EQ(FormValue(revocations[0].body, "token"), tokens["refresh_token"]);
  EXPECT_EQ(FormValue(revocations[0].body, "token_type_hint"), "refresh_token");
  EXPECT_EQ(FormValue(revocations[0].body, "client_id"), kPublicClient);

  auto after = client.ListEvents(Auth::OAuth(kAliceAccount));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, "no_tokens");
  EXPECT_EQ(client.Revoke().error().code, "no_tokens");
  EXPECT_EQ(client.Refresh().error().code, "no_tokens");
}

// AUTH-4: the SDK refuses a call the granted scope does not allow, without sending it.
TEST(ReferenceTokens, MissingScopeIsRefusedLocally) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  Authorize(client, server, "events:read");
  auto created = client.CreateEvent(Auth::OAuth(), NewEvent());
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, "insufficient_scope");
  EXPECT_TRUE(Entries(server, "POST", "/v1/events").empty());
  EXPECT_EQ(client.ListCalendars(Auth::OAuth()).error().code, "insufficient_scope");
  // Platform mode has every scope.
  auto as_platform = client.CreateEvent(Auth::Platform(kAliceAccount), NewEvent());
  EXPECT_TRUE(as_platform.ok()) << as_platform.error().code;
}

// --- API calls --------------------------------------------------------------------------------

// AUTH-2: platform mode sends the key and Chronapilot-Account; without an account, the key alone.
TEST(ReferenceApi, PlatformModeImpersonatesWithAccountHeader) {
  MockServer server;
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  auto calendars = client.ListCalendars(Auth::Platform(kAliceAccount));
  ASSERT_TRUE(calendars.ok()) << calendars.error().message;
  EXPECT_EQ((*calendars)["data"].size(), 2u);
  EXPECT_EQ((*calendars)["has_more"], false);
  auto calls = Entries(server, "GET", "/v1/calendars");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(HeaderOf(calls[0], "Authorization"), std::string("Bearer ") + kAcmeTestKey);
  EXPECT_EQ(HeaderOf(calls[0], "Chronapilot-Account"), kAliceAccount);

  auto endpoint =
      client.CreateWebhookEndpoint(Auth::Platform(), {"http://127.0.0.1:9/hooks", {"*"}, true, ""});
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ((*endpoint)["connect"], true);
  EXPECT_EQ((*endpoint)["secret"].get<std::string>().rfind("whsec_", 0), 0u);
  auto creates = Entries(server, "POST", "/v1/webhook_endpoints");
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(HeaderOf(creates[0], "Chronapilot-Account"), "");
  EXPECT_FALSE(HeaderOf(creates[0], "Idempotency-Key").empty());
  auto deleted = client.DeleteWebhookEndpoint(Auth::Platform(), (*endpoint)["id"]);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ((*deleted)["deleted"], true);
}

// RES-4, ERR-1: create, read, update and delete; API errors keep their code and status.
TEST(ReferenceApi, EventLifecycleAndApiErrors) {
  MockServer server;
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  const Auth alice = Auth::Platform(kAliceAccount);
  auto created = client.CreateEvent(alice, NewEvent(), "my-key-1");
  ASSERT_TRUE(created.ok()) << created.error().message;
  const std::string id = (*created)["id"];
  EXPECT_EQ(HeaderOf(Entries(server, "POST", "/v1/events").at(0), "Idempotency-Key"), "my-key-1");

  auto updated = client.UpdateEvent(alice, id, {{"summary", "Moved"}});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)["summary"], "Moved");
  auto deleted = client.DeleteEvent(alice, id);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  EXPECT_EQ((*deleted)["id"], id);
  EXPECT_EQ((*deleted)["deleted"], true);

  auto gone = client.GetEvent(alice, id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().status, 404);
  EXPECT_FALSE(gone.error().code.empty());
  EXPECT_NE(gone.error().code, "http_error");

  auto invalid = client.CreateEvent(alice, {{"calendar_id", "cal_nope"}});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().status, 400);

  auto foreign = client.ListEvents(Auth::Platform(kCarolAccount));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, "account_invalid");
  EXPECT_EQ(foreign.error().status, 403);
}

// RES-5: all_pages follows starting_after until has_more is false.
TEST(ReferenceApi, AllPagesFollowsCursor) {
  MockServer server;
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  const Auth alice = Auth::Platform(kAliceAccount);
  auto everything = client.ListEvents(alice, {"", 100, false});
  ASSERT_TRUE(everything.ok());
  const size_t total = (*everything)["data"].size();
  ASSERT_GE(total, 2u);

  auto paged = client.ListEvents(alice, {"", 1, true});
  ASSERT_TRUE(paged.ok()) << paged.error().message;
  EXPECT_EQ((*paged)["data"].size(), total);
  EXPECT_EQ((*paged)["has_more"], false);
  EXPECT_EQ((*paged)["data"], (*everything)["data"]);
  auto pages = Entries(server, "GET", "/v1/events");
  ASSERT_EQ(pages.size(), 1 + total);
  EXPECT_NE(pages[2].query.find("starting_after="), std::string::npos) << pages[2].query;

  auto one = client.ListEvents(alice, {"", 1, false});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)["data"].size(), 1u);
  EXPECT_EQ((*one)["has_more"], true);
}

// --- Resilience -------------------------------------------------------------------------------

// CTRL-5: a 429 with Retry-After: 1 is retried after a real one-second wait.
TEST(ReferenceResilience, RetryAfterIsHonouredInRealTime) {
  MockServer server;
  ClientOptions options;
  options.log = nullptr;  // the default sleep: really wait
  ConnectClient client(PublicConfig(server), options);
  AddFault(server, Json::parse(R"({"match": {"method": "GET", "path": "/v1/events"},
                                   "response": {"status": 429, "headers": {"Retry-After": "1"}},
                                   "times": 1})"));
  const auto started = std::chrono::steady_clock::now();
  auto events = client.ListEvents(Auth::Platform(kAliceAccount));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(events.ok()) << events.error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(1000));
  auto calls = Entries(server, "GET", "/v1/events");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].status, 429);
  EXPECT_EQ(calls[1].status, 200);
  EXPECT_GE(calls[1].time - calls[0].time, 1);  // whole seconds: a 1 s gap spans a boundary
}

// RES-6: a create retried after a 503 reuses its Idempotency-Key; the wait is the backoff.
TEST(ReferenceResilience, IdempotencyKeyReusedOn503Retry) {
  MockServer server;
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  AddFault(server, {{"match", {{"method", "POST"}, {"path", "/v1/events"}}},
                    {"response", {{"status", 503}}},
                    {"times", 1}});
  auto created = client.CreateEvent(Auth::Platform(kAliceAccount), NewEvent());
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto posts = Entries(server, "POST", "/v1/events");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].status, 503);
  EXPECT_EQ(posts[1].status, 200);
  const std::string key = HeaderOf(posts[0], "Idempotency-Key");
  EXPECT_GE(key.size(), 16u);
  EXPECT_EQ(HeaderOf(posts[1], "Idempotency-Key"), key);
  EXPECT_EQ(rec.sleeps, (std::vector<int64_t>{100}));

  // The next logical create gets a new key.
  ASSERT_TRUE(client.CreateEvent(Auth::Platform(kAliceAccount), NewEvent()).ok());
  EXPECT_NE(HeaderOf(Entries(server, "POST", "/v1/events").back(), "Idempotency-Key"), key);
}

// CTRL-5: a dropped connection on a GET is retried; after three retries the caller gets
// network_error; a Retry-After over 10 s is capped.
TEST(ReferenceResilience, DroppedConnectionsAndLimits) {
  MockServer server;
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options());
  AddFault(server, Json::parse(R"({"match": {"method": "GET", "path": "/v1/calendars"},
                                   "drop_connection": true, "times": 1})"));
  auto calendars = client.ListCalendars(Auth::Platform(kAliceAccount));
  ASSERT_TRUE(calendars.ok()) << calendars.error().message;
  EXPECT_EQ(Entries(server, "GET", "/v1/calendars").size(), 2u);

  AddFault(server, Json::parse(R"({"match": {"method": "GET", "path": "/v1/calendars"},
                                   "drop_connection": true, "times": 4})"));
  auto failed = client.ListCalendars(Auth::Platform(kAliceAccount));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "network_error");
  EXPECT_EQ(failed.error().status, 0);
  EXPECT_EQ(Entries(server, "GET", "/v1/calendars").size(), 6u);

  rec.sleeps.clear();
  AddFault(server, Json::parse(R"({"match": {"method": "GET", "path": "/v1/calendars"},
                                   "response": {"status": 503, "headers": {"Retry-After": "120"}},
                                   "times": 4})"));
  auto unavailable = client.ListCalendars(Auth::Platform(kAliceAccount));
  ASSERT_FALSE(unavailable.ok());
  EXPECT_EQ(unavailable.error().status, 503);
  EXPECT_EQ(rec.sleeps, (std::vector<int64_t>{10000, 10000, 10000}));
}

// A refused connection is a network_error, not a crash.
TEST(ReferenceResilience, UnreachableServerIsNetworkError) {
  // A port nobody listens on: bound once by the kernel's choice, then closed.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);
  close(fd);
  ClientConfig config;
  config.base_url = "http://127.0.0.1:" + std::to_string(port);
  config.client_id = kPublicClient;
  config.redirect_uri = kRedirect;
  Recorded rec;
  ConnectClient client(config, rec.Options());
  auto url = client.AuthorizationUrl({"events:read"});
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().code, "network_error");
  EXPECT_EQ(rec.sleeps, (std::vector<int64_t>{100, 200, 400}));  // GET: retried 3 times
}

// --- Webhooks (HOOK-4)
// ----------------------------------------------------------------------------

struct SignedWebhook {
  std::string secret = NewWebhookSecret();
  std::string id = "msg_test000000001";
  std::string body =
      R"({"id":"msg_test000000001","account":"cpa_9yza0bcd1efg","type":"event.created",)"
      R"("created":1767000000,"data":{"id":"evt_x","object":"event"}})";
  int64_t now = static_cast<int64_t>(std::time(nullptr));

  sdk::HeaderPairs Headers(int64_t timestamp, const std::string& signature) const {
    return {{"Webhook-Id", id},
            {"webhook-timestamp", std::to_string(timestamp)},
            {"WEBHOOK-SIGNATURE", signature}};
  }
  sdk::HeaderPairs Signed(int64_t offset = 0) const {
    return Headers(now + offset, SignWebhook(secret, id, now + offset, body));
  }
};

TEST(ReferenceWebhooks, AcceptsSignedDeliveryAndReturnsEvent) {
  SignedWebhook w;
  auto event = sdk::VerifyWebhook(w.secret, w.Signed(), w.body, w.now);
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ((*event)["id"], "msg_test000000001");
  EXPECT_EQ((*event)["account"], kAliceAccount);
  EXPECT_EQ((*event)["type"], "event.created");
  EXPECT_EQ((*event)["created"], 1767000000);
  EXPECT_EQ((*event)["data"]["id"], "evt_x");
}

TEST(ReferenceWebhooks, RejectsTamperedBodyAndMissingHeaders) {
  SignedWebhook w;
  const std::string tampered = Replace(w.body, "evt_x", "evt_y");
  EXPECT_EQ(sdk::VerifyWebhook(w.secret, w.Signed(), tampered, w.now).error().code,
            "invalid_signature");
  EXPECT_EQ(sdk::VerifyWebhook(NewWebhookSecret(), w.Signed(), w.body, w.now).error().code,
            "invalid_signature");
  sdk::HeaderPairs no_signature = w.Signed();
  no_signature.pop_back();
  EXPECT_EQ(sdk::VerifyWebhook(w.secret, no_signature, w.body, w.now).error().code,
            "invalid_signature");
  // The defect accepts the tampered body.
  EXPECT_TRUE(sdk::VerifyWebhook(w.secret, w.Signed(), tampered, w.now,
                                 Defects().Add(Defect::kNoSignatureCheck))
                  .ok());
}

TEST(ReferenceWebhooks, RejectsTimestampOutsideFiveMinutes) {
  SignedWebhook w;
  EXPECT_TRUE(sdk::VerifyWebhook(w.secret, w.Signed(-299), w.body, w.now).ok());
  EXPECT_EQ(sdk::VerifyWebhook(w.secret, w.Signed(-301), w.body, w.now).error().code,
            "timestamp_out_of_range");
  EXPECT_EQ(sdk::VerifyWebhook(w.secret, w.Signed(+301), w.body, w.now).error().code,
            "timestamp_out_of_range");
  EXPECT_TRUE(sdk::VerifyWebhook(w.secret, w.Signed(-3600), w.body, w.now,
                                 Defects().Add(Defect::kStaleTimestamp))
                  .ok());
  // no_signature_check still checks the timestamp.
  EXPECT_EQ(sdk::VerifyWebhook(w.secret, w.Signed(-301), w.body, w.now,
                               Defects().Add(Defect::kNoSignatureCheck))
                .error()
                .code,
            "timestamp_out_of_range");
}

// HOOK-4: during a secret rotation the header holds two signatures; either may match.
TEST(ReferenceWebhooks, AcceptsAnyOfTwoSignatures) {
  SignedWebhook w;
  const std::string old_signature = SignWebhook(NewWebhookSecret(), w.id, w.now, w.body);
  const std::string good_signature = SignWebhook(w.secret, w.id, w.now, w.body);
  const auto headers = w.Headers(w.now, old_signature + " " + good_signature);
  EXPECT_TRUE(sdk::VerifyWebhook(w.secret, headers, w.body, w.now).ok());
  EXPECT_EQ(sdk::VerifyWebhook(w.secret, headers, w.body, w.now,
                               Defects().Add(Defect::kFirstSignatureOnly))
                .error()
                .code,
            "invalid_signature");
  // Entries of other versions are skipped.
  const auto other = w.Headers(w.now, "v1a,AAAA " + good_signature);
  EXPECT_TRUE(sdk::VerifyWebhook(w.secret, other, w.body, w.now).ok());
}

// --- Defects: each switches on exactly the documented broken behaviour -------------------------

TEST(ReferenceDefects, TableNamesEveryDefectOnce) {
  std::set<std::string> names;
  for (const auto& info : sdk::AllDefects()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    EXPECT_EQ(sdk::DefectByName(info.name), info.defect);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(Defect::kCount));
  EXPECT_FALSE(sdk::DefectByName("no_such_defect").has_value());
}

TEST(ReferenceDefects, PkceDefectsShowInAuthorizeUrl) {
  MockServer server(AutoConsent());
  Recorded rec;
  {
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kPlainPkce)));
    auto url = client.AuthorizationUrl({"events:read"});
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(QueryParam(*url, "code_challenge_method"), "plain");
  }
  {
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kNoPkce)));
    auto url = client.AuthorizationUrl({"events:read"});
    ASSERT_TRUE(url.ok());
    EXPECT_EQ(url->find("code_challenge"), std::string::npos);
  }
  {
    ConnectClient client(PublicConfig(server),
                         rec.Options(Defects().Add(Defect::kConstantVerifier)));
    auto a = client.AuthorizationUrl({"events:read"});
    auto b = client.AuthorizationUrl({"events:read"});
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(QueryParam(*a, "code_challenge"), QueryParam(*b, "code_challenge"));
    EXPECT_EQ(QueryParam(*a, "code_challenge_method"), "S256");
    EXPECT_NE(QueryParam(*a, "state"), QueryParam(*b, "state"));
  }
}

TEST(ReferenceDefects, CallbackCheckDefectsReachTheTokenEndpoint) {
  MockServer server(AutoConsent());
  Recorded rec;
  {
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kNoStateCheck)));
    auto url = client.AuthorizationUrl({"events:read"});
    ASSERT_TRUE(url.ok());
    auto result = client.CompleteAuthorization(Replace(Browse(server, *url), "state=", "state=x"));
    EXPECT_TRUE(result.ok());
  }
  {
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kNoIssCheck)));
    auto url = client.AuthorizationUrl({"events:read"});
    ASSERT_TRUE(url.ok());
    auto result = client.CompleteAuthorization(Replace(Browse(server, *url), "iss=", "x="));
    EXPECT_TRUE(result.ok());
  }
  {
    ConnectClient client(PublicConfig(server),
                         rec.Options(Defects().Add(Defect::kIgnoreCallbackError)));
    auto url = client.AuthorizationUrl({"events:read"});
    ASSERT_TRUE(url.ok());
    const size_t before = Entries(server, "POST", "/oauth/token").size();
    auto result = client.CompleteAuthorization(
        std::string(kRedirect) + "?error=access_denied&state=" +
        PercentEncode(QueryParam(*url, "state")) + "&iss=" + PercentEncode(server.url()));
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().code, "access_denied");
    EXPECT_EQ(Entries(server, "POST", "/oauth/token").size(), before + 1);
  }
}

TEST(ReferenceDefects, ClientAuthenticationDefectsAreRefused) {
  MockServer server(AutoConsent());
  Recorded rec;
  struct Case {
    Defect defect;
    const char* client;
    const char* secret;
    const char* code;
  };
  for (const Case& c :
       {Case{Defect::kSecretInQuery, kConfidentialClient, kConfidentialSecret, "invalid_request"},
        Case{Defect::kBothAuthMethods, kConfidentialClient, kConfidentialSecret, "invalid_request"},
        Case{Defect::kBasicUnencoded, kSpecialClient, kSpecialSecret, "invalid_client"}}) {
    ConnectClient client(ConfidentialConfig(server, c.client, c.secret),
                         rec.Options(Defects().Add(c.defect)));
    auto url = client.AuthorizationUrl({"events:read"});
    ASSERT_TRUE(url.ok());
    auto result = client.CompleteAuthorization(Browse(server, *url));
    ASSERT_FALSE(result.ok()) << sdk::DefectName(c.defect);
    EXPECT_EQ(result.error().code, c.code) << sdk::DefectName(c.defect);
  }
  auto last = Entries(server, "POST", "/oauth/token");
  ASSERT_EQ(last.size(), 3u);
  EXPECT_NE(last[0].query.find("client_secret="), std::string::npos);
  EXPECT_FALSE(HeaderOf(last[1], "Authorization").empty());
  EXPECT_EQ(FormValue(last[1].body, "client_secret"), kConfidentialSecret);
}

TEST(ReferenceDefects, TokenDefects) {
  MockServer server(AutoConsent());
  Recorded rec;
  {  // stale_refresh_token: the second refresh reuses the first token → invalid_grant.
    ConnectClient client(PublicConfig(server),
                         rec.Options(Defects().Add(Defect::kStaleRefreshToken)));
    Authorize(client, server);
    ASSERT_TRUE(client.Refresh().ok());
    EXPECT_EQ(client.Refresh().error().code, "invalid_grant");
  }
  {  // no_refresh: the expired token's 401 comes back.
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kNoRefresh)));
    Authorize(client, server);
    server.Advance(3601);
    auto events = client.ListEvents(Auth::OAuth());
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(events.error().status, 401);
  }
  {  // token_in_query: the mock refuses the query token.
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kTokenInQuery)));
    Authorize(client, server);
    auto events = client.ListEvents(Auth::OAuth());
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(events.error().code, "token_in_query");
  }
  {  // revoke_noop: no revocation request.
    const size_t before = Entries(server, "POST", "/oauth/revoke").size();
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kRevokeNoop)));
    Authorize(client, server);
    ASSERT_TRUE(client.Revoke().ok());
    EXPECT_EQ(Entries(server, "POST", "/oauth/revoke").size(), before);
    EXPECT_EQ(client.tokens(), nullptr);
  }
}

TEST(ReferenceDefects, RefreshLoopKeepsRefreshing) {
  MockServer server(AutoConsent());
  Recorded rec;
  ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kRefreshLoop)));
  Json tokens = Authorize(client, server);
  auto http = server.Client();
  ASSERT_TRUE(PostForm(
      *http, "/oauth/revoke",
      {{"token", tokens["refresh_token"].get<std::string>()}, {"client_id", kPublicClient}}));
  auto events = client.ListEvents(Auth::OAuth());
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(Entries(server, "POST", "/oauth/token").size(), 1u + 10u);
  EXPECT_EQ(Entries(server, "GET", "/v1/events").size(), 11u);
}

TEST(ReferenceDefects, ScopeAndHeaderDefects) {
  MockServer server(AutoConsent());
  Recorded rec;
  {  // assume_requested_scopes: no local refusal; the server answers 403.
    ConnectClient client(PublicConfig(server),
                         rec.Options(Defects().Add(Defect::kAssumeRequestedScopes)));
    Authorize(client, server, "events:read");
    auto created = client.CreateEvent(Auth::OAuth(), NewEvent());
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().status, 403);
  }
  {  // no_account_header: the platform key alone cannot list an account's events.
    ConnectClient client(PublicConfig(server),
                         rec.Options(Defects().Add(Defect::kNoAccountHeader)));
    auto events = client.ListEvents(Auth::Platform(kAliceAccount));
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(events.error().code, "account_required");
  }
  {  // first_page_only
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kFirstPageOnly)));
    auto events = client.ListEvents(Auth::Platform(kAliceAccount), {"", 1, true});
    ASSERT_TRUE(events.ok());
    EXPECT_EQ((*events)["data"].size(), 1u);
    EXPECT_EQ((*events)["has_more"], false);
  }
}

TEST(ReferenceDefects, RetryDefects) {
  MockServer server;
  const Json fault_429 = Json::parse(R"({"match": {"method": "POST", "path": "/v1/events"},
                          "response": {"status": 429, "headers": {"Retry-After": "2"}}})");
  {
    Recorded rec;
    ConnectClient client(PublicConfig(server), rec.Options(Defects().Add(Defect::kNoRetry)));
    AddFault(server, fault_429);
    EXPECT_EQ(client.CreateEvent(Auth::Platform(kAliceAccount), NewEvent()).error().status, 429);
  }
  {
    Recorded rec;
    ConnectClient client(PublicConfig(server),
                         rec.Options(Defects().Add(Defect::kIgnoreRetryAfter)));
    AddFault(server, fault_429);
    EXPECT_TRUE(client.CreateEvent(Auth::Platform(kAliceAccount), NewEvent()).ok());
    EXPECT_EQ(rec.sleeps, (std::vector<int64_t>{0}));
  }
  {
    Recorded rec;
    ConnectClient client(PublicConfig(server), rec.Options());
    AddFault(server, fault_429);
    EXPECT_TRUE(client.CreateEvent(Auth::Platform(kAliceAccount), NewEvent()).ok());
    EXPECT_EQ(rec.sleeps, (std::vector<int64_t>{2000}));
  }
  {  // no_idempotency_key: no key, so a 503 on the POST is not retried.
    Recorded rec;
    ConnectClient client(PublicConfig(server),
                         rec.Options(Defects().Add(Defect::kNoIdempotencyKey)));
    AddFault(server, {{"match", {{"method", "POST"}, {"path", "/v1/events"}}},
                      {"response", {{"status", 503}}}});
    const size_t before = Entries(server, "POST", "/v1/events").size();
    EXPECT_EQ(client.CreateEvent(Auth::Platform(kAliceAccount), NewEvent()).error().status, 503);
    auto posts = Entries(server, "POST", "/v1/events");
    ASSERT_EQ(posts.size(), before + 1);
    EXPECT_EQ(HeaderOf(posts.back(), "Idempotency-Key"), "");
  }
}

// --- The adapter (HARN-2)
// -------------------------------------------------------------------------

TEST(ReferenceAdapter, AnswersOpsInProcess) {
  MockServer server(AutoConsent());
  sdk::AdapterOptions options;
  options.log = nullptr;
  sdk::Adapter adapter(options);
  Json hello = Json::parse(adapter.HandleLine(R"({"id":1,"op":"hello","args":{"protocol":1}})"));
  EXPECT_EQ(hello, Json::parse(R"({"id":1,"ok":true,"result":{"name":"chronapilot-reference-client",
                                  "version":"0.1.0","language":"C++"}})"));
  Json early = adapter.Handle({{"id", 2}, {"op", "list_events"}, {"args", Json::object()}});
  EXPECT_EQ(early["error"]["code"], "invalid_args");
  Json configured = adapter.Handle({{"id", 3},
                                    {"op", "configure"},
                                    {"args",
                                     {{"base_url", server.url()},
                                      {"client_id", kPublicClient},
                                      {"redirect_uri", kRedirect},
                                      {"platform_key", kAcmeTestKey}}}});
  EXPECT_EQ(configured, (Json{{"id", 3}, {"ok", true}, {"result", Json::object()}}));
  Json no_tokens = adapter.Handle({{"id", 4}, {"op", "refresh"}, {"args", Json::object()}});
  EXPECT_EQ(no_tokens["error"]["code"], "no_tokens");
  EXPECT_FALSE(no_tokens["error"].contains("status"));
  Json bad_auth =
      adapter.Handle({{"id", 5}, {"op", "list_events"}, {"args", {{"auth", {{"mode", "magic"}}}}}});
  EXPECT_EQ(bad_auth["error"]["code"], "invalid_args");
  Json api_error = adapter.Handle({{"id", 6},
                                   {"op", "get_event"},
                                   {"args",
                                    {{"auth", {{"mode", "platform"}, {"account", kAliceAccount}}},
                                     {"id", "evt_doesnotexist00"}}}});
  EXPECT_EQ(api_error["ok"], false);
  EXPECT_EQ(api_error["error"]["status"], 404);
  EXPECT_EQ(api_error["id"], 6);
}

// A child process with stdin and stdout on pipes.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int in[2], out[2];
    EXPECT_EQ(pipe(in), 0);
    EXPECT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 2);
      close(in[1]);
      close(out[0]);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = fdopen(in[1], "w");
    from_ = fdopen(out[0], "r");
  }
  ~Child() {
    CloseStdin();
    if (from_) fclose(from_);
    if (pid_ > 0) Wait();
  }

  Json Call(const Json& request) {
    std::fprintf(to_, "%s\n", request.dump().c_str());
    std::fflush(to_);
    return Json::parse(ReadLine(), nullptr, false);
  }
  std::string ReadLine() {
    std::string line;
    int c;
    while ((c = std::fgetc(from_)) != EOF && c != '\n') line += char(c);
    return line;
  }
  void CloseStdin() {
    if (to_) fclose(to_);
    to_ = nullptr;
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

// HARN-2: the binary speaks JSON Lines, says "unsupported" for unknown ops, runs a whole flow
// and exits 0 at the end of its input.
TEST(ReferenceAdapterBinary, SpeaksJsonLinesProtocol) {
  signal(SIGPIPE, SIG_IGN);
  MockServer server(AutoConsent());
  Child child({CHRONAPILOT_REFERENCE_CLIENT});
  Json hello = child.Call({{"id", 1}, {"op", "hello"}, {"args", {{"protocol", 1}}}});
  EXPECT_EQ(hello["id"], 1);
  EXPECT_EQ(hello["ok"], true);
  EXPECT_EQ(hello["result"]["name"], "chronapilot-reference-client");
  EXPECT_EQ(hello["result"]["language"], "C++");

  Json unknown = child.Call({{"id", 2}, {"op", "teleport"}, {"args", Json::object()}});
  EXPECT_EQ(unknown["ok"], false);
  EXPECT_EQ(unknown["error"]["code"], "unsupported");

  Json configured = child.Call({{"id", 3},
                                {"op", "configure"},
                                {"args",
                                 {{"base_url", server.url()},
                                  {"client_id", kPublicClient},
                                  {"redirect_uri", kLoopbackRedirect}}}});
  EXPECT_EQ(configured["ok"], true);
  Json url =
      child.Call({{"id", 4}, {"op", "authorization_url"}, {"args", {{"scopes", {"events:read"}}}}});
  ASSERT_EQ(url["ok"], true) << url.dump();
  Json tokens = child.Call({{"id", 5},
                            {"op", "complete_authorization"},
                            {"args", {{"callback_url", Browse(server, url["result"]["url"])}}}});
  ASSERT_EQ(tokens["ok"], true) << tokens.dump();
  EXPECT_EQ(tokens["result"]["connected_account_id"], kAliceAccount);
  Json events = child.Call({{"id", 6},
                            {"op", "list_events"},
                            {"args", {{"auth", {{"mode", "oauth"}}}, {"all_pages", true}}}});
  ASSERT_EQ(events["ok"], true) << events.dump();
  EXPECT_EQ(events["result"]["has_more"], false);
  Json denied = child.Call({{"id", 7}, {"op", "create_event"}, {"args", {{"event", NewEvent()}}}});
  EXPECT_EQ(denied["error"]["code"], "insufficient_scope");

  child.CloseStdin();
  EXPECT_EQ(child.ReadLine(), "");  // nothing else on stdout
  EXPECT_EQ(child.Wait(), 0);
}

TEST(ReferenceAdapterBinary, UnknownDefectExitsTwo) {
  const std::string command =
      std::string(CHRONAPILOT_REFERENCE_CLIENT) + " --defect no_such_defect </dev/null 2>/dev/null";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  const std::string ok = std::string(CHRONAPILOT_REFERENCE_CLIENT) +
                         " --defect plain_pkce --defect=no_retry </dev/null >/dev/null 2>&1";
  const int ok_status = std::system(ok.c_str());
  ASSERT_TRUE(WIFEXITED(ok_status));
  EXPECT_EQ(WEXITSTATUS(ok_status), 0);
}

}  // namespace
}  // namespace chronapilot::testing
