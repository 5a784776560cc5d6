// The token endpoint, revocation and server metadata (SPEC §3, TOKEN-1..TOKEN-10), exercised
// over real HTTP against a mock on a free loopback port. Expiry is driven by the virtual clock
// (MockServer::Advance); whether an access token still works is asked of the World directly,
// since the /v1 API that would otherwise tell is not part of these tests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "mock/crypto.h"
#include "mock/scopes.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

// --- Helpers ------------------------------------------------------------------------------------

httplib::Result PostTokenRaw(httplib::Client& client, const Form::Pairs& form,
                             const httplib::Headers& headers = {}) {
  return PostForm(client, "/oauth/token", form, headers);
}

httplib::Result PostRevoke(httplib::Client& client, const Form::Pairs& form,
                           const httplib::Headers& headers = {}) {
  return PostForm(client, "/oauth/revoke", form, headers);
}

// TOKEN-7: an OAuth error is `status` with a JSON body of exactly {"error", "error_description"},
// `error` naming the problem and the description saying something.
::testing::AssertionResult IsOAuthError(int status, const std::string& content_type,
                                        const std::string& body, int want_status,
                                        const std::string& want_error) {
  if (status != want_status) {
    return ::testing::AssertionFailure()
           << "status " << status << ", want " << want_status << "; body " << body;
  }
  if (content_type.rfind("application/json", 0) != 0) {
    return ::testing::AssertionFailure() << "Content-Type \"" << content_type << "\" is not JSON";
  }
  Json json = Json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return ::testing::AssertionFailure() << "body is not a JSON object: " << body;
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : json.items()) keys.push_back(k);
  if (keys != std::vector<std::string>{"error", "error_description"}) {
    return ::testing::AssertionFailure()
           << "body must have exactly error and error_description: " << body;
  }
  if (json["error"] != want_error) {
    return ::testing::AssertionFailure()
           << "error " << json["error"] << ", want \"" << want_error << "\"; body " << body;
  }
  if (!json["error_description"].is_string() ||
      json["error_description"].get<std::string>().empty()) {
    return ::testing::AssertionFailure() << "error_description is empty: " << body;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsOAuthError(const httplib::Result& res, int want_status,
                                        const std::string& want_error) {
  if (!res) return ::testing::AssertionFailure() << "no HTTP response: " << res.error();
  return IsOAuthError(res->status, res->get_header_value("Content-Type"), res->body, want_status,
                      want_error);
}

::testing::AssertionResult IsOAuthError(const TokenResult& res, int want_status,
                                        const std::string& want_error) {
  return IsOAuthError(res.status, "application/json", res.body.dump(), want_status, want_error);
}

// A 401 invalid_client that challenges the client to use Basic (RFC 6749 §5.2, TOKEN-2).
::testing::AssertionResult IsBasicChallenge(const httplib::Result& res) {
  auto error = IsOAuthError(res, 401, "invalid_client");
  if (!error) return error;
  const std::string challenge = res->get_header_value("WWW-Authenticate");
  if (challenge != "Basic realm=\"chronapilot\"") {
    return ::testing::AssertionFailure()
           << "WWW-Authenticate is \"" << challenge << "\", want Basic realm=\"chronapilot\"";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsTokenSuccess(const TokenResult& res) {
  if (res.status != 200) {
    return ::testing::AssertionFailure() << "status " << res.status << ": " << res.body.dump();
  }
  if (!res.body.is_object() || !res.body.contains("access_token") ||
      !res.body.contains("refresh_token")) {
    return ::testing::AssertionFailure() << "no tokens in " << res.body.dump();
  }
  return ::testing::AssertionSuccess();
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Whether the mock would accept `token` on the API right now.
bool AccessTokenValid(MockServer& server, const std::string& token) {
  return server.mock().WithWorld(
      [&](World& world) { return world.auth.CheckAccessToken(token).ok(); });
}

// The scopes a valid access token carries, canonical order ("" when invalid).
std::string AccessTokenScopes(MockServer& server, const std::string& token) {
  return server.mock().WithWorld([&](World& world) -> std::string {
    auto info = world.auth.CheckAccessToken(token);
    return info.ok() ? ScopesToString(info->scopes) : "";
  });
}

Pkce PkceFor(const std::string& verifier) { return Pkce{verifier, S256Challenge(verifier)}; }

// A code for the public client, authorized with `pkce` (AuthorizeParams plus `overrides`).
std::string PublicCode(httplib::Client& client, const Pkce& pkce, Form::Pairs overrides = {},
                       const std::vector<std::string>& scopes = {}) {
  const std::string location = AuthorizeAndApprove(
      client, AuthorizeParams(pkce, std::move(overrides)), "alice@example.com", scopes);
  const std::string code = QueryParam(location, "code");
  EXPECT_TRUE(StartsWith(code, "cac_")) << "no code in \"" << location << "\"";
  return code;
}

// The seed's token exchange for a public-client code.
Form::Pairs PublicRedemption(const std::string& code, const std::string& verifier) {
  return {{"grant_type", "authorization_code"},
          {"code", code},
          {"redirect_uri", kRedirect},
          {"code_verifier", verifier},
          {"client_id", kPublicClient}};
}

// A code for a confidential client, without PKCE; `extra` adds authorize parameters.
std::string ConfidentialCode(httplib::Client& client,
                             const std::string& client_id = kConfidentialClient,
                             Form::Pairs extra = {}) {
  Form::Pairs params = {{"client_id", client_id},
                        {"redirect_uri", kRedirect},
                        {"response_type", "code"},
                        {"scope", kAllScopes},
                        {"state", "s"}};
  for (auto& p : extra) params.push_back(std::move(p));
  const std::string location = AuthorizeAndApprove(client, params);
  const std::string code = QueryParam(location, "code");
  EXPECT_TRUE(StartsWith(code, "cac_")) << "no code in \"" << location << "\"";
  return code;
}

Form::Pairs ConfidentialRedemption(const std::string& code) {
  return {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kRedirect}};
}

// The fixture grant's refresh (FIX-4), as the public client it belongs to.
Form::Pairs FixtureRefresh() {
  return {{"grant_type", "refresh_token"},
          {"refresh_token", kFixtureRefreshToken},
          {"client_id", kPublicClient}};
}

Form::Pairs PublicRefresh(const std::string& refresh_token, Form::Pairs extra = {}) {
  Form::Pairs form = {{"grant_type", "refresh_token"},
                      {"refresh_token", refresh_token},
                      {"client_id", kPublicClient}};
  for (auto& p : extra) form.push_back(std::move(p));
  return form;
}

// One request sent byte for byte on a fresh connection, for what httplib's client will not send
// (e.g. a POST without Content-Type: httplib then adds text/plain).
struct RawResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

RawResponse SendRaw(int port, const std::string& request) {
  RawResponse out;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return out;
  }
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += size_t(n);
  }
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, size_t(n));
  close(fd);
  const size_t end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return out;
  out.status = std::atoi(response.c_str() + 9);
  out.body = response.substr(end + 4);
  const std::string head = response.substr(0, end);
  const size_t ct = head.find("\r\nContent-Type: ");
  if (ct != std::string::npos) {
    const size_t start = ct + 16;
    out.content_type = head.substr(start, head.find("\r\n", start) - start);
  }
  return out;
}

