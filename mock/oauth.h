// The OAuth 2.0 authorization server of ChronaPilot Connect (SPEC §2-3): authorization requests
// and consent, authorization codes bound to PKCE, the token endpoint's two grants with refresh
// token rotation, revocation, and the access-token check the API uses. It speaks OAuth's own
// data (forms, error codes) but no HTTP: oauth_endpoints.cc turns its answers into redirects,
// pages and JSON.
//
// Secrets (codes, tokens, consent ids) are stored under their SHA-256, so a lookup compares
// digests and a memory dump holds no usable token; client secrets are compared in constant time.
//
// Thread safety: every member below mu_ is guarded by it. Store and EventSink are called only
// with mu_ released (lock order: never Store while holding mu_), so a webhook sink may call back.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mock/clock.h"
#include "mock/events.h"
#include "mock/form.h"
#include "mock/json.h"
#include "mock/scopes.h"
#include "mock/status.h"
#include "mock/store.h"

namespace chronapilot {

// Lifetimes, on the virtual clock.
constexpr int64_t kCodeLifetimeSeconds = 60;           // AUTHZ-6
constexpr int64_t kAccessTokenLifetimeSeconds = 3600;  // TOKEN-5
constexpr int64_t kConsentLifetimeSeconds = 600;       // AUTHZ-4 "short-lived"

// A validated GET /oauth/authorize.
struct AuthorizationRequest {
  std::string client_id;
  std::string platform_id;
  std::string redirect_uri;         // where the user agent goes back to
  bool redirect_uri_given = false;  // TOKEN-3: the token request must then repeat it
  ScopeSet scopes = 0;
  std::optional<std::string> state;
  std::string code_challenge;  // S256; empty when a confidential client skipped PKCE
  std::string login_hint;
  std::string issuer;  // the `iss` of the response (RFC 9207)
};

// Where GET /oauth/authorize sends the user agent next: a redirect (an error, or the code when
// consent is automatic) or the consent page.
struct AuthorizeOutcome {
  std::string redirect;    // non-empty: 302 here
  std::string consent_id;  // otherwise: show the consent page for this id
  AuthorizationRequest request;
};

// Client credentials from an `Authorization: Basic` header, already form-urldecoded
// (RFC 6749 §2.3.1). Credentials in the body travel in the Form.
struct BasicCredentials {
  std::string client_id;
  std::string secret;
};

// The token response of TOKEN-5, field for field.
struct TokenSet {
  std::string access_token;
  std::string refresh_token;
  ScopeSet scopes = 0;
  std::string account_id;
  Json ToJson() const;
};

// What a valid access token allows (SPEC AUTH-1).
struct AccessTokenInfo {
  std::string account_id;
  std::string platform_id;
  std::string client_id;
  ScopeSet scopes = 0;
};

class AuthServer {
 public:
  // Loads the fixture grants (FIX-4). `directory`, `store`, `clock` and `events` must outlive it.
  AuthServer(const Fixtures& fixtures, const Directory& directory, Store& store, const Clock& clock,
             EventSink& events);

  // GET /oauth/authorize (AUTHZ-1..3, AUTHZ-5). A non-OK status means the request may not be
  // answered with a redirect (unknown client, unregistered redirect URI, AUTHZ-2): the caller
  // shows an error page. Every other problem comes back as an error redirect.
  StatusOr<AuthorizeOutcome> Authorize(const Form& query, const std::string& issuer,
                                       bool auto_consent);

  // The request behind a consent id that is still waiting for a decision.
  std::optional<AuthorizationRequest> PendingConsent(std::string_view consent_id) const;

  // POST /oauth/authorize/decision (AUTHZ-4): `consent_id`, `decision` (allow|deny), `login`
  // (the end-user's email) and one `scope` per ticked box. Returns the redirect (code or
  // access_denied). Errors: an unknown, used or expired consent (code "invalid_request"); an
  // invalid email or scope selection (codes "invalid_login", "invalid_scope"), which leave the
  // consent pending so that the page can be shown again.
  StatusOr<std::string> Decide(const Form& form);

