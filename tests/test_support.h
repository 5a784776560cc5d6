// Shared by the tests: a real mock served over loopback HTTP on a port picked by the kernel,
// and helpers that walk the OAuth flow the way a browser and an SDK would.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mock/form.h"
#include "mock/http_server.h"
#include "mock/json.h"
#include "mock/mock.h"
#include "mock/options.h"

namespace chronapilot::testing {

inline constexpr char kPublicClient[] = "cli_4eC39HqLyjWDarjtT1zdp7dc";
inline constexpr char kConfidentialClient[] = "cli_conf0000000000000000001";
inline constexpr char kConfidentialSecret[] = "cs_conf_secret_0000000000000001";
inline constexpr char kSpecialClient[] = "cli_confSpecial00000000002";
inline constexpr char kSpecialSecret[] = "cs_special:+%41 secret/0002";
inline constexpr char kGlobexClient[] = "cli_globex00000000000000001";
inline constexpr char kRedirect[] = "https://your-app.com/oauth/callback";
inline constexpr char kLoopbackRedirect[] = "http://127.0.0.1/callback";
inline constexpr char kAliceAccount[] = "cpa_9yza0bcd1efg";
inline constexpr char kAllScopes[] = "events:read events:write calendars:read webhooks:manage";
inline constexpr char kFixtureAccessToken[] = "cat_1abc2def3ghi4jkl";
inline constexpr char kFixtureRefreshToken[] = "crt_5mno6pqr7stu8vwx";
inline constexpr char kAcmeLiveKey[] = "sk_live_acme00000000000000000000";
inline constexpr char kAcmeTestKey[] = "sk_test_acme00000000000000000000";
inline constexpr char kGlobexKey[] = "sk_live_globex0000000000000000000";
inline constexpr char kCarolAccount[] = "cpa_carolGlobex0001";
inline constexpr char kAliceWorkCalendar[] = "cal_aliceWork00001";
inline constexpr char kAlicePersonalCalendar[] = "cal_alicePersonal1";
// RFC 7636 Appendix B.
inline constexpr char kRfcVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
inline constexpr char kRfcChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

// A mock served on 127.0.0.1:<free port> for the lifetime of the object.
class MockServer {
 public:
  // `options.port` is forced to 0. Request logging is off unless `log` is given (then it goes
  // there, e.g. a tmpfile() a test reads back) or CHRONAPILOT_TEST_LOG=1.
  explicit MockServer(Options options = Options(), std::FILE* log = nullptr);
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Mock& mock() { return *mock_; }
  // Moves the virtual clock forward (same as POST /_mock/clock/advance).
  void Advance(int64_t seconds) { mock_->clock().Advance(seconds * 1000000); }
  // A client that does not follow redirects.
  std::unique_ptr<httplib::Client> Client() const;

 private:
  std::unique_ptr<Mock> mock_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

struct Pkce {
  std::string verifier;
  std::string challenge;
  static Pkce Make();  // 32 random bytes, as RFC 7636 §4.1 recommends
};

// The value of query parameter `name` in `url` (decoded), or "" when absent.
std::string QueryParam(const std::string& url, const std::string& name);
// The consent id embedded in a consent page.
std::string ConsentIdFrom(const std::string& html);

// POSTs `form` as application/x-www-form-urlencoded.
httplib::Result PostForm(httplib::Client& client, const std::string& path, const Form::Pairs& form,
                         const httplib::Headers& headers = {});
// `Authorization: Basic base64(form(id):form(secret))` per RFC 6749 §2.3.1.
httplib::Headers BasicAuth(const std::string& id, const std::string& secret);

Json ParseJson(const std::string& body);

// The authorize query of a PKCE public-client request; `overrides` replace or add parameters.
Form::Pairs AuthorizeParams(const Pkce& pkce, Form::Pairs overrides = {});
// `params` without any parameter called `name`.
Form::Pairs Without(Form::Pairs params, const std::string& name);
// GET /oauth/authorize?<params>, then approve the consent page as `login` with `scopes` ticked
// (all requested ones when empty). Returns the final redirect Location ("" on failure).
std::string AuthorizeAndApprove(httplib::Client& client, const Form::Pairs& params,
                                const std::string& login = "alice@example.com",
                                const std::vector<std::string>& scopes = {});

struct TokenResult {
  int status = 0;
  Json body;
};
// Runs the whole PKCE flow for the public client and returns the token response.
TokenResult PublicClientTokens(httplib::Client& client,
                               const std::string& login = "alice@example.com",
                               const std::string& scope = kAllScopes);
// Runs the whole flow for the confidential client (no PKCE, Basic auth).
TokenResult ConfidentialClientTokens(httplib::Client& client,
                                     const std::string& login = "alice@example.com");
TokenResult PostToken(httplib::Client& client, const Form::Pairs& form,
                      const httplib::Headers& headers = {});

// `Authorization: Bearer <credential>`, plus `Chronapilot-Account` when `account` is given.
httplib::Headers Bearer(const std::string& credential, const std::string& account = "");

struct ApiResult {
  int status = 0;  // 0: no answer (connection failed or dropped)
  Json body;       // null when the body is not JSON
  httplib::Headers headers;
  std::string Header(const std::string& name) const;
};
// Any request with a body of any type (no Content-Type when `content_type` is empty).
ApiResult Raw(httplib::Client& client, const std::string& method, const std::string& path,
              const httplib::Headers& headers, const std::string& body,
              const std::string& content_type);
// One /v1 (or any JSON) request. A non-empty `json_body` is sent as application/json.
ApiResult Api(httplib::Client& client, const std::string& method, const std::string& path,
              const httplib::Headers& headers, const std::string& json_body = "");

}  // namespace chronapilot::testing
