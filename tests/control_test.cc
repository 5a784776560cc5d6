// The mock's control API (SPEC §7: reset, the virtual clock, the request journal, the health
// check) and the conventions every answer follows (SPEC §0: one base URL, Request-Id, JSON error
// bodies, no secrets in logs), all through real HTTP on loopback.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mock/crypto.h"
#include "mock/text.h"
#include "mock/time_format.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

constexpr char kJsonType[] = "application/json; charset=utf-8";

httplib::Result PostJson(httplib::Client& client, const std::string& path,
                         const std::string& body) {
  return client.Post(path.c_str(), body, "application/json");
}

// Checks an ERR-1 body: {"error": {"type": "invalid_request_error", "code", "message", "param"}}.
// `code` and `param` are checked when non-empty.
void ExpectApiError(const httplib::Result& res, int status, const std::string& code = "",
                    const std::string& param = "") {
  ASSERT_TRUE(res) << "no answer: " << httplib::to_string(res.error());
  EXPECT_EQ(res->status, status) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), kJsonType);
  Json body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object() && body.contains("error") && body["error"].is_object()) << res->body;
  const Json& error = body["error"];
  EXPECT_EQ(error.value("type", ""), "invalid_request_error") << res->body;
  ASSERT_TRUE(error.contains("code") && error["code"].is_string()) << res->body;
  EXPECT_FALSE(error["code"].get<std::string>().empty()) << res->body;
  if (!code.empty()) {
    EXPECT_EQ(error["code"], code) << res->body;
  }
  ASSERT_TRUE(error.contains("message") && error["message"].is_string()) << res->body;
  EXPECT_FALSE(error["message"].get<std::string>().empty()) << res->body;
  if (!param.empty()) {
    EXPECT_EQ(error.value("param", ""), param) << res->body;
  }
}

Json GetJson(httplib::Client& client, const std::string& path) {
  auto res = client.Get(path.c_str());
  EXPECT_TRUE(res);
  if (!res) return Json();
  EXPECT_EQ(res->status, 200) << path << ": " << res->body;
  return ParseJson(res->body);
}

// The whole raw answer to `request`, written as is to 127.0.0.1:`port` (the request should say
// "Connection: close"); "" when the connection failed.
std::string RawExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  bool sent = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  for (size_t off = 0; sent && off < request.size();) {
    const ssize_t n = send(fd, request.data() + off, request.size() - off, MSG_NOSIGNAL);
    sent = n > 0;
    off += sent ? size_t(n) : 0;
  }
  if (sent) {
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, size_t(n));
  }
  close(fd);
  return answer;
}

// The refresh grant with the fixture refresh token (FIX-4), as the public client. 200 rotates it.
int RefreshWithFixtureToken(httplib::Client& client) {
  return PostToken(client, {{"grant_type", "refresh_token"},
                            {"refresh_token", kFixtureRefreshToken},
                            {"client_id", kPublicClient}})
      .status;
}

// A code from a consented authorize request of the public client, with its PKCE pair.
struct IssuedCode {
  std::string code;
  Pkce pkce;
};
IssuedCode IssueCode(httplib::Client& client, const std::string& login = "alice@example.com") {
  IssuedCode out;
  out.pkce = Pkce::Make();
  out.code = QueryParam(AuthorizeAndApprove(client, AuthorizeParams(out.pkce), login), "code");
  EXPECT_FALSE(out.code.empty());
  return out;
}
TokenResult Redeem(httplib::Client& client, const IssuedCode& issued) {
  return PostToken(client, {{"grant_type", "authorization_code"},
                            {"code", issued.code},
                            {"redirect_uri", kRedirect},
                            {"code_verifier", issued.pkce.verifier},
                            {"client_id", kPublicClient}});
}

bool AccountExists(MockServer& server, const std::string& id) {
  return server.mock().WithWorld([&](World& w) { return w.store.FindAccount(id).has_value(); });
}

// A private directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/control_test-XXXXXX";
    if (mkdtemp(pattern.data())) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

// A world with one platform and one public client, and none of the default fixtures.
constexpr char kInitechFixtures[] = R"(platforms:
  - id: initech
    name: Initech Rostering
    secret_keys: [sk_test_initech00000000000000000]
    clients:
      - id: cli_initech000000000000001
        type: public
        redirect_uris: [https://initech.example/cb]
users:
  - email: peter@initech.example
)";

// Line 4 holds a key the loader does not know.
constexpr char kBrokenFixtures[] = R"(platforms:
  - id: initech
    name: Initech Rostering
    colour: beige
    secret_keys: [sk_test_initech00000000000000000]
)";

int AuthorizeStatus(httplib::Client& client, const std::string& client_id,
                    const std::string& redirect_uri) {
  Pkce pkce = Pkce::Make();
  auto res = client.Get(
      ("/oauth/authorize?" + Form::Encode(AuthorizeParams(
                                 pkce, {{"client_id", client_id}, {"redirect_uri", redirect_uri}})))
          .c_str());
  return res ? res->status : 0;
}

// ---------------------------------------------------------------------------------------------
// CTRL-7

// CTRL-7
TEST(Control, HealthzAnswersOkAsJson) {
  MockServer server;
  auto client = server.Client();
  auto res = client->Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), kJsonType);
  EXPECT_EQ(ParseJson(res->body), Json({{"status", "ok"}}));
}

// ---------------------------------------------------------------------------------------------
// CTRL-2, CONV-3