  // POST /oauth/token (TOKEN-1..7, TOKEN-10). `basic` holds the Basic credentials when the
  // request had an Authorization header. Errors carry the OAuth error code; invalid_client is
  // kUnauthenticated (401), everything else kInvalidRequest (400).
  StatusOr<TokenSet> Token(const std::optional<BasicCredentials>& basic, const Form& body);

  // POST /oauth/revoke (TOKEN-8, RFC 7009). OK for unknown tokens and tokens of other clients.
  Status Revoke(const std::optional<BasicCredentials>& basic, const Form& body);

  // The API's check of `Authorization: Bearer cat_…`: an unknown, revoked or expired token is
  // kUnauthenticated with code "invalid_token".
  StatusOr<AccessTokenInfo> CheckAccessToken(std::string_view token) const;

  // Whether the account is connected to its platform: from its first consent until its last
  // grant is revoked (AUTH-2 impersonation needs it).
  bool IsAuthorized(const std::string& account_id) const;

 private:
  struct Grant {  // one authorization: the family of tokens it issued (RFC 9700 §4.14)
    std::string client_id;
    std::string account_id;
    std::string platform_id;
    ScopeSet scopes = 0;  // of the refresh token; access tokens may be narrower
    bool revoked = false;
  };
  struct Code {
    AuthorizationRequest request;
    std::string account_id;
    ScopeSet scopes = 0;  // granted, maybe fewer than requested
    Micros expires_at = 0;
    bool redeemed = false;
    std::string grant_id;  // set when redeemed, to revoke on reuse (TOKEN-4)
  };
  struct AccessToken {
    std::string grant_id;
    ScopeSet scopes = 0;
    std::optional<Micros> expires_at;  // nullopt: never (fixtures)
  };
  struct RefreshToken {
    std::string grant_id;
    bool current = true;  // false once rotated out
  };
  struct Consent {
    AuthorizationRequest request;
    Micros expires_at = 0;
  };

  StatusOr<const OAuthClient*> AuthenticateClient(const std::optional<BasicCredentials>& basic,
                                                  const Form& body) const;
  StatusOr<TokenSet> ExchangeCode(const OAuthClient& client, const Form& body);
  StatusOr<TokenSet> RefreshGrant(const OAuthClient& client, const Form& body);
  // REQUIRES: mu_ held (reads the clock only).
  Status CheckCodeBinding(const Code& code, const OAuthClient& client, const Form& body) const;
  // Approves `request` for `email` with `granted` scopes: makes the account if needed and a code.
  std::string Approve(const AuthorizationRequest& request, const std::string& email,
                      ScopeSet granted);

  // REQUIRES: mu_ held.
  TokenSet IssueTokensLocked(const std::string& grant_id, ScopeSet access_scopes);
  void RevokeGrantLocked(const std::string& grant_id, std::vector<DomainEvent>& events);
  // Every 256 new consents or codes: drops expired consents and codes that expired unused an
  // hour ago, so that abandoned flows do not grow memory. Redeemed codes stay (TOKEN-4).
  void MaybeSweepLocked();
  void PublishAll(std::vector<DomainEvent>& events);

  const Directory& directory_;
  Store& store_;
  const Clock& clock_;
  EventSink& events_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, Consent> consents_;             // by SHA-256 of the id
  std::unordered_map<std::string, Code> codes_;                   // by SHA-256 of the code
  std::unordered_map<std::string, Grant> grants_;                 // by grant id
  std::unordered_map<std::string, AccessToken> access_tokens_;    // by SHA-256 of the token
  std::unordered_map<std::string, RefreshToken> refresh_tokens_;  // by SHA-256 of the token
  // Accounts that currently count as authorized, and their live grants: account.authorized
  // fires when an account enters this map, account.deauthorized when its last grant goes.
  std::unordered_map<std::string, std::set<std::string>> authorized_;
  size_t inserts_since_sweep_ = 0;
};

// Syntax checks shared with tests.
bool IsValidCodeChallenge(std::string_view challenge);  // 43 chars of base64url (RFC 7636 §4.2)
bool IsValidCodeVerifier(std::string_view verifier);    // 43-128 of [A-Za-z0-9-._~] (§4.1)

}  // namespace chronapilot