std::string Str(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// --- TOKEN-1: the request's shape ---------------------------------------------------------------

// TOKEN-1
TEST(Token, RejectsBodiesThatAreNotFormEncoded) {
  MockServer server;
  auto client = server.Client();
  const std::string form = Form::Encode(FixtureRefresh());
  // A body that would succeed as a form, sent under other media types, and near misses.
  for (const char* type : {"application/json", "text/plain", "application/x-www-form-urlencodedx",
                           "application/octet-stream"}) {
    EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token", form, type), 400, "invalid_request"))
        << type;
  }
  // A real JSON body.
  const Json json = {{"grant_type", "refresh_token"},
                     {"refresh_token", kFixtureRefreshToken},
                     {"client_id", kPublicClient}};
  EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token", json.dump(), "application/json"), 400,
                           "invalid_request"));
  // No Content-Type at all.
  RawResponse untyped = SendRaw(
      server.port(), "POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                         std::to_string(form.size()) + "\r\nConnection: close\r\n\r\n" + form);
  EXPECT_TRUE(
      IsOAuthError(untyped.status, untyped.content_type, untyped.body, 400, "invalid_request"));
  // multipart/form-data carrying the same fields.
  httplib::MultipartFormDataItems items = {{"grant_type", "refresh_token", "", ""},
                                           {"refresh_token", kFixtureRefreshToken, "", ""},
                                           {"client_id", kPublicClient, "", ""}};
  EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token", items), 400, "invalid_request"));
  // None of that consumed the refresh token.
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// TOKEN-1
TEST(Token, AcceptsFormContentTypeWithCharsetParameter) {
  MockServer server;
  auto client = server.Client();
  auto res = client->Post("/oauth/token", Form::Encode(FixtureRefresh()),
                          "application/x-www-form-urlencoded; charset=UTF-8");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(StartsWith(Str(ParseJson(res->body), "access_token"), "cat_")) << res->body;
}

// TOKEN-1
TEST(Token, AcceptsFormContentTypeInAnyCase) {
  MockServer server;
  auto client = server.Client();
  auto res = client->Post("/oauth/token", Form::Encode(FixtureRefresh()),
                          "Application/X-WWW-Form-URLEncoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

// TOKEN-1
TEST(Token, EveryDuplicatedCodeGrantParameterIsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  const Form::Pairs good = PublicRedemption(code, pkce.verifier);
  for (const auto& [name, value] : good) {
    Form::Pairs twice = good;
    twice.emplace_back(name, value);  // the same value again is still a repetition
    EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, twice), 400, "invalid_request")) << name;
  }
  // The rejected requests did not touch the code.
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, good)));
}

// TOKEN-1
TEST(Token, EveryDuplicatedRefreshParameterIsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const Form::Pairs good = PublicRefresh(kFixtureRefreshToken, {{"scope", "events:read"}});
  for (const auto& [name, value] : good) {
    Form::Pairs twice = good;
    twice.emplace_back(name, value);
    EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, twice), 400, "invalid_request")) << name;
  }
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, good)));
}

// TOKEN-1
TEST(Token, DuplicatedClientSecretIsInvalidRequestNotInvalidClient) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kConfidentialClient);
  form.emplace_back("client_secret", kConfidentialSecret);
  form.emplace_back("client_secret", kConfidentialSecret);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 400, "invalid_request"));
}

// TOKEN-1
TEST(Token, TwoAuthorizationHeadersAreInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  httplib::Headers headers = BasicAuth(kConfidentialClient, kConfidentialSecret);
  headers.emplace("Authorization", headers.begin()->second);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, ConfidentialRedemption(code), headers), 400,
                           "invalid_request"));
}

// TOKEN-1, TOKEN-2
TEST(Token, AnyParameterInTheUrlQueryIsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const std::string body = Form::Encode(FixtureRefresh());
  const char* type = "application/x-www-form-urlencoded";
  // A harmless extra parameter, and one of the request's own parameters repeated in the URL.
  EXPECT_TRUE(
      IsOAuthError(client->Post("/oauth/token?foo=bar", body, type), 400, "invalid_request"));
  EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token?grant_type=refresh_token", body, type), 400,
                           "invalid_request"));
  // The whole request in the query and nothing in the body.
  EXPECT_TRUE(IsOAuthError(client->Post(("/oauth/token?" + body).c_str(), "", type), 400,
                           "invalid_request"));
  // Even a malformed query is refused as a request error, not ignored.
  EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token?%zz", body, type), 400, "invalid_request"));
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// TOKEN-2
TEST(Token, ClientSecretInTheUrlQueryIsRefused) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  const std::string path = "/oauth/token?client_secret=" + PercentEncode(kConfidentialSecret);
  Form::Pairs body = ConfidentialRedemption(code);
  body.emplace_back("client_id", kConfidentialClient);
  auto res = PostForm(*client, path, body);
  EXPECT_TRUE(IsOAuthError(res, 400, "invalid_request"));
  // The refused request did not redeem the code: a proper request still can.
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, ConfidentialRedemption(code),
                                       BasicAuth(kConfidentialClient, kConfidentialSecret))));
}

// --- TOKEN-2: client authentication -------------------------------------------------------------

// TOKEN-2
TEST(Token, ConfidentialClientAuthenticatesWithBasic) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  TokenResult res = PostToken(*client, ConfidentialRedemption(code),
                              BasicAuth(kConfidentialClient, kConfidentialSecret));
  ASSERT_TRUE(IsTokenSuccess(res));
  EXPECT_EQ(res.body["connected_account_id"], kAliceAccount);
  EXPECT_TRUE(AccessTokenValid(server, Str(res.body, "access_token")));
}

// TOKEN-2
TEST(Token, ConfidentialClientAuthenticatesWithClientSecretPost) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kConfidentialClient);
  form.emplace_back("client_secret", kConfidentialSecret);
  TokenResult res = PostToken(*client, form);
  ASSERT_TRUE(IsTokenSuccess(res));
  EXPECT_TRUE(AccessTokenValid(server, Str(res.body, "access_token")));
}

// TOKEN-2
TEST(Token, BasicWithMatchingClientIdInBodyIsAccepted) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kConfidentialClient);
  EXPECT_TRUE(IsTokenSuccess(
      PostToken(*client, form, BasicAuth(kConfidentialClient, kConfidentialSecret))));
}

// TOKEN-2
TEST(Token, BasicWithDifferentClientIdInBodyIsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kSpecialClient);
  EXPECT_TRUE(
      IsOAuthError(PostTokenRaw(*client, form, BasicAuth(kConfidentialClient, kConfidentialSecret)),
                   400, "invalid_request"));
}

// TOKEN-2: RFC 6749 §2.3.1 form-urlencodes id and secret before base64; the special client's
// secret (':' '+' '%' ' ') only works when the client does.
TEST(Token, SpecialSecretWorksWhenFormUrlencodedBeforeBase64) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client, kSpecialClient);
  // Base64 of the raw "id:secret" — what a client that skips the encoding sends.
  httplib::Headers raw = {{"Authorization", "Basic " + Base64Encode(std::string(kSpecialClient) +
                                                                    ":" + kSpecialSecret)}};
  EXPECT_TRUE(IsBasicChallenge(PostTokenRaw(*client, ConfidentialRedemption(code), raw)));
  // The encoded form succeeds with the same, still unused, code.
  TokenResult res =
      PostToken(*client, ConfidentialRedemption(code), BasicAuth(kSpecialClient, kSpecialSecret));
  ASSERT_TRUE(IsTokenSuccess(res));
  EXPECT_TRUE(AccessTokenValid(server, Str(res.body, "access_token")));
}

// TOKEN-2
TEST(Token, SpecialSecretWorksWithClientSecretPost) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client, kSpecialClient);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kSpecialClient);
  form.emplace_back("client_secret", kSpecialSecret);
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, form)));
}

// TOKEN-2
TEST(Token, WrongSecretViaBasicIs401WithChallenge) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  EXPECT_TRUE(IsBasicChallenge(PostTokenRaw(*client, ConfidentialRedemption(code),
                                            BasicAuth(kConfidentialClient, "wrong-secret"))));
  // A secret that differs only in case or by a prefix is just as wrong.
  EXPECT_TRUE(IsBasicChallenge(
      PostTokenRaw(*client, ConfidentialRedemption(code),
                   BasicAuth(kConfidentialClient, "CS_CONF_SECRET_0000000000000001"))));
  EXPECT_TRUE(IsBasicChallenge(PostTokenRaw(*client, ConfidentialRedemption(code),
                                            BasicAuth(kConfidentialClient, "cs_conf_secret"))));
  EXPECT_TRUE(IsBasicChallenge(
      PostTokenRaw(*client, ConfidentialRedemption(code), BasicAuth(kConfidentialClient, ""))));
}

// TOKEN-2
TEST(Token, WrongSecretViaPostIs401InvalidClient) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kConfidentialClient);
  form.emplace_back("client_secret", "cs_conf_secret_0000000000000002");
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 401, "invalid_client"));
}