// CTRL-2
TEST(Control, ClockStartsAtRealTimeWithNoOffset) {
  MockServer server;
  auto client = server.Client();
  const int64_t before = std::time(nullptr);
  Json clock = GetJson(*client, "/_mock/clock");
  const int64_t after = std::time(nullptr);
  ASSERT_TRUE(clock["now"].is_number_integer()) << clock.dump();
  EXPECT_GE(clock["now"].get<int64_t>(), before);
  EXPECT_LE(clock["now"].get<int64_t>(), after);
  EXPECT_EQ(clock["offset_seconds"], 0);
  EXPECT_EQ(clock["now_rfc3339"], FormatRfc3339(clock["now"].get<int64_t>()));
  EXPECT_TRUE(std::regex_match(clock["now_rfc3339"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")))
      << clock.dump();
}

// CTRL-2
TEST(Control, AdvanceMovesTheClockForward) {
  MockServer server;
  auto client = server.Client();
  const int64_t start = GetJson(*client, "/_mock/clock")["now"].get<int64_t>();

  auto res = PostJson(*client, "/_mock/clock/advance", R"({"seconds": 3600})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), kJsonType);
  Json advanced = ParseJson(res->body);
  EXPECT_EQ(advanced["offset_seconds"], 3600);
  EXPECT_GE(advanced["now"].get<int64_t>(), start + 3600);
  EXPECT_LE(advanced["now"].get<int64_t>(), start + 3600 + 5);

  // Offsets add up, and GET sees what POST did.
  ASSERT_EQ(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 0})")->status, 200);
  ASSERT_EQ(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 86400})")->status, 200);
  Json clock = GetJson(*client, "/_mock/clock");
  EXPECT_EQ(clock["offset_seconds"], 3600 + 86400);
  EXPECT_GE(clock["now"].get<int64_t>(), start + 3600 + 86400);
  EXPECT_EQ(clock["now_rfc3339"], FormatRfc3339(clock["now"].get<int64_t>()));
  // The mock's services read the same clock.
  EXPECT_EQ(server.mock().clock().OffsetMicros(), int64_t(3600 + 86400) * 1000000);
}

// CTRL-2 CONV-3 ERR-1: the clock never goes back, and every bad request says which field.
TEST(Control, AdvanceRefusesAnythingButWholeNonNegativeSeconds) {
  MockServer server;
  auto client = server.Client();
  const int64_t hundred_and_one_years = int64_t(101) * 366 * 86400;
  const std::vector<std::string> bodies = {
      R"({"seconds": -1})",
      R"({"seconds": -3600})",
      R"({"seconds": 1.5})",
      R"({"seconds": 1e3})",
      R"({"seconds": "60"})",
      R"({"seconds": null})",
      R"({"seconds": true})",
      R"({"seconds": [60]})",
      R"({})",
      "{\"seconds\": " + std::to_string(hundred_and_one_years) + "}",
      R"({"seconds": 9223372036854775807})",
      R"({"seconds": 18446744073709551615})",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    ExpectApiError(PostJson(*client, "/_mock/clock/advance", body), 400, "parameter_invalid",
                   "seconds");
  }
  // An extra field is named itself, as Stripe does for unknown parameters.
  ExpectApiError(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 60, "minutes": 1})"), 400,
                 "parameter_unknown", "minutes");
  EXPECT_EQ(GetJson(*client, "/_mock/clock")["offset_seconds"], 0);
}

// CTRL-2
TEST(Control, AdvanceAcceptsOneHundredYears) {
  MockServer server;
  auto client = server.Client();
  const int64_t hundred_years = int64_t(100) * 365 * 86400;
  auto res = PostJson(*client, "/_mock/clock/advance",
                      "{\"seconds\": " + std::to_string(hundred_years) + "}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body)["offset_seconds"], hundred_years);
}

// CTRL-2 RES-7: the body must be a JSON object sent as JSON.
TEST(Control, AdvanceRefusesWrongContentTypeAndMalformedJson) {
  MockServer server;
  auto client = server.Client();
  ExpectApiError(client->Post("/_mock/clock/advance", R"({"seconds": 60})", "text/plain"), 415,
                 "unsupported_media_type");
  ExpectApiError(
      client->Post("/_mock/clock/advance", "seconds=60", "application/x-www-form-urlencoded"), 415,
      "unsupported_media_type");
  ExpectApiError(client->Post("/_mock/clock/advance"), 415, "unsupported_media_type");
  ExpectApiError(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 60)"), 400,
                 "invalid_json");
  ExpectApiError(PostJson(*client, "/_mock/clock/advance", "60"), 400, "invalid_json");
  ExpectApiError(PostJson(*client, "/_mock/clock/advance", ""), 400, "invalid_json");
  // The media type is compared without parameters and case.
  auto res =
      client->Post("/_mock/clock/advance", R"({"seconds": 1})", "Application/JSON; charset=utf-8");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(GetJson(*client, "/_mock/clock")["offset_seconds"], 1);
}

// CTRL-2 AUTHZ-6 CONV-3: a code is valid 60 s of the mock's clock, and advancing it is enough.
TEST(Control, AdvancingSixtyOneSecondsExpiresAnAuthorizationCode) {
  MockServer server;
  auto client = server.Client();
  IssuedCode issued = IssueCode(*client);
  ASSERT_EQ(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 61})")->status, 200);
  TokenResult tokens = Redeem(*client, issued);
  EXPECT_EQ(tokens.status, 400) << tokens.body.dump();
  EXPECT_EQ(tokens.body["error"], "invalid_grant") << tokens.body.dump();
}

