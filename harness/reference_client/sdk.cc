#include "harness/reference_client/sdk.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "harness/reference_client/pkce.h"
#include "mock/crypto.h"
#include "mock/text.h"
#include "mock/url.h"

namespace chronapilot::sdk {
namespace {

constexpr char kFormContentType[] = "application/x-www-form-urlencoded";
constexpr char kJsonContentType[] = "application/json";
// constant_verifier: 43 characters of the RFC 7636 alphabet, the same for every authorization.
constexpr char kConstantVerifier[] = "constant-verifier-constant-verifier-0000000";
static_assert(sizeof(kConstantVerifier) - 1 == 43, "a verifier is 43-128 characters");
// refresh_loop: how often the broken client refreshes and retries.
constexpr int kRefreshLoopLimit = 10;
// all_pages: a server that never says has_more=false must not hang the client.
constexpr int kMaxPages = 1000;

// The path of `url` without its query (for the log: queries may carry tokens under a defect).
std::string LogPath(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "/";
  return url.substr(slash, url.find('?', slash) - slash);
}

std::vector<std::string> SplitScopes(const std::string& scope) {
  std::vector<std::string> out;
  for (std::string& s : Split(scope, ' ')) {
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

// The query of a callback URL as a form; the fragment is not part of it.
std::optional<Form> CallbackQuery(const std::string& callback_url) {
  std::string_view url = callback_url;
  url = url.substr(0, url.find('#'));
  const size_t question = url.find('?');
  if (question == std::string_view::npos) return Form();
  auto form = Form::Parse(url.substr(question + 1), "callback query");
  if (!form.ok()) return std::nullopt;
  return std::move(form).value();
}

std::optional<std::string> JsonString(const Json& object, const char* field) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(field);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

Error NetworkError(const HttpAnswer& answer, const std::string& what) {
  return Error::Local(kNetworkError, what + ": no HTTP answer (" + answer.transport_error + ")");
}

// Integer seconds of a Retry-After header; nullopt when absent or an HTTP-date.
std::optional<int64_t> RetryAfterSeconds(const std::string& header) {
  return ParseDecimal(Trim(header), 9);
}

}  // namespace

bool TokenSet::HasScope(const std::string& scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

bool IsInvalidTokenChallenge(const std::string& www_authenticate) {
  std::string compact;
  for (char c : ToLower(www_authenticate)) {
    if (c != ' ' && c != '\t') compact += c;
  }
  return compact.find("error=\"invalid_token\"") != std::string::npos ||
         compact.find("error=invalid_token") != std::string::npos;
}

Error ErrorFromAnswer(const HttpAnswer& answer) {
  Error error;
  error.status = answer.status;
  const Json body = Json::parse(answer.body, nullptr, false);
  if (body.is_object() && body.contains("error")) {
    const Json& e = body["error"];
    if (e.is_object()) {  // the API's {"error": {"type", "code", "message"}} (ERR-1)
      error.code = JsonString(e, "code").value_or(JsonString(e, "type").value_or(""));
      error.message = JsonString(e, "message").value_or("");
    } else if (e.is_string()) {  // OAuth's {"error", "error_description"} (RFC 6749 §5.2)
      error.code = e.get<std::string>();
      error.message = JsonString(body, "error_description").value_or("");
    }
  }
  if (error.code.empty()) error.code = "http_error";
  if (error.message.empty()) error.message = "HTTP " + std::to_string(answer.status);
  return error;
}

ConnectClient::ConnectClient(ClientConfig config, ClientOptions options)
    : config_([&config] {
        while (!config.base_url.empty() && config.base_url.back() == '/') {
          config.base_url.pop_back();
        }
        return std::move(config);
      }()),
      options_(std::move(options)),
      transport_(HttpTransport::Options{options_.connect_timeout_ms, options_.read_timeout_ms,
                                        config_.ca_cert_path,
                                        std::string(kSdkName) + "/" + kSdkVersion}) {}

// ---------------------------------------------------------------------------------------------
// Plumbing

void ConnectClient::Sleep(int64_t millis) {
  if (options_.sleep) {
    options_.sleep(millis);
  } else if (millis > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(millis));
  }
}

void ConnectClient::Log(const std::string& line) const {
  if (!options_.log) return;
  std::fprintf(options_.log, "[sdk] %s\n", line.c_str());
  std::fflush(options_.log);
}

int64_t ConnectClient::RetryDelayMillis(const HttpAnswer& answer, int attempt) const {
  if (answer.received && options_.defects.Has(Defect::kIgnoreRetryAfter)) return 0;
  if (answer.received) {
    if (auto seconds = RetryAfterSeconds(answer.Header("Retry-After"))) {
      return std::min<int64_t>(*seconds, options_.max_retry_after_seconds) * 1000;
    }
  }
  return int64_t(options_.backoff_base_ms) << attempt;  // 100, 200, 400 ms
}

HttpAnswer ConnectClient::SendWithRetries(const std::function<HttpCall()>& build, bool idempotent) {
  for (int attempt = 0;; ++attempt) {
    const HttpCall call = build();
    HttpAnswer answer = transport_.Send(call);
    const std::string what = call.method + " " + LogPath(call.url);
    Log(what + " -> " +
        (answer.received ? std::to_string(answer.status)
                         : "no answer (" + answer.transport_error + ")") +
        (attempt > 0 ? " [retry " + std::to_string(attempt) + "]" : ""));
    if (options_.defects.Has(Defect::kNoRetry) || attempt >= options_.max_retries) return answer;
    bool retry = false;
    if (!answer.received) {
      // The request may have been processed before the connection went: only an idempotent
      // request may go again.
      retry = answer.retryable && idempotent;
    } else if (answer.status == 429) {
      retry = true;  // refused without being processed
    } else if (answer.status == 503) {
      retry = idempotent;
    }
    if (!retry) return answer;
    const int64_t delay = RetryDelayMillis(answer, attempt);
    Log(what + ": retrying in " + std::to_string(delay) + " ms");
    Sleep(delay);
  }
}

std::string ConnectClient::ResolveAccount(const std::string& account) const {
  return account.empty() ? last_authorized_ : account;
}

TokenSet* ConnectClient::FindTokens(const std::string& account) {
  auto it = tokens_.find(ResolveAccount(account));
  return it == tokens_.end() ? nullptr : &it->second;
}

const TokenSet* ConnectClient::tokens(const std::string& account) const {
  auto it = tokens_.find(ResolveAccount(account));
  return it == tokens_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------------
// OAuth

Result<ServerMetadata> ConnectClient::Metadata() {
  if (metadata_) return *metadata_;
  if (config_.base_url.empty()) return Error::Local(kInvalidArgs, "no base_url configured");
  const std::string url = config_.base_url + "/.well-known/oauth-authorization-server";
  const HttpAnswer answer = SendWithRetries(
      [&url] {
        return HttpCall{"GET", url, {}, "", ""};
      },
      true);
  if (!answer.received) return NetworkError(answer, "metadata discovery");
  if (!IsSuccess(answer.status)) return ErrorFromAnswer(answer);
  const Json body = Json::parse(answer.body, nullptr, false);
  ServerMetadata meta;
  auto issuer = JsonString(body, "issuer");
  auto authorize = JsonString(body, "authorization_endpoint");
  auto token = JsonString(body, "token_endpoint");
  if (!issuer || !authorize || !token) {
    return Error{kInvalidResponse,
                 "the authorization server metadata lacks issuer, authorization_endpoint or "
                 "token_endpoint (RFC 8414)",
                 answer.status};
  }
  meta.issuer = *issuer;
  meta.authorization_endpoint = *authorize;
  meta.token_endpoint = *token;
  meta.revocation_endpoint = JsonString(body, "revocation_endpoint").value_or("");
  metadata_ = meta;
  return meta;
}

Result<std::string> ConnectClient::AuthorizationUrl(const std::vector<std::string>& scopes,
                                                    const std::string& login_hint) {
  if (config_.client_id.empty() || config_.redirect_uri.empty()) {
    return Error::Local(kInvalidArgs, "configure client_id and redirect_uri first");
  }
  auto meta = Metadata();
  if (!meta.ok()) return meta.error();
  const Defects& d = options_.defects;

  PendingAuthorization pending;
  pending.state = NewState();
  pending.scopes = scopes;
  if (!d.Has(Defect::kNoPkce)) {
    pending.verifier = d.Has(Defect::kConstantVerifier) ? kConstantVerifier : NewCodeVerifier();
  }
  Form::Pairs params = {{"client_id", config_.client_id},
                        {"redirect_uri", config_.redirect_uri},
                        {"response_type", "code"},
                        {"scope", Join(scopes, " ")},
                        {"state", pending.state}};
  if (!pending.verifier.empty()) {
    const bool plain = d.Has(Defect::kPlainPkce);
    params.emplace_back("code_challenge",
                        plain ? pending.verifier : CodeChallengeS256(pending.verifier));
    params.emplace_back("code_challenge_method", plain ? "plain" : "S256");
  }
  if (!login_hint.empty()) params.emplace_back("login_hint", login_hint);
  pending_ = std::move(pending);
  return AppendQuery(meta->authorization_endpoint, params);
}

Result<Json> ConnectClient::CompleteAuthorization(const std::string& callback_url) {
  // Single use: whatever happens below, this callback consumes the pending authorization.
  std::optional<PendingAuthorization> pending = std::move(pending_);
  pending_.reset();
  const Defects& d = options_.defects;

  auto query = CallbackQuery(callback_url);
  if (!query) return Error::Local(kInvalidCallback, "the callback URL's query is malformed");

  // 1. state [RFC 6749 §10.12]: the callback must answer the request this client made.
  if (!d.Has(Defect::kNoStateCheck)) {
    const auto state = query->Get("state");
    if (!pending) {
      return Error::Local(kStateMismatch,
                          "no authorization is pending; start with an authorize URL");
    }
    if (!state || query->Count("state") != 1 || !SecretEquals(*state, pending->state)) {
      return Error::Local(kStateMismatch,
                          "the callback's state does not match the authorization request's");
    }
  }

  // 2. iss [RFC 9207]: the callback must come from the server we asked (mix-up attacks).
  auto meta = Metadata();
  if (!meta.ok()) return meta.error();
  if (!d.Has(Defect::kNoIssCheck)) {
    const auto iss = query->Get("iss");
    if (!iss) {
      return Error::Local(kIssMismatch,
                          "the callback has no iss although the server announces "
                          "authorization_response_iss_parameter_supported (RFC 9207)");
    }
    if (query->Count("iss") != 1 || *iss != meta->issuer) {
      return Error::Local(kIssMismatch, "the callback's iss '" + *iss + "' is not the issuer '" +
                                            meta->issuer + "' (RFC 9207)");
    }
  }

  // 3. An error from the authorization endpoint [RFC 6749 §4.1.2.1].
  const auto error = query->Get("error");
  if (error && !d.Has(Defect::kIgnoreCallbackError)) {
    return Error::Local(*error, query->Get("error_description")
                                    .value_or("the authorization server answered error=" + *error));
  }
  const auto code = query->Get("code");
  if (!code && !d.Has(Defect::kIgnoreCallbackError)) {
    return Error::Local(kInvalidCallback, "the callback has neither code nor error");
  }

  // 4. The code exchange [RFC 6749 §4.1.3, RFC 7636 §4.5].
  Form::Pairs form = {
      {"grant_type", "authorization_code"},
      {"code", code.value_or("")},
      {"redirect_uri", config_.redirect_uri + (d.Has(Defect::kWrongRedirectUri) ? "/" : "")}};
  if (pending && !pending->verifier.empty()) form.emplace_back("code_verifier", pending->verifier);
  auto response = TokenRequest(std::move(form));
  if (!response.ok()) return response.error();
  Json body = std::move(response).value();

  const auto account = JsonString(body, "connected_account_id");
  if (!account || account->empty()) {
    return Error{kInvalidResponse, "the token response has no connected_account_id", 200};
  }
  TokenSet set;
  set.account = *account;
  set.access_token = JsonString(body, "access_token").value_or("");
  set.refresh_token = JsonString(body, "refresh_token").value_or("");
  set.first_refresh_token = set.refresh_token;
  const std::vector<std::string> requested = pending ? pending->scopes : std::vector<std::string>();
  if (d.Has(Defect::kAssumeRequestedScopes)) {
    set.scopes = requested;
    body["scope"] = Join(requested, " ");
  } else if (auto scope = JsonString(body, "scope")) {
    set.scopes = SplitScopes(*scope);
  } else {
    set.scopes = requested;  // RFC 6749 §5.1: scope omitted = as requested
  }
  tokens_[set.account] = std::move(set);
  last_authorized_ = *account;
  Log("authorized " + *account);
  return body;
}

HttpAnswer ConnectClient::PostClientForm(const std::string& endpoint, Form::Pairs form,
                                         bool idempotent) {
  const Defects& d = options_.defects;
  std::string url = endpoint;
  HeaderPairs headers;
  if (config_.client_secret.empty()) {
    form.emplace_back("client_id", config_.client_id);  // a public client identifies itself
  } else if (d.Has(Defect::kSecretInQuery)) {
    url = AppendQuery(url,
                      {{"client_id", config_.client_id}, {"client_secret", config_.client_secret}});
  } else {
    // client_secret_basic: RFC 6749 §2.3.1 form-urlencodes id and secret before base64.
    const bool raw = d.Has(Defect::kBasicUnencoded);
    const std::string user = raw ? config_.client_id : PercentEncode(config_.client_id, true);
    const std::string password =
        raw ? config_.client_secret : PercentEncode(config_.client_secret, true);
    headers.emplace_back("Authorization", "Basic " + Base64Encode(user + ":" + password));
    if (d.Has(Defect::kBothAuthMethods)) {
      form.emplace_back("client_id", config_.client_id);
      form.emplace_back("client_secret", config_.client_secret);
    }
  }
  const std::string body = Form::Encode(form);
  return SendWithRetries(
      [&] {
        return HttpCall{"POST", url, headers, body, kFormContentType};
      },
      idempotent);
}

Result<Json> ConnectClient::TokenRequest(Form::Pairs form) {
  auto meta = Metadata();
  if (!meta.ok()) return meta.error();
  // A code or refresh token works once: a request lost in transit is not sent again.
  const HttpAnswer answer = PostClientForm(meta->token_endpoint, std::move(form), false);
  if (!answer.received) return NetworkError(answer, "token request");
  if (!IsSuccess(answer.status)) return ErrorFromAnswer(answer);
  Json body = Json::parse(answer.body, nullptr, false);
  if (!body.is_object() || !JsonString(body, "access_token")) {
    return Error{kInvalidResponse, "the token response is not JSON with an access_token",
                 answer.status};
  }
  // RFC 6749 §7.1: a client must not use a token whose type it does not understand.
  if (!EqualsIgnoreCase(JsonString(body, "token_type").value_or(""), "bearer")) {
    return Error{kInvalidResponse, "the token response's token_type is not Bearer", answer.status};
  }
  return body;
}

Result<Json> ConnectClient::Refresh(const std::string& account) {
  TokenSet* set = FindTokens(account);
  if (!set) {
    return Error::Local(kNoTokens, "no tokens held for account '" + ResolveAccount(account) + "'");
  }
  const std::string account_id = set->account;
  if (set->refresh_token.empty()) {
    return Error::Local(kNoTokens, "no refresh token held for account '" + account_id + "'");
  }
  const std::string presented = options_.defects.Has(Defect::kStaleRefreshToken)
                                    ? set->first_refresh_token
                                    : set->refresh_token;
  auto response = TokenRequest({{"grant_type", "refresh_token"}, {"refresh_token", presented}});
  if (!response.ok()) return response.error();
  // The set may not have moved (TokenRequest does not touch tokens_), but look it up again
  // rather than rely on that.
  set = FindTokens(account_id);
  if (!set) return response;
  const Json& body = *response;
  set->access_token = JsonString(body, "access_token").value_or("");
  // Rotation [RFC 9700 §4.14]: the old refresh token is dead now.
  if (auto rotated = JsonString(body, "refresh_token")) set->refresh_token = *rotated;
  if (auto scope = JsonString(body, "scope");
      scope && !options_.defects.Has(Defect::kAssumeRequestedScopes)) {
    set->scopes = SplitScopes(*scope);
  }
  Log("refreshed tokens of " + account_id);
  return response;
}

Result<Json> ConnectClient::Revoke(const std::string& account) {
  TokenSet* set = FindTokens(account);
  if (!set) {
    return Error::Local(kNoTokens, "no tokens held for account '" + ResolveAccount(account) + "'");
  }
  const std::string account_id = set->account;
  if (!options_.defects.Has(Defect::kRevokeNoop)) {
    auto meta = Metadata();
    if (!meta.ok()) return meta.error();
    if (meta->revocation_endpoint.empty()) {
      return Error::Local(kInvalidResponse, "the server announces no revocation_endpoint");
    }
    // RFC 7009: revoking the refresh token revokes the whole grant (its access tokens too).
    const bool has_refresh = !set->refresh_token.empty();
    Form::Pairs form = {{"token", has_refresh ? set->refresh_token : set->access_token},
                        {"token_type_hint", has_refresh ? "refresh_token" : "access_token"}};
    const HttpAnswer answer = PostClientForm(meta->revocation_endpoint, std::move(form), true);
    if (!answer.received) return NetworkError(answer, "revocation");
    if (!IsSuccess(answer.status)) return ErrorFromAnswer(answer);
  }
  tokens_.erase(account_id);
  Log("revoked and forgot tokens of " + account_id);
  return Json{{"revoked", true}};
}

// ---------------------------------------------------------------------------------------------
// API

Result<Json> ConnectClient::CallApi(const Auth& auth, ApiCall call) {
  const Defects& d = options_.defects;
  const bool oauth = auth.mode == Auth::Mode::kOAuth;
  std::string account;
  if (oauth) {
    const TokenSet* set = FindTokens(auth.account);
    if (!set) {
      return Error::Local(kNoTokens,
                          "no tokens held for account '" + ResolveAccount(auth.account) + "'");
    }
    account = set->account;
    // The SDK knows what was granted: a call the token cannot make never leaves the process.
    if (!call.scope.empty() && !d.Has(Defect::kAssumeRequestedScopes) &&
        !set->HasScope(call.scope)) {
      return Error::Local(kInsufficientScope, "the tokens of " + account + " were not granted " +
                                                  call.scope +
                                                  " (granted: " + Join(set->scopes, " ") + ")");
    }
  } else if (config_.platform_key.empty()) {
    return Error::Local(kInvalidArgs, "platform mode needs a configured platform_key");
  }
  if (config_.base_url.empty()) return Error::Local(kInvalidArgs, "no base_url configured");

  // One key per logical create, reused by every retry (RES-6).
  if (call.needs_idempotency_key && !d.Has(Defect::kNoIdempotencyKey) &&
      call.idempotency_key.empty()) {
    call.idempotency_key = NewIdempotencyKey();
  }
  const std::string body = call.body ? call.body->dump() : "";

  auto build = [&]() {
    HttpCall http;
    http.method = call.method;
    Form::Pairs query = call.query;
    if (oauth) {
      const TokenSet* set = FindTokens(account);
      const std::string token = set ? set->access_token : "";
      if (d.Has(Defect::kTokenInQuery)) {
        query.emplace_back("access_token", token);
      } else {
        http.headers.emplace_back("Authorization", "Bearer " + token);
      }
    } else {
      http.headers.emplace_back("Authorization", "Bearer " + config_.platform_key);
      if (!auth.account.empty() && !d.Has(Defect::kNoAccountHeader)) {
        http.headers.emplace_back("Chronapilot-Account", auth.account);
      }
    }
    if (!call.idempotency_key.empty() && !d.Has(Defect::kNoIdempotencyKey)) {
      http.headers.emplace_back("Idempotency-Key", call.idempotency_key);
    }
    http.url = config_.base_url + call.path;
    if (!query.empty()) http.url += "?" + Form::Encode(query);
    if (call.body) {
      http.body = body;
      http.content_type = kJsonContentType;
    }
    return http;
  };
  // POST without a key is the one request that must not go twice.
  const bool idempotent = call.method != "POST" || !call.idempotency_key.empty();
  HttpAnswer answer = SendWithRetries(build, idempotent);

  // An expired or revoked access token: refresh once and try again [RFC 6750 §3.1].
  auto expired = [](const HttpAnswer& a) {
    return a.received && a.status == 401 && IsInvalidTokenChallenge(a.Header("WWW-Authenticate"));
  };
  if (oauth && expired(answer) && !d.Has(Defect::kNoRefresh)) {
    if (d.Has(Defect::kRefreshLoop)) {
      for (int i = 0; i < kRefreshLoopLimit && expired(answer); ++i) {
        (void)Refresh(account);
        answer = SendWithRetries(build, idempotent);
      }
    } else {
      Log("access token of " + account + " rejected as invalid_token; refreshing once");
      auto refreshed = Refresh(account);
      if (!refreshed.ok()) return refreshed.error();
      answer = SendWithRetries(build, idempotent);
    }
  }

  if (!answer.received) return NetworkError(answer, call.method + " " + call.path);
  if (!IsSuccess(answer.status)) return ErrorFromAnswer(answer);
  Json parsed = Json::parse(answer.body, nullptr, false);
  if (parsed.is_discarded()) {
    return Error{
        kInvalidResponse,
        "the API answered " + std::to_string(answer.status) + " with a body that is not JSON",
        answer.status};
  }
  return parsed;
}

Result<Json> ConnectClient::ListPages(const Auth& auth, ApiCall call, const ListOptions& list) {
  if (list.limit > 0) call.query.emplace_back("limit", std::to_string(list.limit));
  Json data = Json::array();
  bool has_more = false;
  std::string cursor;
  for (int page = 0; page < kMaxPages; ++page) {
    ApiCall this_page = call;
    if (!cursor.empty()) this_page.query.emplace_back("starting_after", cursor);
    auto result = CallApi(auth, std::move(this_page));
    if (!result.ok()) return result.error();
    const Json& body = *result;
    if (!body.is_object() || !body.contains("data") || !body["data"].is_array()) {
      return Error::Local(kInvalidResponse, "a list response without a data array");
    }
    for (const Json& item : body["data"]) data.push_back(item);
    has_more = body.value("has_more", false);
    if (!list.all_pages) break;
    if (options_.defects.Has(Defect::kFirstPageOnly)) {
      has_more = false;
      break;
    }
    if (!has_more) break;
    auto last_id = body["data"].empty() ? std::nullopt : JsonString(body["data"].back(), "id");
    if (!last_id) return Error::Local(kInvalidResponse, "has_more with no id to continue from");
    cursor = *last_id;
  }
  return Json{{"data", std::move(data)}, {"has_more", has_more}};
}

Result<Json> ConnectClient::ListEvents(const Auth& auth, const ListOptions& list) {
  ApiCall call{"GET", "/v1/events", {}, std::nullopt, "events:read", false, ""};
  if (!list.calendar_id.empty()) call.query.emplace_back("calendar_id", list.calendar_id);
  return ListPages(auth, std::move(call), list);
}

Result<Json> ConnectClient::CreateEvent(const Auth& auth, const Json& event,
                                        const std::string& idempotency_key) {
  return CallApi(auth, {"POST", "/v1/events", {}, event, "events:write", true, idempotency_key});
}

Result<Json> ConnectClient::GetEvent(const Auth& auth, const std::string& id) {
  return CallApi(
      auth, {"GET", "/v1/events/" + PercentEncode(id), {}, std::nullopt, "events:read", false, ""});
}

Result<Json> ConnectClient::UpdateEvent(const Auth& auth, const std::string& id,
                                        const Json& patch) {
  return CallApi(
      auth, {"PATCH", "/v1/events/" + PercentEncode(id), {}, patch, "events:write", false, ""});
}

Result<Json> ConnectClient::DeleteEvent(const Auth& auth, const std::string& id) {
  return CallApi(
      auth,
      {"DELETE", "/v1/events/" + PercentEncode(id), {}, std::nullopt, "events:write", false, ""});
}

Result<Json> ConnectClient::ListCalendars(const Auth& auth, const ListOptions& list) {
  return ListPages(auth, {"GET", "/v1/calendars", {}, std::nullopt, "calendars:read", false, ""},
                   list);
}

Result<Json> ConnectClient::ListProviderConnections(const Auth& auth, const ListOptions& list) {
  return ListPages(
      auth, {"GET", "/v1/provider_connections", {}, std::nullopt, "calendars:read", false, ""},
      list);
}

Result<Json> ConnectClient::CreateWebhookEndpoint(const Auth& auth,
                                                  const WebhookEndpointParams& params,
                                                  const std::string& idempotency_key) {
  Json body = {{"url", params.url}, {"enabled_events", params.enabled_events}};
  if (params.connect) body["connect"] = *params.connect;
  if (!params.description.empty()) body["description"] = params.description;
  return CallApi(auth, {"POST",
                        "/v1/webhook_endpoints",
                        {},
                        std::move(body),
                        "webhooks:manage",
                        true,
                        idempotency_key});
}

Result<Json> ConnectClient::DeleteWebhookEndpoint(const Auth& auth, const std::string& id) {
  return CallApi(auth, {"DELETE",
                        "/v1/webhook_endpoints/" + PercentEncode(id),
                        {},
                        std::nullopt,
                        "webhooks:manage",
                        false,
                        ""});
}

}  // namespace chronapilot::sdk