// TOKEN-2
TEST(Token, UnknownClientIs401) {
  MockServer server;
  auto client = server.Client();
  Form::Pairs form = {{"grant_type", "refresh_token"},
                      {"refresh_token", kFixtureRefreshToken},
                      {"client_id", "cli_nobody"}};
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 401, "invalid_client"));
  EXPECT_TRUE(IsBasicChallenge(
      PostTokenRaw(*client, Without(form, "client_id"), BasicAuth("cli_nobody", "secret"))));
}

// TOKEN-2
TEST(Token, NoClientIdentificationIs401) {
  MockServer server;
  auto client = server.Client();
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, Without(FixtureRefresh(), "client_id")), 401,
                           "invalid_client"));
  // An empty body identifies no client either.
  EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token", "", "application/x-www-form-urlencoded"),
                           401, "invalid_client"));
}

// TOKEN-2
TEST(Token, PublicClientSendingASecretIs401) {
  MockServer server;
  auto client = server.Client();
  Form::Pairs form = FixtureRefresh();
  form.emplace_back("client_secret", "anything");
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 401, "invalid_client"));
  // Basic credentials for a public client are a secret too.
  EXPECT_TRUE(IsBasicChallenge(PostTokenRaw(*client, Without(FixtureRefresh(), "client_id"),
                                            BasicAuth(kPublicClient, "anything"))));
  // And the refresh token was not consumed by either attempt.
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// TOKEN-2
TEST(Token, ConfidentialClientWithoutSecretIs401) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kConfidentialClient);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 401, "invalid_client"));
  // An empty client_secret counts as none (RFC 6749 §3.1).
  form.emplace_back("client_secret", "");
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 401, "invalid_client"));
}

// TOKEN-2
TEST(Token, MalformedBasicHeadersAre401WithChallenge) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  const std::string good =
      Base64Encode(std::string(kConfidentialClient) + ":" + kConfidentialSecret);
  const std::vector<std::string> malformed = {
      "Basic !!!not-base64!!!",
      "Basic " + Base64Encode(kConfidentialClient),                        // no colon
      "Basic " + Base64Encode(std::string(":") + kConfidentialSecret),     // empty id
      "Basic " + good.substr(0, good.size() - 1),                          // bad padding
      "Basic " + Base64Encode(std::string(kConfidentialClient) + ":%zz"),  // bad escape
      "Basic",
      "Bearer " + std::string(kFixtureAccessToken),
      "Digest " + good,
  };
  for (const std::string& value : malformed) {
    httplib::Headers headers = {{"Authorization", value}};
    EXPECT_TRUE(IsBasicChallenge(PostTokenRaw(*client, ConfidentialRedemption(code), headers)))
        << value;
  }
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  httplib::Headers lower = {{"Authorization", "basic " + good}};
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, ConfidentialRedemption(code), lower)));
}

// --- TOKEN-3: redeeming a code ------------------------------------------------------------------

// TOKEN-3
TEST(Token, Rfc7636AppendixBVectorRedeems) {
  MockServer server;
  auto client = server.Client();
  const std::string code = PublicCode(*client, Pkce{kRfcVerifier, kRfcChallenge});
  TokenResult res = PostToken(*client, PublicRedemption(code, kRfcVerifier));
  ASSERT_TRUE(IsTokenSuccess(res));
  EXPECT_EQ(res.body["connected_account_id"], kAliceAccount);
}

// TOKEN-3
TEST(Token, WrongVerifierIsInvalidGrant) {
  MockServer server;
  auto client = server.Client();
  const std::string code = PublicCode(*client, Pkce{kRfcVerifier, kRfcChallenge});
  // Well-formed, but another verifier; and the RFC's verifier with one character changed.
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, Pkce::Make().verifier)),
                           400, "invalid_grant"));
  std::string off_by_one = kRfcVerifier;
  off_by_one.back() = 'j';
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, off_by_one)), 400,
                           "invalid_grant"));
  // The challenge itself is not the verifier.
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, kRfcChallenge)), 400,
                           "invalid_grant"));
}

// TOKEN-3
TEST(Token, MissingVerifierIsInvalidGrant) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  const Form::Pairs form = PublicRedemption(code, pkce.verifier);
  EXPECT_TRUE(
      IsOAuthError(PostTokenRaw(*client, Without(form, "code_verifier")), 400, "invalid_grant"));
  // An empty value counts as missing.
  Form::Pairs empty = Without(form, "code_verifier");
  empty.emplace_back("code_verifier", "");
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, empty), 400, "invalid_grant"));
}

// TOKEN-3: verifiers outside 43-128 chars of [A-Za-z0-9-._~] fail even when their S256 matches
// the challenge the client sent.
TEST(Token, MalformedVerifierIsInvalidGrantEvenIfItsHashMatches) {
  MockServer server;
  auto client = server.Client();
  const std::string base = Base64UrlEncode(RandomBytes(32));  // 43 chars
  std::vector<std::pair<std::string, std::string>> cases = {
      {"42 chars", base.substr(0, 42)},
      {"129 chars", Base64UrlEncode(RandomBytes(97)).substr(0, 129)},
      {"'+'", "+" + base.substr(1)},
      {"'/'", "/" + base.substr(1)},
      {"'='", base.substr(1) + "="},
      {"space", " " + base.substr(1)},
      {"non-ASCII", "\xC3\xA9" + base.substr(1)},
  };
  for (const auto& [what, verifier] : cases) {
    const std::string code = PublicCode(*client, PkceFor(verifier));
    EXPECT_TRUE(
        IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, verifier)), 400, "invalid_grant"))
        << what;
  }
}

// TOKEN-3: the edges of the verifier syntax are accepted.
TEST(Token, VerifiersOf43And128UnreservedCharsRedeem) {
  MockServer server;
  auto client = server.Client();
  std::string shortest = Base64UrlEncode(RandomBytes(32));  // 43 chars
  shortest.replace(0, 4, "-._~");
  const std::string longest = Base64UrlEncode(RandomBytes(96));  // 128 chars
  ASSERT_EQ(shortest.size(), 43u);
  ASSERT_EQ(longest.size(), 128u);
  for (const std::string& verifier : {shortest, longest}) {
    const std::string code = PublicCode(*client, PkceFor(verifier));
    EXPECT_TRUE(IsTokenSuccess(PostToken(*client, PublicRedemption(code, verifier)))) << verifier;
  }
}

// TOKEN-3
TEST(Token, MissingRedirectUriIsInvalidGrantWhenAuthorizeHadOne) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, Without(PublicRedemption(code, pkce.verifier), "redirect_uri")), 400,
      "invalid_grant"));
}

// TOKEN-3: a client with one registered URI may leave it out of both requests.
TEST(Token, RedirectUriMayBeOmittedWhenAuthorizeOmittedIt) {
  MockServer server;
  auto client = server.Client();
  const std::string location = AuthorizeAndApprove(
      *client,
      {{"client_id", kConfidentialClient}, {"response_type", "code"}, {"scope", kAllScopes}});
  ASSERT_TRUE(StartsWith(location, std::string(kRedirect) + "?")) << location;
  const std::string code = QueryParam(location, "code");
  EXPECT_TRUE(
      IsTokenSuccess(PostToken(*client, {{"grant_type", "authorization_code"}, {"code", code}},
                               BasicAuth(kConfidentialClient, kConfidentialSecret))));
}

// TOKEN-3
TEST(Token, DifferentRedirectUriIsInvalidGrant) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  const Form::Pairs good = PublicRedemption(code, pkce.verifier);
  // Another registered URI, then near misses of the one used: exact comparison only.
  for (const std::string& other :
       {std::string(kLoopbackRedirect), std::string(kRedirect) + "/",
        std::string("https://YOUR-APP.com/oauth/callback"), std::string(kRedirect) + "?a=1"}) {
    Form::Pairs form = Without(good, "redirect_uri");
    form.emplace_back("redirect_uri", other);
    EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 400, "invalid_grant")) << other;
  }
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, good)));
}

// TOKEN-3
TEST(Token, CodeOfAnotherClientIsInvalidGrant) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  Form::Pairs globex = Without(PublicRedemption(code, pkce.verifier), "client_id");
  globex.emplace_back("client_id", kGlobexClient);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, globex), 400, "invalid_grant"));
  // Another client of the same platform, properly authenticated, is no better.
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, Without(PublicRedemption(code, pkce.verifier), "client_id"),
                   BasicAuth(kConfidentialClient, kConfidentialSecret)),
      400, "invalid_grant"));
}

