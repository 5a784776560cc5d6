// The HTTP face of the authorization server (SPEC §2-3): request parsing that OAuth defines in
// HTTP terms (content type, Basic credentials, no secrets in the URL) and the rendering of
// AuthServer's answers as redirects, HTML pages and JSON. The OAuth rules themselves are in
// oauth.cc.
#include "mock/consent_page.h"
#include "mock/crypto.h"
#include "mock/form.h"
#include "mock/mock.h"
#include "mock/text.h"

namespace chronapilot {
namespace {

// Pages and token responses are never cached (RFC 6749 §5.1); the consent page is never framed
// (clickjacking, RFC 9700 §4.16).
void NoStore(HttpResponse& res) {
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("Pragma", "no-cache");
}

HttpResponse PageResponse(int status, std::string html) {
  HttpResponse res = HttpResponse::Html(status, std::move(html));
  NoStore(res);
  res.SetHeader("X-Frame-Options", "DENY");
  res.SetHeader("Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
  res.SetHeader("Referrer-Policy", "no-referrer");
  return res;
}

// AUTHZ-2: an error that must not redirect, as HTML for people or JSON for programs that ask.
HttpResponse AuthorizeErrorPage(const HttpRequest& req, const Status& status) {
  const auto accept = req.Header("Accept");
  if (accept && ToLower(*accept).find("application/json") != std::string::npos) {
    return OAuthErrorResponse(status);
  }
  return PageResponse(HttpStatusFor(status.kind()), RenderErrorPage(status));
}

HttpResponse RedirectTo(std::string location) {
  HttpResponse res = HttpResponse::Redirect(std::move(location));
  NoStore(res);
  return res;
}

bool IsFormContentType(const HttpRequest& req) {
  auto type = req.Header("Content-Type");
  if (!type) return false;
  std::string media = ToLower(Trim(type->substr(0, type->find(';'))));
  return media == "application/x-www-form-urlencoded";
}

HttpResponse ConsentPage(const World& world, const std::string& consent_id,
                         const AuthorizationRequest& request, const std::string& login,
                         const std::string& error, int status) {
  ConsentPageView view;
  const OAuthClient* client = world.directory.FindClient(request.client_id);
  const Platform* platform = world.directory.FindPlatform(request.platform_id);
  view.platform_name = platform ? platform->name : request.platform_id;
  view.client_name = client ? client->name : "";
  view.consent_id = consent_id;
  view.requested = request.scopes;
  view.login = login;
  view.error = error;
  return PageResponse(status, RenderConsentPage(view));
}

// GET /oauth/authorize
HttpResponse Authorize(RequestContext& ctx) {
  auto query = Form::Parse(ctx.request.query, "query");
  if (!query.ok()) return AuthorizeErrorPage(ctx.request, query.status());
  World& world = *ctx.world;
  auto outcome =
      world.auth.Authorize(*query, ctx.mock.IssuerFor(ctx.request), ctx.mock.AutoConsent(world));
  if (!outcome.ok()) return AuthorizeErrorPage(ctx.request, outcome.status());
  if (!outcome->redirect.empty()) return RedirectTo(outcome->redirect);
  return ConsentPage(world, outcome->consent_id, outcome->request, outcome->request.login_hint, "",
                     200);
}

// POST /oauth/authorize/decision: the consent form.
HttpResponse Decide(RequestContext& ctx) {
  if (!IsFormContentType(ctx.request)) {
    return AuthorizeErrorPage(ctx.request,
                              Status::InvalidRequest("invalid_request",
                                                     "the consent form must be sent as "
                                                     "application/x-www-form-urlencoded"));
  }
  auto form = Form::Parse(ctx.request.body, "body");
  if (!form.ok()) return AuthorizeErrorPage(ctx.request, form.status());
  World& world = *ctx.world;
  auto decided = world.auth.Decide(*form);
  if (decided.ok()) return RedirectTo(*decided);
  const Status& error = decided.status();
  if (error.code() == "invalid_login" || error.code() == "invalid_scope") {
    // The consent is still pending: show the page again with the problem named.
    const std::string consent_id = form->Get("consent_id").value_or("");
    if (auto pending = world.auth.PendingConsent(consent_id)) {
      return ConsentPage(world, consent_id, *pending, form->Get("login").value_or(""),
                         error.message(), 400);
    }
  }
  return AuthorizeErrorPage(ctx.request, error);
}

// The parts of a token or revocation request that HTTP carries: the query must be empty, the
// body a form, and client credentials either in a Basic header or in the form.
struct ClientRequest {
  std::optional<BasicCredentials> basic;
  bool basic_attempted = false;  // an Authorization header was sent, valid or not
  Form body;
};

Status InvalidClientBasic(const std::string& message) {
  return Status::Unauthenticated("invalid_client", message);
}

StatusOr<ClientRequest> ParseClientRequest(const HttpRequest& req) {
  ClientRequest out;
  // TOKEN-2: a secret in the URL ends up in logs and browser history; refuse every parameter.
  auto query = Form::Parse(req.query, "query");
  if (!query.ok() || !query->empty()) {
    std::string message = "send parameters in the request body, not the URL query (RFC 6749 §3.2)";
    if (query.ok() && (query->Count("client_secret") || query->Count("code_verifier") ||
                       query->Count("refresh_token") || query->Count("code"))) {
      message = "secrets must never be sent in the URL query; " + message;
    }
    return Status::InvalidRequest("invalid_request", message);
  }
  if (!IsFormContentType(req)) {
    return Status::InvalidRequest(
        "invalid_request", "the body must be application/x-www-form-urlencoded (RFC 6749 §3.2)");
  }
  if (req.HeaderCount("Authorization") > 1) {
    return Status::InvalidRequest("invalid_request", "Authorization was sent more than once");
  }
  if (auto auth = req.Header("Authorization")) {
    out.basic_attempted = true;
    std::string_view value = Trim(*auth);
    const size_t space = value.find(' ');
    if (space == std::string_view::npos || !EqualsIgnoreCase(value.substr(0, space), "basic")) {
      return InvalidClientBasic(
          "client authentication must use the Basic scheme (client_secret_basic)");
    }
    auto decoded = Base64Decode(Trim(value.substr(space + 1)));
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos) {
      return InvalidClientBasic("malformed Basic credentials: expected base64 of id:secret");
    }
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined with ':'.
    auto id = PercentDecode(decoded->substr(0, colon), true);
    auto secret = PercentDecode(decoded->substr(colon + 1), true);
    if (!id || !secret || id->empty() || !IsValidUtf8(*id) || !IsValidUtf8(*secret)) {
      return InvalidClientBasic(
          "malformed Basic credentials: id and secret must be form-urlencoded (RFC 6749 §2.3.1)");
    }
    out.basic = BasicCredentials{*id, *secret};
  }
  auto body = Form::Parse(req.body, "body");
  if (!body.ok()) return body.status();
  out.body = std::move(body).value();
  return out;
}

HttpResponse ClientError(const Status& status, bool basic_attempted) {
  HttpResponse res = OAuthErrorResponse(status);
  // RFC 6749 §5.2: a failed Basic authentication answers 401 with a challenge.
  if (status.code() == "invalid_client" && basic_attempted) {
    res.SetHeader("WWW-Authenticate", "Basic realm=\"chronapilot\"");
  }
  return res;
}

// POST /oauth/token
HttpResponse Token(RequestContext& ctx) {
  auto parsed = ParseClientRequest(ctx.request);
  if (!parsed.ok()) {
    return ClientError(parsed.status(), ctx.request.Header("Authorization").has_value());
  }
  auto tokens = ctx.world->auth.Token(parsed->basic, parsed->body);
  if (!tokens.ok()) return ClientError(tokens.status(), parsed->basic_attempted);
  HttpResponse res = HttpResponse::Json(200, tokens->ToJson());
  NoStore(res);  // TOKEN-5
  return res;
}

// POST /oauth/revoke
HttpResponse Revoke(RequestContext& ctx) {
  auto parsed = ParseClientRequest(ctx.request);
  if (!parsed.ok()) {
    return ClientError(parsed.status(), ctx.request.Header("Authorization").has_value());
  }
  Status revoked = ctx.world->auth.Revoke(parsed->basic, parsed->body);
  if (!revoked.ok()) return ClientError(revoked, parsed->basic_attempted);
  HttpResponse res = HttpResponse::Json(200, Json::object());
  NoStore(res);
  return res;
}

// GET /.well-known/oauth-authorization-server (TOKEN-9, RFC 8414)
HttpResponse Metadata(RequestContext& ctx) {
  const std::string issuer = ctx.mock.IssuerFor(ctx.request);
  Json scopes = Json::array();
  for (const ScopeInfo& info : AllScopeInfo()) scopes.push_back(info.name);
  const Json auth_methods = {"client_secret_basic", "client_secret_post", "none"};
  return HttpResponse::Json(
      200, Json{{"issuer", issuer},
                {"authorization_endpoint", issuer + "/oauth/authorize"},
                {"token_endpoint", issuer + "/oauth/token"},
                {"revocation_endpoint", issuer + "/oauth/revoke"},
                {"scopes_supported", scopes},
                {"response_types_supported", Json::array({"code"})},
                {"response_modes_supported", Json::array({"query"})},
                {"grant_types_supported", Json::array({"authorization_code", "refresh_token"})},
                {"code_challenge_methods_supported", Json::array({"S256"})},
                {"token_endpoint_auth_methods_supported", auth_methods},
                {"revocation_endpoint_auth_methods_supported", auth_methods},
                {"authorization_response_iss_parameter_supported", true}});
}

}  // namespace

void RegisterOAuthEndpoints(Router& router) {
  router.Add("GET", "/oauth/authorize", Authorize);
  router.Add("POST", "/oauth/authorize/decision", Decide);
  router.Add("POST", "/oauth/token", Token);
  router.Add("POST", "/oauth/revoke", Revoke);
  router.Add("GET", "/.well-known/oauth-authorization-server", Metadata);
}

}  // namespace chronapilot
