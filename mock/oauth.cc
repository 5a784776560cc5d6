#include "mock/oauth.h"

#include "mock/crypto.h"
#include "mock/objects.h"
#include "mock/text.h"
#include "mock/url.h"

namespace chronapilot {
namespace {

constexpr Micros kSecond = 1000000;

Status InvalidRequest(std::string message) {
  return Status::InvalidRequest("invalid_request", std::move(message));
}
Status InvalidGrant(std::string message) {
  return Status::InvalidRequest("invalid_grant", std::move(message));
}
Status InvalidClient(std::string message) {
  return Status::Unauthenticated("invalid_client", std::move(message));
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::string RedirectWithError(const AuthorizationRequest& req, const std::string& error,
                              const std::string& description) {
  Form::Pairs params = {{"error", error}, {"error_description", description}};
  if (req.state) params.emplace_back("state", *req.state);
  params.emplace_back("iss", req.issuer);
  return AppendQuery(req.redirect_uri, params);
}

}  // namespace

bool IsValidCodeChallenge(std::string_view challenge) {
  if (challenge.size() != 43) return false;
  for (char c : challenge) {
    if (!IsBase64UrlChar(c)) return false;
  }
  return true;
}

bool IsValidCodeVerifier(std::string_view verifier) {
  if (verifier.size() < 43 || verifier.size() > 128) return false;
  for (char c : verifier) {
    if (!IsBase64UrlChar(c) && c != '.' && c != '~') return false;
  }
  return true;
}

Json TokenSet::ToJson() const {
  return Json{{"access_token", access_token},
              {"token_type", "Bearer"},
              {"expires_in", kAccessTokenLifetimeSeconds},
              {"refresh_token", refresh_token},
              {"scope", ScopesToString(scopes)},
              {"connected_account_id", account_id}};
}

AuthServer::AuthServer(const Fixtures& fixtures, const Directory& directory, Store& store,
                       const Clock& clock, EventSink& events)
    : directory_(directory), store_(store), clock_(clock), events_(events) {
  for (const Account& account : fixtures.accounts) authorized_[account.id];
  for (const FixtureGrant& g : fixtures.grants) {
    const std::string grant_id = NewId("grant_");
    const OAuthClient* client = directory_.FindClient(g.client_id);
    grants_[grant_id] =
        Grant{g.client_id, g.account_id, client ? client->platform_id : "", g.scopes};
    authorized_[g.account_id].insert(grant_id);
    std::optional<Micros> expires;
    if (g.expires_at) expires = *g.expires_at * kSecond;
    access_tokens_[Sha256(g.access_token)] = AccessToken{grant_id, g.scopes, expires};
    if (!g.refresh_token.empty()) refresh_tokens_[Sha256(g.refresh_token)] = RefreshToken{grant_id};
  }
}

// --- Authorization endpoint ---------------------------------------------------------------------

StatusOr<AuthorizeOutcome> AuthServer::Authorize(const Form& query, const std::string& issuer,
                                                 bool auto_consent) {
  // AUTHZ-2: until the client and its redirect URI are known to be right, nothing may redirect.
  if (query.Count("client_id") > 1) return InvalidRequest("client_id was sent more than once");
  auto client_id = query.Get("client_id");
  if (!client_id) return InvalidRequest("client_id is required");
  const OAuthClient* client = directory_.FindClient(*client_id);
  if (!client) {
    return Status::InvalidRequest("invalid_client",
                                  "no client with client_id \"" + *client_id + "\" is registered");
  }
  if (query.Count("redirect_uri") > 1)
    return InvalidRequest("redirect_uri was sent more than once");
  AuthorizationRequest req;
  req.client_id = client->id;
  req.platform_id = client->platform_id;
  req.issuer = issuer;
  if (auto given = query.Get("redirect_uri")) {
    bool registered = false;
    for (const std::string& uri : client->redirect_uris) {
      registered = registered || RedirectUriMatches(uri, *given);
    }
    if (!registered) {
      return InvalidRequest("redirect_uri \"" + *given + "\" is not registered for client " +
                            client->id +
                            "; it must match a registered URI exactly (only loopback "
                            "http://127.0.0.1 and http://[::1] URIs may differ in the port)");
    }
    req.redirect_uri = *given;
    req.redirect_uri_given = true;
  } else if (client->redirect_uris.size() == 1) {
    req.redirect_uri = client->redirect_uris.front();
  } else {
    return InvalidRequest("redirect_uri is required: client " + client->id + " registered " +
                          std::to_string(client->redirect_uris.size()) + " redirect URIs");
  }

  // From here on every error goes back to the client (AUTHZ-3). state first, so it can be echoed.
  auto fail = [&](const std::string& error, const std::string& description) {
    AuthorizeOutcome out;
    out.request = req;
    out.redirect = RedirectWithError(req, error, description);
    return out;
  };
  if (query.Count("state") == 1) {
    std::string state = *query.Get("state");
    // RFC 6749 Appendix A.5: state is VSCHAR (%x20-7E). CR/LF and other bytes are not echoed.
    if (!IsVisibleAscii(state)) {
      return fail("invalid_request", "state may only contain printable ASCII (%x20-7E)");
    }
    req.state = std::move(state);
  }
  if (auto repeated = query.FirstRepeated()) {
    return fail("invalid_request", *repeated + " was sent more than once");
  }
  auto response_type = query.Get("response_type");
  if (!response_type) return fail("invalid_request", "response_type is required");
  if (*response_type != "code") {
    return fail("unsupported_response_type", "only response_type=code is supported");
  }
  auto scope = query.Get("scope");
  if (!scope) return fail("invalid_request", "scope is required");
  std::string unknown;
  auto scopes = ParseScopes(*scope, &unknown);
  if (!scopes) {
    return fail("invalid_scope", "unknown scope \"" + unknown +
                                     "\"; scopes are events:read events:write calendars:read "
                                     "webhooks:manage");
  }
  if (*scopes == 0) return fail("invalid_scope", "scope names no scope");
  req.scopes = *scopes;

  auto challenge = query.Get("code_challenge");
  auto method = query.Get("code_challenge_method");
  if (challenge) {
    // RFC 7636 §4.3: a challenge without a method is "plain", which is refused (AUTHZ-3).
    if (!method) {
      return fail("invalid_request",
                  "code_challenge_method is required: without it the method is \"plain\", "
                  "and only S256 is accepted");
    }
    if (*method != "S256") {
      return fail("invalid_request",
                  "code_challenge_method must be S256; \"" + *method + "\" is not accepted");
    }
    if (!IsValidCodeChallenge(*challenge)) {
      return fail("invalid_request",
                  "code_challenge must be 43 base64url characters: BASE64URL(SHA256(verifier)) "
                  "without padding");
    }
    req.code_challenge = *challenge;
  } else if (method) {
    return fail("invalid_request", "code_challenge_method was sent without code_challenge");
  } else if (!client->confidential) {
    return fail("invalid_request",
                "PKCE is required for public clients: send code_challenge and "
                "code_challenge_method=S256");
  }
  if (auto hint = query.Get("login_hint")) {
    if (!IsPlausibleEmail(*hint))
      return fail("invalid_request", "login_hint must be an email address");
    req.login_hint = ToLower(*hint);
  }

  AuthorizeOutcome out;
  out.request = req;
  if (auto_consent) {
    // AUTHZ-5: approve everything asked, for login_hint or the default end-user.
    out.redirect =
        Approve(req, req.login_hint.empty() ? "alice@example.com" : req.login_hint, req.scopes);
    return out;
  }
  out.consent_id = NewSecret("consent_");
  std::lock_guard lock(mu_);
  MaybeSweepLocked();
  consents_[Sha256(out.consent_id)] =
      Consent{req, clock_.NowMicros() + kConsentLifetimeSeconds * kSecond};
  return out;
}

std::optional<AuthorizationRequest> AuthServer::PendingConsent(std::string_view consent_id) const {
  std::lock_guard lock(mu_);
  auto it = consents_.find(Sha256(consent_id));
  if (it == consents_.end() || clock_.NowMicros() > it->second.expires_at) return std::nullopt;
  return it->second.request;
}

StatusOr<std::string> AuthServer::Decide(const Form& form) {
  for (const char* name : {"consent_id", "decision", "login"}) {
    if (form.Count(name) > 1) return InvalidRequest(std::string(name) + " was sent more than once");
  }
  auto consent_id = form.Get("consent_id");
  if (!consent_id) return InvalidRequest("consent_id is required");
  auto decision = form.Get("decision");
  if (!decision || (*decision != "allow" && *decision != "deny")) {
    return InvalidRequest("decision must be allow or deny");
  }
  const std::string key = Sha256(*consent_id);
  AuthorizationRequest req;
  {
    std::lock_guard lock(mu_);
    auto it = consents_.find(key);
    if (it == consents_.end() || clock_.NowMicros() > it->second.expires_at) {
      if (it != consents_.end()) consents_.erase(it);
      return InvalidRequest(
          "this consent request is unknown, already answered or expired; start again from the "
          "application");
    }
    req = it->second.request;
    if (*decision == "deny") {
      consents_.erase(it);
      return RedirectWithError(req, "access_denied", "the user denied the request");
    }
  }
  auto login = form.Get("login");
  if (!login || !IsPlausibleEmail(*login)) {
    return Status::InvalidRequest("invalid_login", "Enter the email address you sign in with.",
                                  "login");
  }
  ScopeSet granted = 0;
  for (const std::string& name : form.GetAll("scope")) {
    auto scope = ScopeFromName(name);
    if (!scope || !(req.scopes & *scope)) {
      return Status::InvalidRequest("invalid_scope",
                                    "\"" + name + "\" was not among the requested scopes", "scope");
    }
    granted |= *scope;
  }
  {
    std::lock_guard lock(mu_);
    // Single use: whoever erases the consent answers it; a concurrent second answer fails here.
    if (consents_.erase(key) == 0) {
      return InvalidRequest("this consent request was already answered");
    }
  }
  if (granted == 0) {
    return RedirectWithError(req, "access_denied", "the user granted none of the requested scopes");
  }
  return Approve(req, ToLower(*login), granted);
}

std::string AuthServer::Approve(const AuthorizationRequest& request, const std::string& email,
                                ScopeSet granted) {
  const Store::AccountLookup found =
      store_.FindOrCreateAccount(request.platform_id, email, clock_.NowSeconds());
  const std::string code = NewSecret("cac_");
  std::vector<DomainEvent> events;
  {
    std::lock_guard lock(mu_);
    Code record;
    record.request = request;
    record.account_id = found.account.id;
    record.scopes = granted;
    record.expires_at = clock_.NowMicros() + kCodeLifetimeSeconds * kSecond;
    MaybeSweepLocked();
    codes_[Sha256(code)] = std::move(record);
    if (authorized_.emplace(found.account.id, std::set<std::string>{}).second) {
      events.push_back({request.platform_id, found.account.id, "account.authorized", ""});
    }
  }
  PublishAll(events);
  Form::Pairs params = {{"code", code}};
  if (request.state) params.emplace_back("state", *request.state);
  params.emplace_back("iss", request.issuer);
  return AppendQuery(request.redirect_uri, params);
}

// --- Token endpoint -----------------------------------------------------------------------------

StatusOr<const OAuthClient*> AuthServer::AuthenticateClient(
    const std::optional<BasicCredentials>& basic, const Form& body) const {
  const auto body_id = body.Get("client_id");
  const auto body_secret = body.Get("client_secret");
  if (basic) {
    // RFC 6749 §2.3: one authentication method per request (TOKEN-10).
    if (body_secret) {
      return InvalidRequest(
          "the client authenticated twice: use HTTP Basic or client_secret in the body, not both");
    }
    if (body_id && *body_id != basic->client_id) {
      return InvalidRequest("client_id in the body differs from the one in the Basic credentials");
    }
    const OAuthClient* client = directory_.FindClient(basic->client_id);
    if (!client) return InvalidClient("unknown client \"" + basic->client_id + "\"");
    if (!client->confidential) {
      return InvalidClient("client " + client->id +
                           " is public and has no secret: send client_id "
                           "in the body instead of Basic credentials");
    }
    if (!SecretEquals(basic->secret, client->secret)) {
      return InvalidClient("client authentication failed: wrong client secret");
    }
    return client;
  }
  if (!body_id) {
    return InvalidClient(
        "client authentication required: send client_id (public clients) or "
        "HTTP Basic credentials (confidential clients)");
  }
  const OAuthClient* client = directory_.FindClient(*body_id);
  if (!client) return InvalidClient("unknown client \"" + *body_id + "\"");
  if (client->confidential) {
    if (!body_secret) {
      return InvalidClient("client " + client->id +
                           " is confidential: authenticate with HTTP Basic or client_secret");
    }
    if (!SecretEquals(*body_secret, client->secret)) {
      return InvalidClient("client authentication failed: wrong client secret");
    }
  } else if (body_secret) {
    return InvalidClient("client " + client->id + " is public and has no secret");
  }
  return client;
}

StatusOr<TokenSet> AuthServer::Token(const std::optional<BasicCredentials>& basic,
                                     const Form& body) {
  if (auto repeated = body.FirstRepeated()) {
    return InvalidRequest(*repeated + " was sent more than once");
  }
  auto client = AuthenticateClient(basic, body);
  if (!client.ok()) return client.status();
  auto grant_type = body.Get("grant_type");
  if (!grant_type) return InvalidRequest("grant_type is required");
  if (*grant_type == "authorization_code") return ExchangeCode(**client, body);
  if (*grant_type == "refresh_token") return RefreshGrant(**client, body);
  return Status::InvalidRequest("unsupported_grant_type",
                                "grant_type \"" + *grant_type +
                                    "\" is not supported; use authorization_code or refresh_token");
}

StatusOr<TokenSet> AuthServer::ExchangeCode(const OAuthClient& client, const Form& body) {
  auto code = body.Get("code");
  if (!code) return InvalidRequest("code is required");
  std::vector<DomainEvent> events;
  StatusOr<TokenSet> result = InvalidGrant("unknown authorization code");
  {
    std::lock_guard lock(mu_);
    auto it = codes_.find(Sha256(*code));
    if (it == codes_.end()) return result;
    Code& rec = it->second;
    if (rec.redeemed) {
      // TOKEN-4 [RFC 6749 §4.1.2]: a replayed code may be stolen; revoke what it issued.
      RevokeGrantLocked(rec.grant_id, events);
      result = InvalidGrant(
          "authorization code was already used; the tokens issued from it are now revoked");
    } else if (Status bound = CheckCodeBinding(rec, client, body); !bound.ok()) {
      result = bound;
    } else {
      rec.redeemed = true;
      rec.grant_id = NewId("grant_");
      grants_[rec.grant_id] = Grant{client.id, rec.account_id, client.platform_id, rec.scopes};
      authorized_[rec.account_id].insert(rec.grant_id);
      result = IssueTokensLocked(rec.grant_id, rec.scopes);
    }
  }
  PublishAll(events);
  return result;
}

// TOKEN-3, TOKEN-10: the token request must match everything the code is bound to (AUTHZ-6).
Status AuthServer::CheckCodeBinding(const Code& rec, const OAuthClient& client,
                                    const Form& body) const {
  if (rec.request.client_id != client.id) {
    return InvalidGrant("the authorization code was issued to another client");
  }
  if (clock_.NowMicros() > rec.expires_at) {
    return InvalidGrant("authorization code expired (codes live 60 seconds)");
  }
  const auto redirect = body.Get("redirect_uri");
  if (rec.request.redirect_uri_given && !redirect) {
    return InvalidGrant(
        "redirect_uri is required: the authorization request included one (RFC 6749 §4.1.3)");
  }
  if (redirect && *redirect != rec.request.redirect_uri) {
    return InvalidGrant("redirect_uri does not match the one of the authorization request");
  }
  const auto verifier = body.Get("code_verifier");
  if (rec.request.code_challenge.empty()) {
    if (verifier) {
      return InvalidGrant(
          "code_verifier sent, but the authorization request had no code_challenge (PKCE "
          "downgrade, RFC 9700 §2.1.1)");
    }
    return Status();
  }
  if (!verifier) {
    return InvalidGrant(
        "code_verifier is required: the authorization request had a code_challenge");
  }
  if (!IsValidCodeVerifier(*verifier)) {
    return InvalidGrant("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]");
  }
  if (!SecretEquals(S256Challenge(*verifier), rec.request.code_challenge)) {
    return InvalidGrant(
        "code_verifier does not match the code_challenge (BASE64URL(SHA256(code_verifier)) must "
        "equal it)");
  }
  return Status();
}

StatusOr<TokenSet> AuthServer::RefreshGrant(const OAuthClient& client, const Form& body) {
  auto token = body.Get("refresh_token");
  if (!token) return InvalidRequest("refresh_token is required");
  std::optional<ScopeSet> narrowed;
  if (auto scope = body.Get("scope")) {
    std::string unknown;
    narrowed = ParseScopes(*scope, &unknown);
    if (!narrowed)
      return Status::InvalidRequest("invalid_scope", "unknown scope \"" + unknown + "\"");
    if (*narrowed == 0) return Status::InvalidRequest("invalid_scope", "scope names no scope");
  }
  std::vector<DomainEvent> events;
  StatusOr<TokenSet> result = InvalidGrant("unknown refresh token");
  {
    std::lock_guard lock(mu_);
    auto it = refresh_tokens_.find(Sha256(*token));
    if (it == refresh_tokens_.end()) return result;
    RefreshToken& rec = it->second;
    Grant& grant = grants_.at(rec.grant_id);
    if (grant.client_id != client.id) {
      result = InvalidGrant("the refresh token was issued to another client");
    } else if (grant.revoked) {
      result = InvalidGrant("the refresh token was revoked");
    } else if (!rec.current) {
      // TOKEN-6 [RFC 9700 §4.14.2]: a rotated-out token came back; someone holds a copy.
      RevokeGrantLocked(rec.grant_id, events);
      result = InvalidGrant(
          "refresh token was already used and replaced; every token of this grant is now revoked");
    } else if (narrowed && (*narrowed & ~grant.scopes)) {
      result = Status::InvalidRequest(
          "invalid_scope", "scope \"" + ScopesToString(*narrowed & ~grant.scopes) +
                               "\" was not granted; a refresh may only narrow the scope");
    } else {
      rec.current = false;
      // RFC 6749 §6: the new refresh token keeps the grant's scope; only the access token narrows.
      result = IssueTokensLocked(rec.grant_id, narrowed ? *narrowed : grant.scopes);
    }
  }
  PublishAll(events);
  return result;
}

TokenSet AuthServer::IssueTokensLocked(const std::string& grant_id, ScopeSet access_scopes) {
  TokenSet set;
  set.access_token = NewSecret("cat_");
  set.refresh_token = NewSecret("crt_");
  set.scopes = access_scopes;
  set.account_id = grants_.at(grant_id).account_id;
  access_tokens_[Sha256(set.access_token)] = AccessToken{
      grant_id, access_scopes, clock_.NowMicros() + kAccessTokenLifetimeSeconds * kSecond};
  refresh_tokens_[Sha256(set.refresh_token)] = RefreshToken{grant_id, true};
  return set;
}

void AuthServer::RevokeGrantLocked(const std::string& grant_id, std::vector<DomainEvent>& events) {
  auto it = grants_.find(grant_id);
  if (it == grants_.end() || it->second.revoked) return;
  Grant& grant = it->second;
  grant.revoked = true;
  auto account = authorized_.find(grant.account_id);
  if (account == authorized_.end()) return;
  account->second.erase(grant_id);
  if (account->second.empty()) {
    // TOKEN-8: the account's last grant is gone.
    authorized_.erase(account);
    events.push_back({grant.platform_id, grant.account_id, "account.deauthorized", ""});
  }
}

Status AuthServer::Revoke(const std::optional<BasicCredentials>& basic, const Form& body) {
  if (auto repeated = body.FirstRepeated()) {
    return InvalidRequest(*repeated + " was sent more than once");
  }
  auto client = AuthenticateClient(basic, body);
  if (!client.ok()) return client.status();
  auto token = body.Get("token");
  if (!token) return InvalidRequest("token is required");
  std::vector<DomainEvent> events;
  {
    std::lock_guard lock(mu_);
    const std::string key = Sha256(*token);
    std::string grant_id;
    if (auto a = access_tokens_.find(key); a != access_tokens_.end()) grant_id = a->second.grant_id;
    if (auto r = refresh_tokens_.find(key); r != refresh_tokens_.end())
      grant_id = r->second.grant_id;
    // RFC 7009 §2.2: unknown tokens and tokens of other clients answer 200 and change nothing.
    if (!grant_id.empty() && grants_.at(grant_id).client_id == (*client)->id) {
      RevokeGrantLocked(grant_id, events);
    }
  }
  PublishAll(events);
  return Status();
}

StatusOr<AccessTokenInfo> AuthServer::CheckAccessToken(std::string_view token) const {
  std::lock_guard lock(mu_);
  auto it = access_tokens_.find(Sha256(token));
  if (it == access_tokens_.end()) {
    return Status::Unauthenticated("invalid_token", "the access token is not valid");
  }
  const AccessToken& rec = it->second;
  const Grant& grant = grants_.at(rec.grant_id);
  if (grant.revoked)
    return Status::Unauthenticated("invalid_token", "the access token was revoked");
  if (rec.expires_at && clock_.NowMicros() > *rec.expires_at) {
    return Status::Unauthenticated("invalid_token", "the access token expired");
  }
  return AccessTokenInfo{grant.account_id, grant.platform_id, grant.client_id, rec.scopes};
}

void AuthServer::MaybeSweepLocked() {
  if (++inserts_since_sweep_ < 256) return;
  inserts_since_sweep_ = 0;
  const Micros now = clock_.NowMicros();
  for (auto it = consents_.begin(); it != consents_.end();) {
    it = now > it->second.expires_at ? consents_.erase(it) : std::next(it);
  }
  const Micros hour = 3600 * kSecond;
  for (auto it = codes_.begin(); it != codes_.end();) {
    const bool stale = !it->second.redeemed && now > it->second.expires_at + hour;
    it = stale ? codes_.erase(it) : std::next(it);
  }
}

bool AuthServer::IsAuthorized(const std::string& account_id) const {
  std::lock_guard lock(mu_);
  return authorized_.count(account_id) > 0;
}

void AuthServer::PublishAll(std::vector<DomainEvent>& events) {
  for (DomainEvent& e : events) {
    // account.* carry the account as GET /v1/accounts/{id} shows it; the store is read here,
    // with mu_ released (lock order).
    auto account = store_.GetAccount(e.platform_id, e.account_id);
    if (account.ok()) e.data = AccountJson(*account).dump();
    events_.Publish(std::move(e));
  }
}

}  // namespace chronapilot