// CTRL-2 AUTHZ-6: the control for the test above — 59 s is still inside the lifetime.
TEST(Control, AdvancingFiftyNineSecondsKeepsAnAuthorizationCodeValid) {
  MockServer server;
  auto client = server.Client();
  IssuedCode issued = IssueCode(*client);
  ASSERT_EQ(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 59})")->status, 200);
  TokenResult tokens = Redeem(*client, issued);
  EXPECT_EQ(tokens.status, 200) << tokens.body.dump();
}

// ---------------------------------------------------------------------------------------------
// CTRL-1

// CTRL-1: accounts made by consent and rotated refresh tokens are gone after a reset.
TEST(Control, ResetRestoresTheFixtureWorld) {
  MockServer server;
  auto client = server.Client();
  TokenResult bob = PublicClientTokens(*client, "bob@example.com");
  ASSERT_EQ(bob.status, 200) << bob.body.dump();
  const std::string bob_account = bob.body["connected_account_id"];
  ASSERT_TRUE(AccountExists(server, bob_account));
  ASSERT_EQ(RefreshWithFixtureToken(*client), 200);  // rotates the fixture token out
  ASSERT_EQ(RefreshWithFixtureToken(*client), 400);  // ... so it no longer works
  const size_t fixture_accounts = 2;                 // alice on Acme, carol on Globex
  ASSERT_EQ(server.mock().WithWorld([](World& w) { return w.store.AccountCount(); }),
            fixture_accounts + 1);

  auto res = PostJson(*client, "/_mock/reset", "{}");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), kJsonType);

  EXPECT_EQ(RefreshWithFixtureToken(*client), 200);
  EXPECT_FALSE(AccountExists(server, bob_account));
  EXPECT_TRUE(AccountExists(server, kAliceAccount));
  EXPECT_EQ(server.mock().WithWorld([](World& w) { return w.store.AccountCount(); }),
            fixture_accounts);
  // Tokens of the old world are unknown to the new one.
  EXPECT_FALSE(server.mock().WithWorld([&](World& w) {
    return w.auth.CheckAccessToken(bob.body["access_token"].get<std::string>()).ok();
  }));
  EXPECT_TRUE(server.mock().WithWorld(
      [](World& w) { return w.auth.CheckAccessToken(kFixtureAccessToken).ok(); }));
}

// CTRL-1 CONV-3: reset is about the world, not about time.
TEST(Control, ResetKeepsTheClock) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 7200})")->status, 200);
  ASSERT_EQ(PostJson(*client, "/_mock/reset", "{}")->status, 200);
  EXPECT_EQ(GetJson(*client, "/_mock/clock")["offset_seconds"], 7200);
}

// CTRL-1: `curl -X POST` sends neither Content-Length nor Content-Type; that is an empty body
// (RFC 9112 §6.3), not an error.
TEST(Control, ResetWithoutABodyWorks) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(RefreshWithFixtureToken(*client), 200);
  ASSERT_EQ(RefreshWithFixtureToken(*client), 400);

  // 1. A raw request without Content-Length, exactly what curl -X POST sends.
  const std::string answer = RawExchange(server.port(),
                                         "POST /_mock/reset HTTP/1.1\r\n"
                                         "Host: 127.0.0.1\r\n"
                                         "User-Agent: curl/8.5.0\r\n"
                                         "Accept: */*\r\n"
                                         "Connection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("application/json; charset=utf-8"), std::string::npos) << answer;
  EXPECT_EQ(RefreshWithFixtureToken(*client), 200);
  EXPECT_EQ(RefreshWithFixtureToken(*client), 400);

  // 2. An explicit Content-Length: 0 and no Content-Type.
  const std::string answer0 = RawExchange(server.port(),
                                          "POST /_mock/reset HTTP/1.1\r\n"
                                          "Host: 127.0.0.1\r\n"
                                          "Content-Length: 0\r\n"
                                          "Connection: close\r\n\r\n");
  EXPECT_EQ(answer0.rfind("HTTP/1.1 200 ", 0), 0u) << answer0;
  EXPECT_EQ(RefreshWithFixtureToken(*client), 200);
  EXPECT_EQ(RefreshWithFixtureToken(*client), 400);

  // 3. httplib's POST without a body.
  auto res = client->Post("/_mock/reset");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(RefreshWithFixtureToken(*client), 200);
}

// CTRL-1: a fixture file switches worlds; a later reset without one goes back to the start-up set.
TEST(Control, ResetWithFixturesFileSwitchesWorlds) {
  TempDir dir;
  const std::string file = dir.Write("initech.yaml", kInitechFixtures);
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AuthorizeStatus(*client, kPublicClient, kRedirect), 200);

  auto res = PostJson(*client, "/_mock/reset", Json({{"fixtures", file}}).dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;

  // The new world's client gets a consent page naming its platform; Acme's client is unknown.
  Pkce pkce = Pkce::Make();
  auto page = client->Get(
      ("/oauth/authorize?" +
       Form::Encode(AuthorizeParams(pkce, {{"client_id", "cli_initech000000000000001"},
                                           {"redirect_uri", "https://initech.example/cb"}})))
          .c_str());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->body.find("Initech Rostering"), std::string::npos);
  EXPECT_EQ(AuthorizeStatus(*client, kPublicClient, kRedirect), 400);
  EXPECT_EQ(RefreshWithFixtureToken(*client), 401);  // the client itself is unknown now
  EXPECT_FALSE(AccountExists(server, kAliceAccount));
  EXPECT_FALSE(server.mock().WithWorld(
      [](World& w) { return w.auth.CheckAccessToken(kFixtureAccessToken).ok(); }));

  ASSERT_EQ(client->Post("/_mock/reset")->status, 200);
  EXPECT_EQ(AuthorizeStatus(*client, kPublicClient, kRedirect), 200);
  EXPECT_EQ(AuthorizeStatus(*client, "cli_initech000000000000001", "https://initech.example/cb"),
            400);
  EXPECT_TRUE(AccountExists(server, kAliceAccount));
}