// TOKEN-3
TEST(Token, UnknownOrMissingCodeIsRefused) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, PublicRedemption("cac_000000000000000000000000", pkce.verifier)), 400,
      "invalid_grant"));
  // A token of another kind is not a code.
  EXPECT_TRUE(
      IsOAuthError(PostTokenRaw(*client, PublicRedemption(kFixtureRefreshToken, pkce.verifier)),
                   400, "invalid_grant"));
  // A missing parameter is a malformed request (RFC 6749 §5.2).
  EXPECT_TRUE(
      IsOAuthError(PostTokenRaw(*client, Without(PublicRedemption("x", pkce.verifier), "code")),
                   400, "invalid_request"));
}

// TOKEN-3, AUTHZ-6: codes live 60 s of virtual time.
TEST(Token, CodeIsStillGoodAt59Seconds) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  server.Advance(59);
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, PublicRedemption(code, pkce.verifier))));
}

// TOKEN-3, AUTHZ-6
TEST(Token, CodeExpiresAfter60Seconds) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  server.Advance(61);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, pkce.verifier)), 400,
                           "invalid_grant"));
}

// --- TOKEN-4: single use ------------------------------------------------------------------------

// TOKEN-4
TEST(Token, ReusedCodeRevokesIssuedTokens) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  TokenResult first = PostToken(*client, PublicRedemption(code, pkce.verifier));
  ASSERT_TRUE(IsTokenSuccess(first));
  const std::string access = Str(first.body, "access_token");
  const std::string refresh = Str(first.body, "refresh_token");
  ASSERT_TRUE(AccessTokenValid(server, access));

  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, pkce.verifier)), 400,
                           "invalid_grant"));
  EXPECT_FALSE(AccessTokenValid(server, access));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh(refresh)), 400, "invalid_grant"));
  // The fixture grant of the same account is a different grant and stays valid.
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
}

// TOKEN-4: tokens already rotated from the code's grant are revoked too.
TEST(Token, ReusedCodeRevokesTokensRefreshedFromIt) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  TokenResult first = PostToken(*client, PublicRedemption(code, pkce.verifier));
  ASSERT_TRUE(IsTokenSuccess(first));
  TokenResult refreshed = PostToken(*client, PublicRefresh(Str(first.body, "refresh_token")));
  ASSERT_TRUE(IsTokenSuccess(refreshed));

  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, pkce.verifier)), 400,
                           "invalid_grant"));
  EXPECT_FALSE(AccessTokenValid(server, Str(refreshed.body, "access_token")));
  EXPECT_TRUE(
      IsOAuthError(PostTokenRaw(*client, PublicRefresh(Str(refreshed.body, "refresh_token"))), 400,
                   "invalid_grant"));
}

// TOKEN-4: a code raced by many redeemers is redeemed exactly once.
TEST(Token, ConcurrentRedemptionsOfOneCodeSucceedExactlyOnce) {
  MockServer server;
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*server.Client(), pkce);
  constexpr int kThreads = 16;
  // Connected and kept alive beforehand, so that the redemptions themselves race.
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < kThreads; ++i) {
    clients.push_back(server.Client());
    clients.back()->set_keep_alive(true);
    auto warm = clients.back()->Get("/.well-known/oauth-authorization-server");
    ASSERT_TRUE(warm && warm->status == 200);
  }
  std::vector<TokenResult> results(kThreads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      results[i] = PostToken(*clients[i], PublicRedemption(code, pkce.verifier));
    });
  }
  while (ready.load() < kThreads) std::this_thread::yield();
  go.store(true);
  for (auto& t : threads) t.join();

  int successes = 0;
  std::string winner_access;
  for (const TokenResult& r : results) {
    if (r.status == 200) {
      ++successes;
      winner_access = Str(r.body, "access_token");
    } else {
      EXPECT_TRUE(IsOAuthError(r, 400, "invalid_grant"));
    }
  }
  EXPECT_EQ(successes, 1);
  // Every loser came after the winner, so each was a reuse that revoked the winner's tokens.
  EXPECT_FALSE(AccessTokenValid(server, winner_access));
}

// --- TOKEN-5: the success response --------------------------------------------------------------

// TOKEN-5
TEST(Token, SuccessResponseHasSeedFieldsInOrderAndNoStoreHeaders) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  auto res = PostTokenRaw(*client, PublicRedemption(code, pkce.verifier));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->get_header_value("Pragma"), "no-cache");
  EXPECT_TRUE(StartsWith(res->get_header_value("Content-Type"), "application/json"));
  const Json body = ParseJson(res->body);
  std::vector<std::string> keys;
  for (const auto& [k, v] : body.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"access_token", "token_type", "expires_in",
                                            "refresh_token", "scope", "connected_account_id"}));
  EXPECT_TRUE(StartsWith(Str(body, "access_token"), "cat_"));
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_TRUE(body["expires_in"].is_number_integer());
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_TRUE(StartsWith(Str(body, "refresh_token"), "crt_"));
  EXPECT_EQ(body["scope"], kAllScopes);
  EXPECT_EQ(body["connected_account_id"], kAliceAccount);
  EXPECT_NE(body["access_token"], kFixtureAccessToken);
  EXPECT_NE(body["refresh_token"], kFixtureRefreshToken);
}

// TOKEN-5: a refresh answers with the same shape and headers.
TEST(Token, RefreshResponseHasSeedFieldsAndNoStoreHeaders) {
  MockServer server;
  auto client = server.Client();
  auto res = PostTokenRaw(*client, FixtureRefresh());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(res->get_header_value("Pragma"), "no-cache");
  const Json body = ParseJson(res->body);
  std::vector<std::string> keys;
  for (const auto& [k, v] : body.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"access_token", "token_type", "expires_in",
                                            "refresh_token", "scope", "connected_account_id"}));
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["scope"], kAllScopes);
  EXPECT_EQ(body["connected_account_id"], kAliceAccount);
}

// TOKEN-5: scope is what the user granted, and a new user gets a new cpa_ account.
TEST(Token, ScopeIsTheGrantedOneAndNewUsersGetTheirOwnAccount) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  const std::string location = AuthorizeAndApprove(
      *client, AuthorizeParams(pkce), "bob@example.com", {"events:read", "calendars:read"});
  TokenResult res =
      PostToken(*client, PublicRedemption(QueryParam(location, "code"), pkce.verifier));
  ASSERT_TRUE(IsTokenSuccess(res));
  EXPECT_EQ(res.body["scope"], "events:read calendars:read");
  const std::string account = Str(res.body, "connected_account_id");
  EXPECT_TRUE(StartsWith(account, "cpa_"));
  EXPECT_NE(account, kAliceAccount);
  EXPECT_EQ(AccessTokenScopes(server, Str(res.body, "access_token")), "events:read calendars:read");
}

// TOKEN-5
TEST(Token, IssuedAccessTokenExpiresAfter3600Seconds) {
  MockServer server;
  auto client = server.Client();
  TokenResult res = PublicClientTokens(*client);
  ASSERT_TRUE(IsTokenSuccess(res));
  const std::string access = Str(res.body, "access_token");
  server.Advance(3599);
  EXPECT_TRUE(AccessTokenValid(server, access));
  server.Advance(2);
  EXPECT_FALSE(AccessTokenValid(server, access));
  // The refresh token outlives it and yields a fresh, valid access token.
  TokenResult refreshed = PostToken(*client, PublicRefresh(Str(res.body, "refresh_token")));
  ASSERT_TRUE(IsTokenSuccess(refreshed));
  EXPECT_TRUE(AccessTokenValid(server, Str(refreshed.body, "access_token")));
}

