// The reference SDK for ChronaPilot Connect (SPEC HARN-6): what a well-behaved client library
// does, written small enough to read in one sitting.
//
//   ConnectClient client(config);
//   auto url = client.AuthorizationUrl({"events:read", "events:write"});   // state + PKCE S256
//   ... the user approves; the app receives the callback URL ...
//   auto tokens = client.CompleteAuthorization(callback_url);  // checks state and iss, exchanges
//   auto events = client.ListEvents(Auth::OAuth());                      // as that account
//   auto created = client.CreateEvent(Auth::Platform("cpa_…"), event);   // as the platform
//
// What it does for the application:
// - discovers the endpoints from /.well-known/oauth-authorization-server [RFC 8414] and checks
//   the callback's `iss` against the discovered issuer [RFC 9207];
// - keeps one token set per connected account (cpa_…), refreshes once on a 401 invalid_token and
//   keeps the rotated refresh token [RFC 9700 §4.14]; refuses locally a call the granted scope
//   does not allow (insufficient_scope);
// - authenticates a confidential client with client_secret_basic, form-urlencoding id and secret
//   first [RFC 6749 §2.3.1], and a public client with client_id in the body;
// - retries 429, 503 and dropped connections up to 3 times, waiting Retry-After seconds (at
//   most 10) or 100/200/400 ms; an unkeyed POST (a token request) is retried on 429 only,
//   since the server did not process it. PATCH is retried like GET: its merge semantics make
//   it idempotent. Every create carries an Idempotency-Key that its retries reuse;
// - follows list pagination (`starting_after`) when asked for all pages.
//
// `ClientOptions::defects` switches on deliberately broken behaviour for the harness's own tests
// (defects.h); with no defects the client is correct.
//
// Thread safety: not thread-safe. A ConnectClient is used from one thread at a time (the adapter
// is single-threaded); give each thread its own client.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "harness/reference_client/defects.h"
#include "harness/reference_client/http_transport.h"
#include "harness/reference_client/result.h"
#include "mock/form.h"
#include "mock/json.h"

namespace chronapilot::sdk {

inline constexpr char kSdkName[] = "chronapilot-reference-client";
inline constexpr char kSdkVersion[] = "0.1.0";

struct ClientConfig {
  std::string base_url;       // e.g. "http://127.0.0.1:8765"; a trailing '/' is ignored
  std::string client_id;      // cli_…
  std::string client_secret;  // empty: a public client (PKCE, client_id in the body)
  std::string redirect_uri;
  std::string platform_key;  // sk_live_… / sk_test_…; empty: platform mode is unavailable
  std::string ca_cert_path;  // https only: a PEM file to trust (e.g. the mock's --tls cert)
};

struct ClientOptions {
  Defects defects;  // Default: none
  int connect_timeout_ms = 2000;
  int read_timeout_ms = 10000;
  int max_retries = 3;               // retries after the first attempt
  int max_retry_after_seconds = 10;  // a longer Retry-After is cut to this
  int backoff_base_ms = 100;         // without Retry-After: 100, 200, 400 ms
  // How the client waits between retries. Default: std::this_thread::sleep_for.
  std::function<void(int64_t millis)> sleep;
  // Diagnostics (one line per HTTP attempt; secrets never appear). nullptr: silent.
  std::FILE* log = stderr;
};

// Whose credentials an API call uses (SPEC HARN-3 `auth`).
struct Auth {
  enum class Mode { kOAuth, kPlatform };
  Mode mode = Mode::kOAuth;
  // kOAuth: the account whose access token to use; "" = the last authorized one.
  // kPlatform: sent as Chronapilot-Account; "" = the platform itself (no header).
  std::string account;

  static Auth OAuth(std::string account = "") { return Auth{Mode::kOAuth, std::move(account)}; }
  static Auth Platform(std::string account = "") {
    return Auth{Mode::kPlatform, std::move(account)};
  }
};

// The tokens held for one connected account.
struct TokenSet {
  std::string account;  // cpa_…
  std::string access_token;
  std::string refresh_token;        // the current (rotated) one
  std::string first_refresh_token;  // the one the authorization returned (stale_refresh_token)
  std::vector<std::string> scopes;  // granted (the token response's scope)

  bool HasScope(const std::string& scope) const;
};

// RFC 8414 metadata, as far as the client uses it.
struct ServerMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string revocation_endpoint;  // "" when the server has none
};

struct ListOptions {
  std::string calendar_id;  // list_events only; "" = all calendars
  int limit = 0;            // 1-100; 0 = the server's default
  bool all_pages = false;   // follow starting_after until has_more is false
};

struct WebhookEndpointParams {
  std::string url;
  std::vector<std::string> enabled_events;  // ["event.created", …] or ["*"]
  std::optional<bool> connect;              // platform-level endpoints: receive Connect events
  std::string description;                  // "" = not sent
};