// CTRL-1 CLI-3: a fixture file that does not load is reported with file and line, and the world
// the tests were using stays exactly as it was.
TEST(Control, ResetWithBrokenFixturesChangesNothing) {
  TempDir dir;
  const std::string broken = dir.Write("broken.yaml", kBrokenFixtures);
  MockServer server;
  auto client = server.Client();
  TokenResult bob = PublicClientTokens(*client, "bob@example.com");
  ASSERT_EQ(bob.status, 200) << bob.body.dump();
  const std::string bob_account = bob.body["connected_account_id"];
  ASSERT_EQ(RefreshWithFixtureToken(*client), 200);

  auto res = PostJson(*client, "/_mock/reset", Json({{"fixtures", broken}}).dump());
  ExpectApiError(res, 400, "invalid_fixtures", "fixtures");
  const std::string message = ParseJson(res->body)["error"]["message"];
  EXPECT_NE(message.find(broken + ":4:"), std::string::npos) << message;
  EXPECT_NE(message.find("platforms[0].colour"), std::string::npos) << message;

  const std::string missing = dir.path() + "/does-not-exist.yaml";
  auto res_missing = PostJson(*client, "/_mock/reset", Json({{"fixtures", missing}}).dump());
  ExpectApiError(res_missing, 400, "invalid_fixtures", "fixtures");
  EXPECT_NE(ParseJson(res_missing->body)["error"]["message"].get<std::string>().find(missing),
            std::string::npos);

  // Not reset: bob's account and tokens live on, the fixture refresh token is still rotated out.
  EXPECT_TRUE(AccountExists(server, bob_account));
  EXPECT_TRUE(server.mock().WithWorld([&](World& w) {
    return w.auth.CheckAccessToken(bob.body["access_token"].get<std::string>()).ok();
  }));
  EXPECT_EQ(RefreshWithFixtureToken(*client), 400);
}

// CTRL-1 ERR-1
TEST(Control, ResetRefusesBadBodies) {
  MockServer server;
  auto client = server.Client();
  ExpectApiError(PostJson(*client, "/_mock/reset", R"({"fixtures": 5})"), 400, "parameter_invalid",
                 "fixtures");
  ExpectApiError(PostJson(*client, "/_mock/reset", R"({"fixtures": ""})"), 400, "parameter_invalid",
                 "fixtures");
  ExpectApiError(PostJson(*client, "/_mock/reset", R"({"fixture": "a.yaml"})"), 400,
                 "parameter_unknown", "fixture");
  ExpectApiError(PostJson(*client, "/_mock/reset", "[]"), 400, "invalid_json");
  ExpectApiError(PostJson(*client, "/_mock/reset", "{"), 400, "invalid_json");
  ExpectApiError(
      client->Post("/_mock/reset", "fixtures=a.yaml", "application/x-www-form-urlencoded"), 415,
      "unsupported_media_type");
}

// CTRL-1: a reset swaps the world while requests run; none of them may fail or see half a world.
TEST(Control, ConcurrentRequestsDuringResetNeverFail) {
  MockServer server;
  std::atomic<bool> done{false};
  std::atomic<int> server_errors{0}, transport_errors{0}, requests{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      auto client = server.Client();
      for (int i = 0; !done || i < 20; ++i) {
        auto send = [&]() -> httplib::Result {
          switch ((t + i) % 4) {
            case 0:
              return PostForm(*client, "/oauth/token",
                              {{"grant_type", "refresh_token"},
                               {"refresh_token", kFixtureRefreshToken},
                               {"client_id", kPublicClient}});
            case 1:
              return client->Get(
                  ("/oauth/authorize?" + Form::Encode(AuthorizeParams(Pkce::Make()))).c_str());
            case 2:
              return client->Get("/.well-known/oauth-authorization-server");
            default:
              return PostForm(*client, "/oauth/revoke",
                              {{"token", kFixtureAccessToken}, {"client_id", kPublicClient}});
          }
        };
        httplib::Result res = send();
        ++requests;
        if (!res) {
          ++transport_errors;
        } else if (res->status >= 500) {
          ++server_errors;
        }
      }
    });
  }
  auto client = server.Client();
  int resets_ok = 0;
  for (int i = 0; i < 60; ++i) {
    auto res = client->Post("/_mock/reset");
    resets_ok += res && res->status == 200;
  }
  done = true;
  for (auto& w : workers) w.join();
  EXPECT_EQ(resets_ok, 60);
  EXPECT_EQ(server_errors, 0);
  EXPECT_EQ(transport_errors, 0);
  EXPECT_GE(requests, 80);
  // The world after the storm is a whole fixture world.
  EXPECT_EQ(client->Post("/_mock/reset")->status, 200);
  EXPECT_EQ(RefreshWithFixtureToken(*client), 200);
}