// TOKEN-5, FIX-4
TEST(Token, FixtureAccessTokenNeverExpires) {
  MockServer server;
  auto client = server.Client();
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
  server.Advance(3601);
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
  server.Advance(int64_t{10} * 365 * 24 * 3600);
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
  // Its grant still refreshes, too. (The request also makes sure the server is serving before
  // MockServer's destructor stops it; see the report on test_support.)
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// --- TOKEN-6: refresh ---------------------------------------------------------------------------

// TOKEN-6, FIX-4
TEST(Token, FixtureRefreshTokenRefreshes) {
  MockServer server;
  auto client = server.Client();
  TokenResult res = PostToken(*client, FixtureRefresh());
  ASSERT_TRUE(IsTokenSuccess(res));
  EXPECT_EQ(res.body["connected_account_id"], kAliceAccount);
  EXPECT_EQ(res.body["scope"], kAllScopes);
  const std::string access = Str(res.body, "access_token");
  EXPECT_TRUE(StartsWith(access, "cat_"));
  EXPECT_NE(access, kFixtureAccessToken);
  EXPECT_EQ(AccessTokenScopes(server, access), kAllScopes);
}

// TOKEN-6
TEST(Token, RefreshRotatesTheRefreshToken) {
  MockServer server;
  auto client = server.Client();
  TokenResult first = PostToken(*client, FixtureRefresh());
  ASSERT_TRUE(IsTokenSuccess(first));
  const std::string next = Str(first.body, "refresh_token");
  EXPECT_TRUE(StartsWith(next, "crt_"));
  EXPECT_NE(next, kFixtureRefreshToken);
  // The new one works (and rotates again); the chain keeps going.
  TokenResult second = PostToken(*client, PublicRefresh(next));
  ASSERT_TRUE(IsTokenSuccess(second));
  EXPECT_NE(Str(second.body, "refresh_token"), next);
  EXPECT_TRUE(AccessTokenValid(server, Str(second.body, "access_token")));
  // Each rotated-out token is dead.
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh(next)), 400, "invalid_grant"));
}

// TOKEN-6 [RFC 9700 §4.14.2]
TEST(Token, ReusedRefreshTokenRevokesTheWholeFamily) {
  MockServer server;
  auto client = server.Client();
  TokenResult first = PostToken(*client, FixtureRefresh());
  ASSERT_TRUE(IsTokenSuccess(first));
  TokenResult second = PostToken(*client, PublicRefresh(Str(first.body, "refresh_token")));
  ASSERT_TRUE(IsTokenSuccess(second));
  const std::string newest_access = Str(second.body, "access_token");
  const std::string newest_refresh = Str(second.body, "refresh_token");
  ASSERT_TRUE(AccessTokenValid(server, newest_access));

  // The rotated-out fixture refresh token comes back.
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, FixtureRefresh()), 400, "invalid_grant"));
  // Every access and refresh token of the grant is gone, from the fixture's on.
  EXPECT_FALSE(AccessTokenValid(server, newest_access));
  EXPECT_FALSE(AccessTokenValid(server, Str(first.body, "access_token")));
  EXPECT_FALSE(AccessTokenValid(server, kFixtureAccessToken));
  EXPECT_TRUE(
      IsOAuthError(PostTokenRaw(*client, PublicRefresh(newest_refresh)), 400, "invalid_grant"));
}

// TOKEN-6: a grant of another flow is not part of the family.
TEST(Token, ReusedRefreshTokenLeavesOtherGrantsAlone) {
  MockServer server;
  auto client = server.Client();
  TokenResult other = PublicClientTokens(*client);
  ASSERT_TRUE(IsTokenSuccess(other));
  ASSERT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, FixtureRefresh()), 400, "invalid_grant"));
  EXPECT_TRUE(AccessTokenValid(server, Str(other.body, "access_token")));
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, PublicRefresh(Str(other.body, "refresh_token")))));
}

// TOKEN-6
TEST(Token, RefreshCanNarrowScopeAndLaterRegainTheGrantedScope) {
  MockServer server;
  auto client = server.Client();
  TokenResult narrow = PostToken(
      *client, PublicRefresh(kFixtureRefreshToken, {{"scope", "calendars:read events:read"}}));
  ASSERT_TRUE(IsTokenSuccess(narrow));
  EXPECT_EQ(narrow.body["scope"], "events:read calendars:read");
  EXPECT_EQ(AccessTokenScopes(server, Str(narrow.body, "access_token")),
            "events:read calendars:read");
  // The new refresh token still carries the whole grant.
  TokenResult full =
      PostToken(*client, PublicRefresh(Str(narrow.body, "refresh_token"), {{"scope", kAllScopes}}));
  ASSERT_TRUE(IsTokenSuccess(full));
  EXPECT_EQ(full.body["scope"], kAllScopes);
  EXPECT_EQ(AccessTokenScopes(server, Str(full.body, "access_token")), kAllScopes);
  // Without scope, a refresh gets the grant's scope as well.
  TokenResult plain = PostToken(*client, PublicRefresh(Str(full.body, "refresh_token")));
  ASSERT_TRUE(IsTokenSuccess(plain));
  EXPECT_EQ(plain.body["scope"], kAllScopes);
}

// TOKEN-6
TEST(Token, RefreshWithWiderScopeIsInvalidScope) {
  MockServer server;
  auto client = server.Client();
  TokenResult narrow = PublicClientTokens(*client, "alice@example.com", "events:read");
  ASSERT_TRUE(IsTokenSuccess(narrow));
  ASSERT_EQ(narrow.body["scope"], "events:read");
  const std::string refresh = Str(narrow.body, "refresh_token");
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, PublicRefresh(refresh, {{"scope", "events:read events:write"}})), 400,
      "invalid_scope"));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh(refresh, {{"scope", kAllScopes}})),
                           400, "invalid_scope"));
  // The refused request did not use up the refresh token, nor widen anything.
  TokenResult again = PostToken(*client, PublicRefresh(refresh));
  ASSERT_TRUE(IsTokenSuccess(again));
  EXPECT_EQ(again.body["scope"], "events:read");
}

// TOKEN-6
TEST(Token, RefreshWithUnknownScopeIsInvalidScope) {
  MockServer server;
  auto client = server.Client();
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, PublicRefresh(kFixtureRefreshToken, {{"scope", "calendars:delete"}})),
      400, "invalid_scope"));
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, PublicRefresh(kFixtureRefreshToken, {{"scope", "events:read admin"}})),
      400, "invalid_scope"));
  // Scope names are case-sensitive (RFC 6749 §3.3).
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, PublicRefresh(kFixtureRefreshToken, {{"scope", "EVENTS:READ"}})), 400,
      "invalid_scope"));
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// TOKEN-6
TEST(Token, RefreshByAnotherClientIsInvalidGrant) {
  MockServer server;
  auto client = server.Client();
  Form::Pairs globex = Without(FixtureRefresh(), "client_id");
  globex.emplace_back("client_id", kGlobexClient);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, globex), 400, "invalid_grant"));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, Without(FixtureRefresh(), "client_id"),
                                        BasicAuth(kConfidentialClient, kConfidentialSecret)),
                           400, "invalid_grant"));
  // Another client's attempt neither rotated nor revoked the rightful owner's token.
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// TOKEN-6
TEST(Token, UnknownOrMissingRefreshTokenIsRefused) {
  MockServer server;
  auto client = server.Client();
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh("crt_000000000000000000000000")),
                           400, "invalid_grant"));
  // An access token is not a refresh token.
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh(kFixtureAccessToken)), 400,
                           "invalid_grant"));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, Without(FixtureRefresh(), "refresh_token")), 400,
                           "invalid_request"));
}

// TOKEN-6: a confidential client's refresh needs its secret, by either method.
TEST(Token, ConfidentialClientRefreshRequiresItsSecret) {
  MockServer server;
  auto client = server.Client();
  TokenResult tokens = ConfidentialClientTokens(*client);
  ASSERT_TRUE(IsTokenSuccess(tokens));
  const Form::Pairs refresh = {{"grant_type", "refresh_token"},
                               {"refresh_token", Str(tokens.body, "refresh_token")}};
  Form::Pairs id_only = refresh;
  id_only.emplace_back("client_id", kConfidentialClient);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, id_only), 401, "invalid_client"));
  EXPECT_TRUE(IsBasicChallenge(
      PostTokenRaw(*client, refresh, BasicAuth(kConfidentialClient, "not-the-secret"))));

  TokenResult by_basic =
      PostToken(*client, refresh, BasicAuth(kConfidentialClient, kConfidentialSecret));
  ASSERT_TRUE(IsTokenSuccess(by_basic));
  Form::Pairs by_post_form = {{"grant_type", "refresh_token"},
                              {"refresh_token", Str(by_basic.body, "refresh_token")},
                              {"client_id", kConfidentialClient},
                              {"client_secret", kConfidentialSecret}};
  TokenResult by_post = PostToken(*client, by_post_form);
  ASSERT_TRUE(IsTokenSuccess(by_post));
  EXPECT_TRUE(AccessTokenValid(server, Str(by_post.body, "access_token")));
}

