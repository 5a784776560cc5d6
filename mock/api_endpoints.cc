// The HTTP face of /v1 (SPEC §4-5). Every request goes through one straight pipeline:
//   authenticate (AUTH-1/2/3) → account mode → scope (AUTH-4) → parse query and body (RES-7)
//   → idempotency (RES-6) → the resource function (api/*.cc) → JSON answer or ERR-1 error.
// The resource functions never see HTTP; isolation (AUTH-5) follows from every lookup going
// through the caller's own account.
#include "mock/api/api.h"
#include "mock/crypto.h"
#include "mock/json_body.h"
#include "mock/mock.h"
#include "mock/text.h"

namespace chronapilot {
namespace {

// Which credentials an endpoint accepts.
enum class AccountMode {
  kAccount,            // acts on one account: a cat_ token, or a platform key + header
  kPlatformOnly,       // RES-1: a platform key without Chronapilot-Account
  kAccountOrPlatform,  // webhook endpoints: either of the above, or a platform key alone
};

struct Endpoint {
  ApiHandler handler;
  ScopeSet scope;  // required of cat_ tokens (0: none); platform keys hold every scope (AUTH-2)
  AccountMode mode;
  bool list = false;  // lists read their query parameters; every other endpoint takes none
};

// An authentication or permission failure, with the RFC 6750 challenge to send.
struct Denial {
  Status status;
  std::string www_authenticate;
};

const char kHowToAuthenticate[] =
    " Send 'Authorization: Bearer cat_…' (an access token from /oauth/token), or "
    "'Authorization: Bearer sk_test_…' (your platform key) with 'Chronapilot-Account: cpa_…'.";

// AUTH-1, AUTH-2, AUTH-3: who is calling. A denial carries its WWW-Authenticate header.
StatusOr<ApiCaller> Authenticate(const HttpRequest& req, const Form& query, World& world,
                                 Denial& denial) {
  auto deny = [&](Status status, std::string challenge) {
    denial = {status, std::move(challenge)};
    return status;
  };
  // RFC 6750 §2.3 allows access_token in the URL; ChronaPilot refuses it (it leaks into logs).
  if (query.Count("access_token") > 0) {
    return deny(Status::InvalidRequest("token_in_query",
                                       "Access tokens must not be sent in the URL query; use the "
                                       "Authorization header.",
                                       "access_token"),
                "Bearer error=\"invalid_request\"");
  }
  if (req.HeaderCount("Authorization") > 1 || req.HeaderCount("Chronapilot-Account") > 1) {
    return deny(Status::InvalidRequest("invalid_request",
                                       "Authorization and Chronapilot-Account may be sent once"),
                "Bearer error=\"invalid_request\"");
  }
  auto header = req.Header("Authorization");
  if (!header) {
    return deny(Status::Unauthenticated(
                    "authentication_required",
                    std::string("You did not provide credentials.") + kHowToAuthenticate),
                "Bearer realm=\"chronapilot\"");
  }
  std::string_view value = Trim(*header);
  const size_t space = value.find(' ');
  if (space == std::string_view::npos || !EqualsIgnoreCase(value.substr(0, space), "bearer")) {
    return deny(Status::Unauthenticated(
                    "authentication_required",
                    std::string("The Authorization header must use the Bearer scheme.") +
                        kHowToAuthenticate),
                "Bearer realm=\"chronapilot\"");
  }
  const std::string credential(Trim(value.substr(space + 1)));
  const auto account_header = req.Header("Chronapilot-Account");
  const std::string named = account_header ? std::string(Trim(*account_header)) : "";

  ApiCaller caller;
  if (StartsWith(credential, "sk_live_") || StartsWith(credential, "sk_test_")) {
    const Platform* platform = world.directory.PlatformForSecretKey(credential);
    if (!platform) {
      return deny(Status::Unauthenticated("invalid_api_key",
                                          "Invalid API key provided: " + MaskSecret(credential)),
                  "Bearer error=\"invalid_token\", error_description=\"unknown secret key\"");
    }
    caller.credential = ApiCaller::Credential::kPlatformKey;
    caller.platform_id = platform->id;
    caller.scopes = kAllScopes;
    if (account_header) {
      // The same answer whether the account exists elsewhere or not at all (AUTH-2).
      auto account = world.store.FindAccount(named);
      if (!account || account->platform_id != platform->id ||
          !world.auth.IsAuthorized(account->id)) {
        return deny(
            Status::PermissionDenied("account_invalid", "The account '" + named +
                                                            "' is not connected to your platform."),
            "");
      }
      caller.account_id = account->id;
    }
    return caller;
  }
  auto token = world.auth.CheckAccessToken(credential);
  if (!token.ok()) {
    return deny(token.status(), "Bearer error=\"invalid_token\", error_description=\"" +
                                    token.status().message() + "\"");
  }
  if (account_header && named != token->account_id) {
    return deny(Status::PermissionDenied(
                    "account_invalid",
                    "This access token belongs to another account than '" + named + "'."),
                "");
  }
  caller.credential = ApiCaller::Credential::kAccessToken;
  caller.platform_id = token->platform_id;
  caller.account_id = token->account_id;
  caller.scopes = token->scopes;
  return caller;
}

Status CheckAccountMode(const ApiCaller& caller, AccountMode mode) {
  const bool platform = caller.credential == ApiCaller::Credential::kPlatformKey;
  switch (mode) {
    case AccountMode::kAccount:
      if (platform && caller.account_id.empty()) {
        return Status::InvalidRequest(
            "account_required",
            "This endpoint acts on a connected account: add 'Chronapilot-Account: cpa_…' to use "
            "your platform key.");
      }
      return Status();
    case AccountMode::kPlatformOnly:
      if (!platform || !caller.account_id.empty()) {
        return Status::PermissionDenied(
            "platform_key_required",
            "This endpoint needs your platform secret key without a Chronapilot-Account header.");
      }
      return Status();
    case AccountMode::kAccountOrPlatform:
      return Status();
  }
  return Status();
}

HttpResponse WithChallenge(HttpResponse res, const std::string& challenge) {
  if (!challenge.empty()) res.SetHeader("WWW-Authenticate", challenge);
  return res;
}

// Idempotency-Key: printable ASCII, at most 255 characters.
bool IsValidIdempotencyKey(const std::string& key) {
  return !key.empty() && key.size() <= 255 && IsVisibleAscii(key);
}

HttpResponse Serve(RequestContext& ctx, const Endpoint& endpoint) {
  const HttpRequest& req = ctx.request;
  World& world = *ctx.world;

  auto query = Form::Parse(req.query, "query");
  if (!query.ok()) return ApiErrorResponse(query.status());

  // Authenticate
  Denial denial;
  auto caller = Authenticate(req, *query, world, denial);
  if (!caller.ok()) return WithChallenge(ApiErrorResponse(denial.status), denial.www_authenticate);
  if (Status s = CheckAccountMode(*caller, endpoint.mode); !s.ok()) return ApiErrorResponse(s);

  // Scope (AUTH-4)
  if (endpoint.scope != 0 && !(caller->scopes & endpoint.scope)) {
    const std::string name = ScopesToString(endpoint.scope);
    return WithChallenge(
        ApiErrorResponse(Status::PermissionDenied(
            "insufficient_scope", "This access token lacks the " + name + " scope.")),
        "Bearer error=\"insufficient_scope\", scope=\"" + name + "\"");
  }

  // Parse the body (RES-7)
  Json body = Json::object();
  const bool writes = req.method == "POST" || req.method == "PATCH";
  if (writes) {
    auto parsed = ParseJsonObjectBody(req, /*allow_empty=*/true);
    if (!parsed.ok()) return ApiErrorResponse(parsed.status());
    body = std::move(parsed).value();
  }

  if (!endpoint.list) {
    if (Status s = CheckQueryParams(*query, {}); !s.ok()) return ApiErrorResponse(s);
  }

  const int64_t now = ctx.mock.clock().NowSeconds();
  ApiCall call{world, *caller, *query, body, ctx.params, now};
  auto run = [&]() -> IdempotencyStore::Response {
    auto result = endpoint.handler(call);
    if (!result.ok()) {
      HttpResponse err = ApiErrorResponse(result.status());
      return {err.status, std::move(err.body)};
    }
    return {200, std::move(result).value()};
  };
  auto respond = [](const IdempotencyStore::Response& r) {
    HttpResponse res;
    res.status = r.status;
    res.content_type = "application/json; charset=utf-8";
    res.body = r.body;
    return res;
  };

  // Idempotency (RES-6), for POST only
  auto key = req.method == "POST" ? req.Header("Idempotency-Key") : std::nullopt;
  if (!key) return respond(run());
  if (req.HeaderCount("Idempotency-Key") > 1 || !IsValidIdempotencyKey(*key)) {
    return ApiErrorResponse(Status::InvalidRequest(
        "parameter_invalid", "Idempotency-Key must be 1-255 printable ASCII characters, sent once",
        "Idempotency-Key"));
  }
  const std::string scope = caller->platform_id + '\n' + caller->account_id;
  const std::string fingerprint = Sha256(req.method + ' ' + req.path + '\n' + req.body);
  IdempotencyStore::Response replay;
  switch (world.idempotency.Begin(scope, *key, fingerprint, now, &replay)) {
    case IdempotencyStore::Outcome::kReplay: {
      HttpResponse res = respond(replay);
      res.SetHeader("Idempotent-Replayed", "true");
      return res;
    }
    case IdempotencyStore::Outcome::kConflict:
      return ApiErrorResponse(Status::Conflict(
          "idempotency_key_in_use",
          "Keys for idempotent requests can only be used with the same parameters they were "
          "first used with. Use a new Idempotency-Key for a different request."));
    case IdempotencyStore::Outcome::kProceed:
      break;
  }
  IdempotencyStore::Response answer;
  try {
    answer = run();
  } catch (...) {
    // Release the key, or every retry with it would wait forever for this request.
    world.idempotency.Finish(scope, *key, {}, /*keep=*/false, now);
    throw;
  }
  world.idempotency.Finish(scope, *key, answer, /*keep=*/answer.status < 500, now);
  return respond(answer);
}

void Add(Router& router, const char* method, const char* pattern, Endpoint endpoint) {
  router.Add(method, pattern, [endpoint](RequestContext& ctx) { return Serve(ctx, endpoint); });
}

}  // namespace

void RegisterApiEndpoints(Router& router) {
  Add(router, "GET", "/v1/accounts", {ListAccounts, 0, AccountMode::kPlatformOnly, /*list=*/true});
  Add(router, "GET", "/v1/accounts/{id}", {GetAccount, 0, AccountMode::kPlatformOnly});
  Add(router, "GET", "/v1/provider_connections",
      {ListProviderConnections, kCalendarsRead, AccountMode::kAccount, /*list=*/true});
  Add(router, "GET", "/v1/provider_connections/{id}",
      {GetProviderConnection, kCalendarsRead, AccountMode::kAccount});
  Add(router, "GET", "/v1/calendars",
      {ListCalendars, kCalendarsRead, AccountMode::kAccount, /*list=*/true});
  Add(router, "GET", "/v1/calendars/{id}", {GetCalendar, kCalendarsRead, AccountMode::kAccount});
  Add(router, "GET", "/v1/events", {ListEvents, kEventsRead, AccountMode::kAccount, /*list=*/true});
  Add(router, "POST", "/v1/events", {CreateEvent, kEventsWrite, AccountMode::kAccount});
  Add(router, "GET", "/v1/events/{id}", {GetEvent, kEventsRead, AccountMode::kAccount});
  Add(router, "PATCH", "/v1/events/{id}", {UpdateEvent, kEventsWrite, AccountMode::kAccount});
  Add(router, "DELETE", "/v1/events/{id}", {DeleteEvent, kEventsWrite, AccountMode::kAccount});
  Add(router, "POST", "/v1/webhook_endpoints",
      {CreateWebhookEndpoint, kWebhooksManage, AccountMode::kAccountOrPlatform});
  Add(router, "GET", "/v1/webhook_endpoints",
      {ListWebhookEndpoints, kWebhooksManage, AccountMode::kAccountOrPlatform, /*list=*/true});
  Add(router, "GET", "/v1/webhook_endpoints/{id}",
      {GetWebhookEndpoint, kWebhooksManage, AccountMode::kAccountOrPlatform});
  Add(router, "DELETE", "/v1/webhook_endpoints/{id}",
      {DeleteWebhookEndpoint, kWebhooksManage, AccountMode::kAccountOrPlatform});
  Add(router, "POST", "/v1/webhook_endpoints/{id}/rotate_secret",
      {RotateWebhookSecret, kWebhooksManage, AccountMode::kAccountOrPlatform});
}

}  // namespace chronapilot