class ConnectClient {
 public:
  explicit ConnectClient(ClientConfig config, ClientOptions options = ClientOptions());

  // OAuth -------------------------------------------------------------------------------------

  // The authorize URL for `scopes` with a fresh state and PKCE pair, which the client keeps
  // until the callback (a new call replaces them).
  Result<std::string> AuthorizationUrl(const std::vector<std::string>& scopes,
                                       const std::string& login_hint = "");
  // Checks the callback (state, then iss, then error=), exchanges the code and stores the
  // token set under its connected_account_id. Returns the token response as sent. The pending
  // authorization is used up whatever the outcome.
  Result<Json> CompleteAuthorization(const std::string& callback_url);
  // refresh_token grant for `account` ("" = last authorized); stores the rotated tokens.
  Result<Json> Refresh(const std::string& account = "");
  // Revokes the account's refresh token (and with it the token family) and forgets the
  // account's tokens. Returns {"revoked": true}.
  Result<Json> Revoke(const std::string& account = "");
  // The server's metadata, fetched on first use and cached.
  Result<ServerMetadata> Metadata();

  // API: each returns the API object as sent; lists return {"data": [...], "has_more": bool} --

  Result<Json> ListEvents(const Auth& auth, const ListOptions& list = ListOptions());
  // `idempotency_key` "" = a fresh random key for this call (its retries reuse it).
  Result<Json> CreateEvent(const Auth& auth, const Json& event,
                           const std::string& idempotency_key = "");
  Result<Json> GetEvent(const Auth& auth, const std::string& id);
  Result<Json> UpdateEvent(const Auth& auth, const std::string& id, const Json& patch);
  Result<Json> DeleteEvent(const Auth& auth, const std::string& id);
  Result<Json> ListCalendars(const Auth& auth, const ListOptions& list = ListOptions());
  Result<Json> ListProviderConnections(const Auth& auth, const ListOptions& list = ListOptions());
  Result<Json> CreateWebhookEndpoint(const Auth& auth, const WebhookEndpointParams& params,
                                     const std::string& idempotency_key = "");
  Result<Json> DeleteWebhookEndpoint(const Auth& auth, const std::string& id);

  // State, for applications and tests ---------------------------------------------------------

  // The tokens held for `account` ("" = last authorized), or nullptr.
  const TokenSet* tokens(const std::string& account = "") const;
  const std::string& last_authorized_account() const { return last_authorized_; }
  bool has_pending_authorization() const { return pending_.has_value(); }
  const ClientConfig& config() const { return config_; }

 private:
  struct PendingAuthorization {
    std::string state;
    std::string verifier;  // "" when no PKCE was sent
    std::vector<std::string> scopes;
  };
  // One API request before credentials are attached.
  struct ApiCall {
    std::string method;
    std::string path;  // "/v1/events/evt_…", already percent-encoded
    Form::Pairs query;
    std::optional<Json> body;
    std::string scope;                   // the scope the call needs (local refusal, oauth mode)
    bool needs_idempotency_key = false;  // a create
    std::string idempotency_key;
  };

  Result<Json> CallApi(const Auth& auth, ApiCall call);
  Result<Json> ListPages(const Auth& auth, ApiCall call, const ListOptions& list);
  // Sends `build()` (rebuilt per attempt), retrying per the policy above.
  HttpAnswer SendWithRetries(const std::function<HttpCall()>& build, bool idempotent);
  int64_t RetryDelayMillis(const HttpAnswer& answer, int attempt) const;
  // POSTs a form to the token or revocation endpoint with client authentication.
  HttpAnswer PostClientForm(const std::string& endpoint, Form::Pairs form, bool idempotent);
  Result<Json> TokenRequest(Form::Pairs form);
  TokenSet* FindTokens(const std::string& account);
  std::string ResolveAccount(const std::string& account) const;
  void Sleep(int64_t millis);
  void Log(const std::string& line) const;

  const ClientConfig config_;
  const ClientOptions options_;
  HttpTransport transport_;
  std::optional<ServerMetadata> metadata_;
  std::optional<PendingAuthorization> pending_;
  std::map<std::string, TokenSet> tokens_;  // by connected account id
  std::string last_authorized_;
};

// The API's error body ({"error": {"code", "message"}}) or the OAuth one ({"error",
// "error_description"}) of a non-2xx answer, as an Error carrying the HTTP status.
Error ErrorFromAnswer(const HttpAnswer& answer);

// True for a WWW-Authenticate challenge with error="invalid_token" [RFC 6750 §3.1].
bool IsInvalidTokenChallenge(const std::string& www_authenticate);

}  // namespace chronapilot::sdk