// --- TOKEN-7: grant types and the error format --------------------------------------------------

// TOKEN-7
TEST(Token, OtherGrantTypesAreUnsupported) {
  MockServer server;
  auto client = server.Client();
  for (const char* type : {"password", "client_credentials", "implicit", "token",
                           "AUTHORIZATION_CODE", "urn:ietf:params:oauth:grant-type:device_code",
                           "urn:ietf:params:oauth:grant-type:jwt-bearer"}) {
    Form::Pairs form = {{"grant_type", type},
                        {"username", "alice@example.com"},
                        {"password", "x"},
                        {"client_id", kPublicClient}};
    EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form), 400, "unsupported_grant_type")) << type;
  }
  // client_credentials from the one kind of client it would make sense for.
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, {{"grant_type", "client_credentials"}},
                                        BasicAuth(kConfidentialClient, kConfidentialSecret)),
                           400, "unsupported_grant_type"));
}

// TOKEN-7
TEST(Token, MissingGrantTypeIsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, Without(FixtureRefresh(), "grant_type")), 400,
                           "invalid_request"));
  Form::Pairs empty = Without(FixtureRefresh(), "grant_type");
  empty.emplace_back("grant_type", "");
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, empty), 400, "invalid_request"));
  // Confidential clients are authenticated before the grant type is looked at.
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, {{"refresh_token", kFixtureRefreshToken}},
                                        BasicAuth(kConfidentialClient, kConfidentialSecret)),
                           400, "invalid_request"));
}

