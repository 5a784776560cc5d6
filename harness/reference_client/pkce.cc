#include "harness/reference_client/pkce.h"

#include "mock/crypto.h"

namespace chronapilot::sdk {

std::string NewCodeVerifier() { return Base64UrlEncode(RandomBytes(32)); }

std::string CodeChallengeS256(std::string_view verifier) {
  return Base64UrlEncode(Sha256(verifier));
}

std::string NewState() { return Base64UrlEncode(RandomBytes(32)); }

std::string NewIdempotencyKey() { return Base64UrlEncode(RandomBytes(18)); }

}  // namespace chronapilot::sdk