// ---------------------------------------------------------------------------------------------
// CTRL-3

// The journal entries matching `query` (e.g. "?path_prefix=/oauth/").
Json Journal(httplib::Client& client, const std::string& query = "") {
  Json list = GetJson(client, "/_mock/requests" + query);
  EXPECT_EQ(list["object"], "list") << list.dump();
  EXPECT_TRUE(list["data"].is_array()) << list.dump();
  return list["data"];
}

std::string HeaderOf(const Json& entry, const std::string& name) {
  for (const Json& h : entry["headers"]) {
    std::string n = h[0];
    if (n.size() == name.size() && strcasecmp(n.c_str(), name.c_str()) == 0) return h[1];
  }
  return "";
}

// CTRL-3: the journal is the evidence of what the client sent, secrets included.
TEST(Control, JournalRecordsClientTrafficInFull) {
  MockServer server;
  auto client = server.Client();
  server.Advance(1000);
  const int64_t virtual_now = server.mock().clock().NowSeconds();

  // An authorize request: method, path and the raw query.
  Pkce pkce = Pkce::Make();
  const std::string query = Form::Encode(AuthorizeParams(pkce));
  auto page = client->Get(("/oauth/authorize?" + query).c_str());
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);

  // A token request with Basic credentials and a form body.
  const httplib::Headers basic = BasicAuth(kConfidentialClient, kConfidentialSecret);
  const Form::Pairs form = {{"grant_type", "authorization_code"},
                            {"code", "cac_doesNotExist"},
                            {"redirect_uri", kRedirect}};
  auto token = PostForm(*client, "/oauth/token", form, basic);
  ASSERT_TRUE(token);
  ASSERT_EQ(token->status, 400);

  // And a path nobody serves.
  auto missing = client->Get("/nope?x=1");
  ASSERT_TRUE(missing);
  ASSERT_EQ(missing->status, 404);

  Json entries = Journal(*client);
  ASSERT_EQ(entries.size(), 3u) << entries.dump(2);

  const Json& authorize = entries[0];
  EXPECT_EQ(authorize["method"], "GET");
  EXPECT_EQ(authorize["path"], "/oauth/authorize");
  EXPECT_EQ(authorize["query"], query);
  EXPECT_EQ(authorize["status"], 200);
  EXPECT_EQ(authorize["body"], "");
  EXPECT_EQ(authorize["request_id"], page->get_header_value("Request-Id"));
  EXPECT_GE(authorize["time"].get<int64_t>(), virtual_now);  // the virtual clock's time
  EXPECT_LE(authorize["time"].get<int64_t>(), virtual_now + 5);
  // time_ms: the virtual clock in milliseconds when the request arrived (Retry-After gaps).
  EXPECT_GE(authorize["time_ms"].get<int64_t>(), virtual_now * 1000);
  EXPECT_LE(authorize["time_ms"].get<int64_t>(), authorize["time"].get<int64_t>() * 1000 + 999);

  const Json& exchange = entries[1];
  EXPECT_EQ(exchange["method"], "POST");
  EXPECT_EQ(exchange["path"], "/oauth/token");
  EXPECT_EQ(exchange["query"], "");
  EXPECT_EQ(exchange["status"], 400);
  EXPECT_EQ(exchange["body"], Form::Encode(form));
  EXPECT_EQ(HeaderOf(exchange, "Authorization"), basic.find("Authorization")->second);
  EXPECT_EQ(HeaderOf(exchange, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(exchange["request_id"], token->get_header_value("Request-Id"));
  EXPECT_LT(authorize["seq"].get<uint64_t>(), exchange["seq"].get<uint64_t>());

  const Json& nope = entries[2];
  EXPECT_EQ(nope["method"], "GET");
  EXPECT_EQ(nope["path"], "/nope");
  EXPECT_EQ(nope["query"], "x=1");
  EXPECT_EQ(nope["status"], 404);
}

// CTRL-3: the control plane is not client traffic.
TEST(Control, JournalSkipsControlApiAndHealthz) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(client->Get("/healthz")->status, 200);
  ASSERT_EQ(client->Get("/_mock/clock")->status, 200);
  ASSERT_EQ(PostJson(*client, "/_mock/clock/advance", R"({"seconds": 1})")->status, 200);
  ASSERT_EQ(client->Post("/_mock/reset")->status, 200);
  ASSERT_EQ(client->Get("/_mock/nothing-here")->status, 404);
  ASSERT_EQ(client->Get("/_mock/requests")->status, 200);
  EXPECT_TRUE(Journal(*client).empty()) << Journal(*client).dump(2);

  ASSERT_EQ(client->Get("/.well-known/oauth-authorization-server")->status, 200);
  Json entries = Journal(*client);
  ASSERT_EQ(entries.size(), 1u) << entries.dump(2);
  EXPECT_EQ(entries[0]["path"], "/.well-known/oauth-authorization-server");
}