// TOKEN-1: the token endpoint is POST only (RFC 6749 §3.2).
TEST(Token, GetOnTheTokenEndpointIs405) {
  MockServer server;
  auto client = server.Client();
  auto res = client->Get(("/oauth/token?" + Form::Encode(FixtureRefresh())).c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405) << res->body;
  EXPECT_NE(res->get_header_value("Allow").find("POST"), std::string::npos);
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// TOKEN-7: the error body's shape does not depend on which check failed.
TEST(Token, EveryErrorBodyIsExactlyErrorAndDescription) {
  MockServer server;
  auto client = server.Client();
  const Pkce pkce = Pkce::Make();
  struct Case {
    const char* what;
    httplib::Result res;
    int status;
    const char* error;
  };
  std::vector<Case> cases;
  cases.push_back({"not a form", client->Post("/oauth/token", "{}", "application/json"), 400,
                   "invalid_request"});
  cases.push_back({"bad client",
                   PostTokenRaw(*client, {{"grant_type", "refresh_token"}, {"client_id", "cli_x"}}),
                   401, "invalid_client"});
  cases.push_back({"bad grant", PostTokenRaw(*client, PublicRedemption("cac_nope", pkce.verifier)),
                   400, "invalid_grant"});
  cases.push_back({"bad scope",
                   PostTokenRaw(*client, PublicRefresh(kFixtureRefreshToken, {{"scope", "x"}})),
                   400, "invalid_scope"});
  cases.push_back(
      {"bad grant type",
       PostTokenRaw(*client, {{"grant_type", "password"}, {"client_id", kPublicClient}}), 400,
       "unsupported_grant_type"});
  cases.push_back({"revoke without token", PostRevoke(*client, {{"client_id", kPublicClient}}), 400,
                   "invalid_request"});
  for (const Case& c : cases) EXPECT_TRUE(IsOAuthError(c.res, c.status, c.error)) << c.what;
}

// --- TOKEN-8: revocation ------------------------------------------------------------------------

// TOKEN-8
TEST(Revoke, AccessTokenRevokesItsFamily) {
  MockServer server;
  auto client = server.Client();
  TokenResult tokens = PublicClientTokens(*client);
  ASSERT_TRUE(IsTokenSuccess(tokens));
  const std::string access = Str(tokens.body, "access_token");
  auto res = PostRevoke(*client, {{"token", access}, {"client_id", kPublicClient}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(AccessTokenValid(server, access));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh(Str(tokens.body, "refresh_token"))),
                           400, "invalid_grant"));
  // Revoking again is still fine.
  res = PostRevoke(*client, {{"token", access}, {"client_id", kPublicClient}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

// TOKEN-8
TEST(Revoke, RefreshTokenRevokesItsFamily) {
  MockServer server;
  auto client = server.Client();
  TokenResult first = PostToken(*client, FixtureRefresh());
  ASSERT_TRUE(IsTokenSuccess(first));
  const std::string refresh = Str(first.body, "refresh_token");
  auto res = PostRevoke(
      *client,
      {{"token", refresh}, {"token_type_hint", "refresh_token"}, {"client_id", kPublicClient}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh(refresh)), 400, "invalid_grant"));
  EXPECT_FALSE(AccessTokenValid(server, Str(first.body, "access_token")));
  EXPECT_FALSE(AccessTokenValid(server, kFixtureAccessToken));
}

// TOKEN-8 [RFC 7009 §2.1]: token_type_hint is a hint; a wrong one does not stop revocation.
TEST(Revoke, WrongTokenTypeHintStillRevokes) {
  MockServer server;
  auto client = server.Client();
  auto res = PostRevoke(*client, {{"token", kFixtureAccessToken},
                                  {"token_type_hint", "refresh_token"},
                                  {"client_id", kPublicClient}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(AccessTokenValid(server, kFixtureAccessToken));
}

// TOKEN-8
TEST(Revoke, ConfidentialClientRevokesItsOwnTokenWithBasic) {
  MockServer server;
  auto client = server.Client();
  TokenResult tokens = ConfidentialClientTokens(*client);
  ASSERT_TRUE(IsTokenSuccess(tokens));
  auto res = PostRevoke(*client, {{"token", Str(tokens.body, "refresh_token")}},
                        BasicAuth(kConfidentialClient, kConfidentialSecret));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(AccessTokenValid(server, Str(tokens.body, "access_token")));
}

// TOKEN-8 [RFC 7009 §2.2]
TEST(Revoke, UnknownTokenAnswers200) {
  MockServer server;
  auto client = server.Client();
  for (const char* token : {"cat_doesnotexist0000000000", "crt_doesnotexist0000000000", "x"}) {
    auto res = PostRevoke(*client, {{"token", token}, {"client_id", kPublicClient}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << token << ": " << res->body;
  }
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
}

// TOKEN-8: a client cannot revoke another client's grant; it is told 200 all the same.
TEST(Revoke, AnotherClientsTokenAnswers200AndStaysValid) {
  MockServer server;
  auto client = server.Client();
  auto res = PostRevoke(*client, {{"token", kFixtureAccessToken}},
                        BasicAuth(kConfidentialClient, kConfidentialSecret));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  res = PostRevoke(*client, {{"token", kFixtureRefreshToken}, {"client_id", kGlobexClient}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
}

// TOKEN-8: the same client authentication and request rules as the token endpoint.
TEST(Revoke, RequiresClientAuthenticationAndAWellFormedRequest) {
  MockServer server;
  auto client = server.Client();
  const Form::Pairs token = {{"token", kFixtureAccessToken}};
  EXPECT_TRUE(IsOAuthError(PostRevoke(*client, token), 401, "invalid_client"));
  EXPECT_TRUE(IsOAuthError(
      PostRevoke(*client, {{"token", kFixtureAccessToken}, {"client_id", "cli_nobody"}}), 401,
      "invalid_client"));
  EXPECT_TRUE(IsOAuthError(
      PostRevoke(*client, {{"token", kFixtureAccessToken}, {"client_id", kConfidentialClient}}),
      401, "invalid_client"));
  EXPECT_TRUE(
      IsBasicChallenge(PostRevoke(*client, token, BasicAuth(kConfidentialClient, "wrong"))));
  EXPECT_TRUE(IsBasicChallenge(PostRevoke(*client, token, {{"Authorization", "Basic !!"}})));
  EXPECT_TRUE(IsOAuthError(PostRevoke(*client, {{"token", kFixtureAccessToken},
                                                {"client_id", kPublicClient},
                                                {"client_secret", "x"}}),
                           401, "invalid_client"));
  // Request errors.
  EXPECT_TRUE(
      IsOAuthError(PostRevoke(*client, {{"client_id", kPublicClient}}), 400, "invalid_request"));
  EXPECT_TRUE(IsOAuthError(PostRevoke(*client, {{"token", kFixtureAccessToken},
                                                {"token", kFixtureAccessToken},
                                                {"client_id", kPublicClient}}),
                           400, "invalid_request"));
  EXPECT_TRUE(IsOAuthError(
      client->Post(("/oauth/revoke?token=" + std::string(kFixtureAccessToken)).c_str(),
                   "client_id=" + std::string(kPublicClient), "application/x-www-form-urlencoded"),
      400, "invalid_request"));
  EXPECT_TRUE(IsOAuthError(
      client->Post("/oauth/revoke",
                   Json{{"token", kFixtureAccessToken}, {"client_id", kPublicClient}}.dump(),
                   "application/json"),
      400, "invalid_request"));
  Form::Pairs both = token;
  both.emplace_back("client_secret", kConfidentialSecret);
  EXPECT_TRUE(
      IsOAuthError(PostRevoke(*client, both, BasicAuth(kConfidentialClient, kConfidentialSecret)),
                   400, "invalid_request"));
  // None of the refused requests revoked anything.
  EXPECT_TRUE(AccessTokenValid(server, kFixtureAccessToken));
}

// --- TOKEN-9: metadata --------------------------------------------------------------------------

// The `iss` of a code redirect for an authorize request sent with `headers`.
std::string IssFromAuthorize(httplib::Client& client, const httplib::Headers& headers) {
  const Pkce pkce = Pkce::Make();
  auto page =
      client.Get(("/oauth/authorize?" + Form::Encode(AuthorizeParams(pkce))).c_str(), headers);
  if (!page || page->status != 200) {
    ADD_FAILURE() << "no consent page: " << (page ? page->body : "no response");
    return "";
  }
  Form::Pairs decision = {{"consent_id", ConsentIdFrom(page->body)},
                          {"login", "alice@example.com"},
                          {"decision", "allow"},
                          {"scope", "events:read"}};
  auto res = PostForm(client, "/oauth/authorize/decision", decision, headers);
  if (!res || res->status != 302) {
    ADD_FAILURE() << "no redirect: " << (res ? res->body : "no response");
    return "";
  }
  const std::string location = res->get_header_value("Location");
  EXPECT_FALSE(QueryParam(location, "code").empty()) << location;
  return QueryParam(location, "iss");
}

Json Metadata(httplib::Client& client, const httplib::Headers& headers = {}) {
  auto res = client.Get("/.well-known/oauth-authorization-server", headers);
  if (!res) {
    ADD_FAILURE() << "no response";
    return Json();
  }
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(StartsWith(res->get_header_value("Content-Type"), "application/json"));
  return ParseJson(res->body);
}

// TOKEN-9
TEST(Metadata, ListsTheServersCapabilities) {
  MockServer server;
  auto client = server.Client();
  const Json meta = Metadata(*client);
  const std::string issuer = server.url();  // the Host httplib sends
  EXPECT_EQ(meta["issuer"], issuer);
  EXPECT_EQ(meta["authorization_endpoint"], issuer + "/oauth/authorize");
  EXPECT_EQ(meta["token_endpoint"], issuer + "/oauth/token");
  EXPECT_EQ(meta["revocation_endpoint"], issuer + "/oauth/revoke");
  EXPECT_EQ(meta["scopes_supported"],
            Json::array({"events:read", "events:write", "calendars:read", "webhooks:manage"}));
  EXPECT_EQ(meta["response_types_supported"], Json::array({"code"}));
  EXPECT_EQ(meta["grant_types_supported"], Json::array({"authorization_code", "refresh_token"}));
  EXPECT_EQ(meta["code_challenge_methods_supported"], Json::array({"S256"}));
  const Json& methods = meta["token_endpoint_auth_methods_supported"];
  ASSERT_TRUE(methods.is_array());
  for (const char* m : {"client_secret_basic", "client_secret_post", "none"}) {
    EXPECT_NE(std::find(methods.begin(), methods.end(), m), methods.end()) << m;
  }
  EXPECT_EQ(meta["authorization_response_iss_parameter_supported"], true);
}

// TOKEN-9: the advertised endpoints are the real ones.
TEST(Metadata, AdvertisedEndpointsAnswer) {
  MockServer server;
  auto client = server.Client();
  const Json meta = Metadata(*client);
  const std::string base = server.url();
  const std::string token_path = Str(meta, "token_endpoint").substr(base.size());
  const std::string revoke_path = Str(meta, "revocation_endpoint").substr(base.size());
  auto token = PostForm(*client, token_path, FixtureRefresh());
  ASSERT_TRUE(token);
  EXPECT_EQ(token->status, 200) << token->body;
  auto revoke = PostForm(*client, revoke_path,
                         {{"token", kFixtureAccessToken}, {"client_id", kPublicClient}});
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->status, 200) << revoke->body;
  EXPECT_FALSE(AccessTokenValid(server, kFixtureAccessToken));
}

// TOKEN-9 [RFC 9207]: the issuer follows the Host header and matches the authorize `iss`.
TEST(Metadata, IssuerFollowsHostHeaderAndMatchesAuthorizeIss) {
  MockServer server;
  auto client = server.Client();
  for (const std::string host : {"auth.local.test:4321", "localhost", "[::1]:8080"}) {
    const httplib::Headers headers = {{"Host", host}};
    const Json meta = Metadata(*client, headers);
    EXPECT_EQ(meta["issuer"], "http://" + host);
    EXPECT_EQ(meta["token_endpoint"], "http://" + host + "/oauth/token");
    EXPECT_EQ(IssFromAuthorize(*client, headers), meta["issuer"]) << host;
  }
  // The default Host (what httplib sends: 127.0.0.1:<port>).
  const Json meta = Metadata(*client);
  EXPECT_EQ(meta["issuer"], server.url());
  EXPECT_EQ(IssFromAuthorize(*client, {}), server.url());
  EXPECT_NE(Str(meta, "issuer").back(), '/');
}

// TOKEN-9: a Host header that could not be part of a URL never becomes the issuer.
TEST(Metadata, UnusableHostHeaderFallsBackToTheListeningAddress) {
  MockServer server;
  auto client = server.Client();
  const Json meta = Metadata(*client, {{"Host", "evil.test/path?x="}});
  EXPECT_EQ(meta["issuer"], server.url());
}

// TOKEN-9
TEST(Metadata, ConfiguredIssuerIsUsedEverywhere) {
  Options options;
  options.issuer = "https://auth.example.test";
  MockServer server(options);
  auto client = server.Client();
  for (const httplib::Headers& headers :
       {httplib::Headers{}, httplib::Headers{{"Host", "other.test:99"}}}) {
    const Json meta = Metadata(*client, headers);
    EXPECT_EQ(meta["issuer"], "https://auth.example.test");
    EXPECT_EQ(meta["authorization_endpoint"], "https://auth.example.test/oauth/authorize");
    EXPECT_EQ(meta["token_endpoint"], "https://auth.example.test/oauth/token");
    EXPECT_EQ(meta["revocation_endpoint"], "https://auth.example.test/oauth/revoke");
    EXPECT_EQ(IssFromAuthorize(*client, headers), "https://auth.example.test");
  }
}

// --- TOKEN-10: downgrade and double authentication ----------------------------------------------

// TOKEN-10 [RFC 9700 §2.1.1]
TEST(Token, VerifierForCodeWithoutChallengeIsInvalidGrant) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("code_verifier", kRfcVerifier);
  const httplib::Headers basic = BasicAuth(kConfidentialClient, kConfidentialSecret);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, form, basic), 400, "invalid_grant"));
}

// TOKEN-3, TOKEN-10: a confidential client that did send a challenge must prove it.
TEST(Token, ConfidentialClientWithChallengeMustSendVerifier) {
  MockServer server;
  auto client = server.Client();
  const std::string code =
      ConfidentialCode(*client, kConfidentialClient,
                       {{"code_challenge", kRfcChallenge}, {"code_challenge_method", "S256"}});
  const httplib::Headers basic = BasicAuth(kConfidentialClient, kConfidentialSecret);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, ConfidentialRedemption(code), basic), 400,
                           "invalid_grant"));
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("code_verifier", kRfcVerifier);
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, form, basic)));
}

