#include "harness/reference_client/defects.h"

namespace chronapilot::sdk {

const std::vector<DefectInfo>& AllDefects() {
  static const std::vector<DefectInfo> kDefects = {
      {Defect::kPlainPkce, "plain_pkce",
       "code_challenge_method=plain: the challenge is the verifier itself"},
      {Defect::kNoPkce, "no_pkce", "no code_challenge in the authorize URL, no code_verifier"},
      {Defect::kConstantVerifier, "constant_verifier",
       "the same fixed 43-character verifier for every authorization"},
      {Defect::kNoStateCheck, "no_state_check", "the callback's state is not compared"},
      {Defect::kNoIssCheck, "no_iss_check", "a missing or mismatched iss (RFC 9207) is accepted"},
      {Defect::kSecretInQuery, "secret_in_query",
       "a confidential client sends client_id and client_secret in the token/revoke URL query"},
      {Defect::kTokenInQuery, "token_in_query",
       "oauth-mode API calls send ?access_token=... instead of the Authorization header"},
      {Defect::kNoRefresh, "no_refresh", "a 401 invalid_token is returned, never refreshed"},
      {Defect::kRefreshLoop, "refresh_loop",
       "on a 401 invalid_token: refresh and retry up to 10 times, even when refresh fails"},
      {Defect::kIgnoreRetryAfter, "ignore_retry_after",
       "429/503 are retried at once, whatever Retry-After says"},
      {Defect::kNoSignatureCheck, "no_signature_check",
       "verify_webhook accepts any signature (the timestamp is still checked)"},
      {Defect::kStaleTimestamp, "stale_timestamp",
       "verify_webhook does not check the timestamp tolerance"},
      {Defect::kWrongRedirectUri, "wrong_redirect_uri",
       "the token request's redirect_uri gets a trailing '/'"},
      {Defect::kBasicUnencoded, "basic_unencoded",
       "Basic credentials from the raw id:secret, without form-urlencoding (RFC 6749 2.3.1)"},
      {Defect::kBothAuthMethods, "both_auth_methods",
       "a confidential client sends Basic credentials AND client_secret in the body"},
      {Defect::kStaleRefreshToken, "stale_refresh_token",
       "refresh keeps presenting the first refresh token instead of the rotated one"},
      {Defect::kNoAccountHeader, "no_account_header",
       "platform mode with an account omits the Chronapilot-Account header"},
      {Defect::kAssumeRequestedScopes, "assume_requested_scopes",
       "the token set's scope is taken to be the requested scopes (no local scope refusal)"},
      {Defect::kNoIdempotencyKey, "no_idempotency_key", "POST creates carry no Idempotency-Key"},
      {Defect::kNoRetry, "no_retry", "no retries on 429, 503 or a dropped connection"},
      {Defect::kFirstPageOnly, "first_page_only",
       "all_pages returns only the first page (and has_more false)"},
      {Defect::kFirstSignatureOnly, "first_signature_only",
       "only the first v1 entry of webhook-signature is checked"},
      {Defect::kIgnoreCallbackError, "ignore_callback_error",
       "a callback with error= is still exchanged at the token endpoint"},
      {Defect::kRevokeNoop, "revoke_noop",
       "revoke forgets the tokens locally but never calls the revocation endpoint"},
  };
  return kDefects;
}

std::optional<Defect> DefectByName(std::string_view name) {
  for (const DefectInfo& info : AllDefects()) {
    if (name == info.name) return info.defect;
  }
  return std::nullopt;
}

const char* DefectName(Defect defect) {
  for (const DefectInfo& info : AllDefects()) {
    if (info.defect == defect) return info.name;
  }
  return "?";
}

std::string Defects::ToString() const {
  std::string out;
  for (const DefectInfo& info : AllDefects()) {
    if (!Has(info.defect)) continue;
    if (!out.empty()) out += ",";
    out += info.name;
  }
  return out;
}

}  // namespace chronapilot::sdk