// CTRL-3
TEST(Control, JournalFiltersByMethodPathPrefixAfterAndLimit) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(client->Get("/.well-known/oauth-authorization-server")->status, 200);
  ASSERT_EQ(
      PostForm(*client, "/oauth/token", {{"grant_type", "password"}, {"client_id", kPublicClient}})
          ->status,
      400);
  ASSERT_EQ(PostForm(*client, "/oauth/revoke", {{"token", "crt_x"}, {"client_id", kPublicClient}})
                ->status,
            200);
  ASSERT_EQ(client->Get("/nope")->status, 404);

  auto paths = [](const Json& entries) {
    std::vector<std::string> out;
    for (const Json& e : entries) out.push_back(e["path"]);
    return out;
  };
  using Paths = std::vector<std::string>;
  Json all = Journal(*client);
  EXPECT_EQ(paths(all), (Paths{"/.well-known/oauth-authorization-server", "/oauth/token",
                               "/oauth/revoke", "/nope"}));
  EXPECT_EQ(paths(Journal(*client, "?method=POST")), (Paths{"/oauth/token", "/oauth/revoke"}));
  EXPECT_EQ(paths(Journal(*client, "?method=GET")),
            (Paths{"/.well-known/oauth-authorization-server", "/nope"}));
  EXPECT_EQ(paths(Journal(*client, "?path=/oauth/token")), (Paths{"/oauth/token"}));
  EXPECT_EQ(paths(Journal(*client, "?path=/oauth")), Paths{});  // exact, not a prefix
  EXPECT_EQ(paths(Journal(*client, "?path_prefix=/oauth/")),
            (Paths{"/oauth/token", "/oauth/revoke"}));
  const uint64_t second = all[1]["seq"];
  EXPECT_EQ(paths(Journal(*client, "?after=" + std::to_string(second))),
            (Paths{"/oauth/revoke", "/nope"}));
  EXPECT_EQ(paths(Journal(*client, "?limit=2")), (Paths{"/oauth/revoke", "/nope"}));  // newest
  EXPECT_EQ(paths(Journal(*client, "?method=POST&path_prefix=/oauth/&limit=1")),
            (Paths{"/oauth/revoke"}));
  EXPECT_EQ(paths(Journal(*client, "?method=POST&after=" + std::to_string(second))),
            (Paths{"/oauth/revoke"}));
}

// CTRL-3 ERR-1
TEST(Control, JournalRefusesUnknownOrMalformedFilters) {
  MockServer server;
  auto client = server.Client();
  ExpectApiError(client->Get("/_mock/requests?status=200"), 400, "parameter_unknown", "status");
  ExpectApiError(client->Get("/_mock/requests?after=abc"), 400, "parameter_invalid", "after");
  ExpectApiError(client->Get("/_mock/requests?limit=-1"), 400, "parameter_invalid", "limit");
  ExpectApiError(client->Get("/_mock/requests?limit=1.5"), 400, "parameter_invalid", "limit");
}

// CTRL-3: DELETE empties the journal; sequence numbers keep growing, so `after` stays valid.
TEST(Control, JournalDeleteClearsIt) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(client->Get("/nope")->status, 404);
  ASSERT_EQ(client->Get("/nope")->status, 404);
  Json before = Journal(*client);
  ASSERT_EQ(before.size(), 2u);
  const uint64_t last_seq = before[1]["seq"];

  auto res = client->Delete("/_mock/requests");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body)["deleted"], 2);
  EXPECT_TRUE(Journal(*client).empty());

  ASSERT_EQ(client->Get("/after-clear")->status, 404);
  Json after = Journal(*client);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["path"], "/after-clear");
  EXPECT_GT(after[0]["seq"].get<uint64_t>(), last_seq);
}

// ---------------------------------------------------------------------------------------------
// CONV-1, CONV-4, ERR-1

// CONV-1: OAuth, discovery, the control API and the health check share one origin.
TEST(Conventions, EverythingIsServedOnOneBaseUrl) {
  MockServer server;
  auto client = server.Client();
  auto authorize =
      client->Get(("/oauth/authorize?" + Form::Encode(AuthorizeParams(Pkce::Make()))).c_str());
  ASSERT_TRUE(authorize);
  EXPECT_EQ(authorize->status, 200);
  auto metadata = client->Get("/.well-known/oauth-authorization-server");
  ASSERT_TRUE(metadata);
  EXPECT_EQ(metadata->status, 200);
  EXPECT_EQ(ParseJson(metadata->body)["issuer"], server.url());
  EXPECT_EQ(ParseJson(metadata->body)["token_endpoint"], server.url() + "/oauth/token");
  EXPECT_EQ(client->Get("/_mock/clock")->status, 200);
  EXPECT_EQ(client->Get("/healthz")->status, 200);
}

// CONV-4: every answer — JSON, HTML, redirect, error — carries its own req_ id.
TEST(Conventions, EveryResponseHasAUniqueRequestId) {
  MockServer server;
  auto client = server.Client();
  std::vector<httplib::Result> results;
  results.push_back(client->Get("/healthz"));
  results.push_back(client->Get("/healthz"));
  results.push_back(client->Get("/_mock/clock"));
  results.push_back(client->Get("/nope"));
  results.push_back(client->Delete("/_mock/clock"));
  results.push_back(client->Get("/.well-known/oauth-authorization-server"));
  results.push_back(
      client->Get(("/oauth/authorize?" + Form::Encode(AuthorizeParams(Pkce::Make()))).c_str()));
  results.push_back(
      client->Get(("/oauth/authorize?" +
                   Form::Encode(AuthorizeParams(Pkce::Make(), {{"response_type", "token"}})))
                      .c_str()));  // an error redirect
  results.push_back(PostForm(*client, "/oauth/token",
                             {{"grant_type", "password"}, {"client_id", kPublicClient}}));
  results.push_back(PostJson(*client, "/_mock/clock/advance", R"({"seconds": -1})"));
  results.push_back(client->Post("/_mock/reset"));

  std::set<std::string> ids;
  const std::regex shape("req_[0-9A-Za-z]{16,}");
  for (const auto& res : results) {
    ASSERT_TRUE(res);
    const std::string id = res->get_header_value("Request-Id");
    EXPECT_TRUE(std::regex_match(id, shape)) << "status " << res->status << ": \"" << id << "\"";
    EXPECT_EQ(res->get_header_value_count("Request-Id"), 1u);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), results.size());
  EXPECT_EQ(results[7]->status, 302);
}