// TOKEN-10 [RFC 6749 §2.3]
TEST(Token, BasicAndClientSecretInBodyIsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const std::string code = ConfidentialCode(*client);
  Form::Pairs form = ConfidentialRedemption(code);
  form.emplace_back("client_id", kConfidentialClient);
  form.emplace_back("client_secret", kConfidentialSecret);
  auto res = PostTokenRaw(*client, form, BasicAuth(kConfidentialClient, kConfidentialSecret));
  EXPECT_TRUE(IsOAuthError(res, 400, "invalid_request"));
  // Also when the two secrets differ: the request is malformed before it is wrong.
  Form::Pairs wrong = Without(form, "client_secret");
  wrong.emplace_back("client_secret", "other");
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, wrong, BasicAuth(kConfidentialClient, kConfidentialSecret)), 400,
      "invalid_request"));
}

// --- Bad input: always a 4xx, and the server keeps answering ------------------------------------

void ExpectServerStillIssuesTokens(MockServer& server) {
  auto client = server.Client();
  EXPECT_TRUE(IsTokenSuccess(PublicClientTokens(*client)));
}

// A refusal the client can read: some 4xx (never a 500) with a JSON error body.
::testing::AssertionResult IsJsonClientError(const httplib::Result& res) {
  if (!res) return ::testing::AssertionFailure() << "no HTTP response: " << res.error();
  if (res->status < 400 || res->status > 499) {
    return ::testing::AssertionFailure() << "status " << res->status << ": " << res->body;
  }
  Json json = Json::parse(res->body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("error") ||
      !json["error"].is_string()) {
    return ::testing::AssertionFailure() << "no JSON error body: " << res->body;
  }
  return ::testing::AssertionSuccess();
}

// TOKEN-1, TOKEN-3: values far beyond anything real (100 KB) are refused as client errors. (The
// HTTP layer caps form bodies and header lines before the mock sees them, so the exact status is
// not the mock's choice; that it is a 4xx with a JSON body is.)
TEST(TokenBadInput, HugeParameterValuesAreClientErrors) {
  MockServer server;
  auto client = server.Client();
  const std::string huge(100 * 1024, 'a');
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  Form::Pairs long_id = Without(FixtureRefresh(), "client_id");
  long_id.emplace_back("client_id", "cli_" + huge);
  Form::Pairs long_type = FixtureRefresh();
  long_type[0].second = huge;
  std::vector<std::pair<std::string, httplib::Result>> cases;
  cases.emplace_back("code", PostTokenRaw(*client, PublicRedemption("cac_" + huge, pkce.verifier)));
  cases.emplace_back("code_verifier", PostTokenRaw(*client, PublicRedemption(code, huge)));
  cases.emplace_back("refresh_token", PostTokenRaw(*client, PublicRefresh("crt_" + huge)));
  cases.emplace_back("scope",
                     PostTokenRaw(*client, PublicRefresh(kFixtureRefreshToken, {{"scope", huge}})));
  cases.emplace_back("client_id", PostTokenRaw(*client, long_id));
  cases.emplace_back("grant_type", PostTokenRaw(*client, long_type));
  cases.emplace_back("Basic secret", PostTokenRaw(*client, ConfidentialRedemption(code),
                                                  BasicAuth(kConfidentialClient, huge)));
  for (const auto& [what, res] : cases) EXPECT_TRUE(IsJsonClientError(res)) << what;
  // The code and the fixture refresh token survived all of it.
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, PublicRedemption(code, pkce.verifier))));
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
  ExpectServerStillIssuesTokens(server);
}

// TOKEN-3: long values that do reach the mock get the ordinary OAuth answer.
TEST(TokenBadInput, LongParameterValuesGetOrdinaryOAuthErrors) {
  MockServer server;
  auto client = server.Client();
  const std::string long_value(6 * 1024, 'a');
  const Pkce pkce = Pkce::Make();
  const std::string code = PublicCode(*client, pkce);
  EXPECT_TRUE(
      IsOAuthError(PostTokenRaw(*client, PublicRedemption("cac_" + long_value, pkce.verifier)), 400,
                   "invalid_grant"));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRedemption(code, long_value)), 400,
                           "invalid_grant"));
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, PublicRefresh("crt_" + long_value)), 400,
                           "invalid_grant"));
  EXPECT_TRUE(IsOAuthError(
      PostTokenRaw(*client, PublicRefresh(kFixtureRefreshToken, {{"scope", long_value}})), 400,
      "invalid_scope"));
  Form::Pairs long_id = Without(FixtureRefresh(), "client_id");
  long_id.emplace_back("client_id", "cli_" + long_value);
  EXPECT_TRUE(IsOAuthError(PostTokenRaw(*client, long_id), 401, "invalid_client"));
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, PublicRedemption(code, pkce.verifier))));
}

// TOKEN-1
TEST(TokenBadInput, InvalidUtf8IsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const char* type = "application/x-www-form-urlencoded";
  const std::string rest = "&grant_type=refresh_token&client_id=" + std::string(kPublicClient);
  for (const std::string& body : {"refresh_token=%FF" + rest, "refresh_token=crt_%C3%28" + rest,
                                  "refresh_token=%ED%A0%80" + rest,
                                  "%FF=1&refresh_token=" + std::string(kFixtureRefreshToken) + rest,
                                  "refresh_token=\xFF" + rest}) {
    EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token", body, type), 400, "invalid_request"))
        << body;
  }
  EXPECT_TRUE(IsOAuthError(client->Post("/oauth/revoke", "token=%FF" + rest, type), 400,
                           "invalid_request"));
  ExpectServerStillIssuesTokens(server);
}

// TOKEN-1
TEST(TokenBadInput, MalformedPercentEncodingIsInvalidRequest) {
  MockServer server;
  auto client = server.Client();
  const char* type = "application/x-www-form-urlencoded";
  const std::string rest = "&grant_type=refresh_token&client_id=" + std::string(kPublicClient);
  for (const std::string& body :
       {"refresh_token=%G1" + rest, "refresh_token=%4" + rest, "refresh_token=%" + rest,
        rest.substr(1) + "&refresh_token=crt_%", "re%zzfresh_token=x" + rest}) {
    EXPECT_TRUE(IsOAuthError(client->Post("/oauth/token", body, type), 400, "invalid_request"))
        << body;
  }
  // The fixture token was not consumed on the way.
  EXPECT_TRUE(IsTokenSuccess(PostToken(*client, FixtureRefresh())));
  ExpectServerStillIssuesTokens(server);
}

// TOKEN-1: bodies over 1 MiB are refused with 413 and a JSON body.
TEST(TokenBadInput, BodyOverOneMebibyteIs413WithJsonBody) {
  MockServer server;
  auto client = server.Client();
  const std::string body =
      Form::Encode(FixtureRefresh()) + "&padding=" + std::string((1 << 20) + 1, 'a');
  auto res = client->Post("/oauth/token", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(res) << res.error();
  EXPECT_EQ(res->status, 413);
  EXPECT_TRUE(StartsWith(res->get_header_value("Content-Type"), "application/json"))
      << res->get_header_value("Content-Type");
  const Json json = ParseJson(res->body);
  EXPECT_TRUE(json.is_object() && json.contains("error")) << res->body;
  // Nothing was processed: the fixture refresh token is unused, and the server still answers.
  EXPECT_TRUE(IsTokenSuccess(PostToken(*server.Client(), FixtureRefresh())));
  ExpectServerStillIssuesTokens(server);
}

}  // namespace
}  // namespace chronapilot::testing