// CONV-4: JSON answers say so, with the charset.
TEST(Conventions, JsonResponsesAreUtf8Json) {
  MockServer server;
  auto client = server.Client();
  std::vector<httplib::Result> results;
  results.push_back(client->Get("/healthz"));
  results.push_back(client->Get("/_mock/clock"));
  results.push_back(client->Get("/_mock/requests"));
  results.push_back(client->Get("/.well-known/oauth-authorization-server"));
  results.push_back(PostForm(*client, "/oauth/token",
                             {{"grant_type", "password"}, {"client_id", kPublicClient}}));
  results.push_back(client->Get("/nope"));
  for (const auto& res : results) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->get_header_value("Content-Type"), kJsonType) << res->body;
    EXPECT_FALSE(ParseJson(res->body).is_discarded());
  }
}

// ERR-1: an unknown path is a JSON 404, even for a browser that asks for HTML.
TEST(Conventions, UnknownPathsAnswerJson404) {
  MockServer server;
  auto client = server.Client();
  for (const char* path : {"/nope", "/v1/no_such_resource", "/_mock/nope", "/healthz/x", "/"}) {
    SCOPED_TRACE(path);
    ExpectApiError(client->Get(path, {{"Accept", "text/html"}}), 404, "resource_missing");
    ExpectApiError(client->Post(path, "{}", "application/json"), 404, "resource_missing");
  }
  auto res = client->Get("/nope", {{"Accept", "text/html"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.find('<'), std::string::npos) << res->body;
}

// ERR-1: a known path with the wrong method is 405 and says what is allowed.
TEST(Conventions, WrongMethodsAnswer405WithAllow) {
  MockServer server;
  auto client = server.Client();
  struct Case {
    std::string method, path, allow;
  };
  for (const Case& c : std::vector<Case>{{"DELETE", "/_mock/clock", "GET, HEAD"},
                                         {"POST", "/healthz", "GET, HEAD"},
                                         {"GET", "/_mock/reset", "POST"},
                                         {"GET", "/_mock/clock/advance", "POST"},
                                         {"PUT", "/_mock/requests", "GET, HEAD, DELETE"}}) {
    SCOPED_TRACE(c.method + " " + c.path);
    httplib::Request req;
    req.method = c.method;
    req.path = c.path;
    auto res = client->send(req);
    ExpectApiError(res, 405, "method_not_allowed");
    EXPECT_EQ(res->get_header_value("Allow"), c.allow);
  }
}

// RES-7 ERR-1: a body over 1 MiB is refused before it is parsed, with a JSON answer; exactly
// 1 MiB is fine.
TEST(Conventions, BodiesOverOneMebibyteAnswer413) {
  MockServer server;
  auto client = server.Client();
  std::string too_big = "{}" + std::string((1 << 20) - 1, ' ');
  ASSERT_EQ(too_big.size(), size_t(1 << 20) + 1);
  auto res = PostJson(*client, "/_mock/reset", too_big);
  ExpectApiError(res, 413, "payload_too_large");
  EXPECT_TRUE(std::regex_match(res->get_header_value("Request-Id"), std::regex("req_[0-9A-Za-z]+")))
      << "CONV-4: a 413 needs a Request-Id too";

  // A chunked body has no Content-Length to refuse up front; the limit holds all the same.
  const std::string fixtures_path = "/tmp/" + std::string(3 << 20, 'x') + ".yaml";
  const std::string body = Json({{"fixtures", fixtures_path}}).dump();
  std::string chunked;
  for (size_t off = 0; off < body.size(); off += 65536) {
    const std::string piece = body.substr(off, 65536);
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunked += size + piece + "\r\n";
  }
  const std::string answer = RawExchange(server.port(),
                                         "POST /_mock/reset HTTP/1.1\r\n"
                                         "Host: 127.0.0.1\r\n"
                                         "Content-Type: application/json\r\n"
                                         "Transfer-Encoding: chunked\r\n"
                                         "Connection: close\r\n\r\n" +
                                             chunked + "0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 ", 0), 0u) << answer.substr(0, 300);
  EXPECT_NE(answer.find("\"payload_too_large\""), std::string::npos) << answer.substr(0, 300);

  std::string just_fits = "{}" + std::string((1 << 20) - 2, ' ');
  ASSERT_EQ(just_fits.size(), size_t(1 << 20));
  auto ok = PostJson(*client, "/_mock/reset", just_fits);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

// ---------------------------------------------------------------------------------------------
// CONV-5

std::string ReadAll(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, file)) > 0;) out.append(buf, n);
  return out;
}

// CONV-5: the request log names each request (method, path, status, request id) but never any
// secret the client sent or the mock issued, wherever it travelled (header, body, query).
TEST(Conventions, LogsNeverContainSecrets) {
  std::FILE* log = std::tmpfile();
  ASSERT_NE(log, nullptr);
  std::vector<std::string> secrets = {kConfidentialSecret, kFixtureAccessToken,
                                      kFixtureRefreshToken};
  struct Line {
    std::string method, path, request_id;
    int status;
  };
  std::vector<Line> expected;
  {
    MockServer server(Options(), log);
    auto client = server.Client();
    auto note = [&](const std::string& method, const std::string& path,
                    const httplib::Result& res) {
      ASSERT_TRUE(res);
      expected.push_back({method, path, res->get_header_value("Request-Id"), res->status});
    };

    // The confidential client: consent, code, Basic auth, refresh with client_secret_post, revoke.
    const Form::Pairs params = {{"client_id", kConfidentialClient},
                                {"redirect_uri", kRedirect},
                                {"response_type", "code"},
                                {"scope", kAllScopes},
                                {"state", "state-conf"}};
    auto page = client->Get(("/oauth/authorize?" + Form::Encode(params)).c_str());
    note("GET", "/oauth/authorize", page);
    const std::string consent_id = ConsentIdFrom(page->body);
    ASSERT_FALSE(consent_id.empty());
    secrets.push_back(consent_id);
    Form::Pairs decision = {
        {"consent_id", consent_id}, {"login", "alice@example.com"}, {"decision", "allow"}};
    for (const std::string& s : Split(kAllScopes, ' ')) decision.emplace_back("scope", s);
    auto approved = PostForm(*client, "/oauth/authorize/decision", decision);
    note("POST", "/oauth/authorize/decision", approved);
    const std::string code = QueryParam(approved->get_header_value("Location"), "code");
    ASSERT_FALSE(code.empty());
    secrets.push_back(code);

    const httplib::Headers basic = BasicAuth(kConfidentialClient, kConfidentialSecret);
    secrets.push_back(basic.find("Authorization")->second.substr(6));  // the base64 credentials
    auto exchanged = PostForm(
        *client, "/oauth/token",
        {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", kRedirect}}, basic);
    note("POST", "/oauth/token", exchanged);
    ASSERT_EQ(exchanged->status, 200) << exchanged->body;
    Json tokens = ParseJson(exchanged->body);
    secrets.push_back(tokens["access_token"]);
    secrets.push_back(tokens["refresh_token"]);

    auto refreshed = PostForm(*client, "/oauth/token",
                              {{"grant_type", "refresh_token"},
                               {"refresh_token", tokens["refresh_token"]},
                               {"client_id", kConfidentialClient},
                               {"client_secret", kConfidentialSecret}});
    note("POST", "/oauth/token", refreshed);
    ASSERT_EQ(refreshed->status, 200) << refreshed->body;
    Json rotated = ParseJson(refreshed->body);
    secrets.push_back(rotated["access_token"]);
    secrets.push_back(rotated["refresh_token"]);

    auto revoked = PostForm(*client, "/oauth/revoke", {{"token", rotated["refresh_token"]}}, basic);
    note("POST", "/oauth/revoke", revoked);
    ASSERT_EQ(revoked->status, 200) << revoked->body;

    // A secret in the query string is refused, and not logged either.
    auto in_query =
        PostForm(*client, std::string("/oauth/token?client_secret=") + kConfidentialSecret,
                 {{"grant_type", "refresh_token"},
                  {"refresh_token", kFixtureRefreshToken},
                  {"client_id", kConfidentialClient}});
    note("POST", "/oauth/token", in_query);
    EXPECT_NE(in_query->status, 200);

    // The public client: PKCE verifier and challenge, and the fixture tokens.
    IssuedCode issued = IssueCode(*client);
    secrets.push_back(issued.code);
    secrets.push_back(issued.pkce.verifier);
    TokenResult pub = Redeem(*client, issued);
    ASSERT_EQ(pub.status, 200) << pub.body.dump();
    secrets.push_back(pub.body["access_token"]);
    secrets.push_back(pub.body["refresh_token"]);
    auto fixture_refresh = PostForm(*client, "/oauth/token",
                                    {{"grant_type", "refresh_token"},
                                     {"refresh_token", kFixtureRefreshToken},
                                     {"client_id", kPublicClient}});
    note("POST", "/oauth/token", fixture_refresh);
    ASSERT_EQ(fixture_refresh->status, 200) << fixture_refresh->body;
    secrets.push_back(ParseJson(fixture_refresh->body)["refresh_token"]);
  }  // the server stops here: every line has been written

  const std::string text = ReadAll(log);
  std::fclose(log);
  ASSERT_FALSE(text.empty());
  for (const std::string& secret : secrets) {
    ASSERT_GE(secret.size(), 18u);
    EXPECT_EQ(text.find(secret), std::string::npos) << "secret in the log: " << secret;
    // Not even the part after the prefix (a log may legitimately show the prefix and 4 chars).
    const std::string tail = secret.substr(secret.size() - 10);
    EXPECT_EQ(text.find(tail), std::string::npos) << "part of a secret in the log: " << secret;
  }
  std::vector<std::string> lines = Split(text, '\n');
  for (const Line& want : expected) {
    SCOPED_TRACE(want.method + " " + want.path + " " + want.request_id);
    std::string found;
    for (const std::string& line : lines) {
      if (line.find(want.request_id) != std::string::npos) found = line;
    }
    ASSERT_FALSE(found.empty()) << text;
    EXPECT_NE(found.find(want.method + " " + want.path + " " + std::to_string(want.status) + " "),
              std::string::npos)
        << found;
    EXPECT_TRUE(std::regex_search(found, std::regex(R"( [0-9]+\.[0-9]+ms )"))) << found;
  }
}

}  // namespace
}  // namespace chronapilot::testing
