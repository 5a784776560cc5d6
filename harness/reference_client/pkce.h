// The random values an OAuth client makes for one authorization request: the PKCE code verifier
// and its S256 challenge [RFC 7636 §4.1-4.2] and the `state` that binds the callback to the
// request [RFC 6749 §10.12]. All randomness comes from OpenSSL's CSPRNG (mock/crypto.h).
//
// Thread safety: free functions without shared state.
#pragma once

#include <string>
#include <string_view>

namespace chronapilot::sdk {

// BASE64URL of 32 CSPRNG bytes: 43 characters of [A-Za-z0-9-_], 256 bits (RFC 7636 §4.1).
std::string NewCodeVerifier();

// BASE64URL(SHA256(ASCII(verifier))), RFC 7636 §4.2.
std::string CodeChallengeS256(std::string_view verifier);

// BASE64URL of 32 CSPRNG bytes (256 bits; RFC 6749 §10.10 asks for a guess probability of
// at most 2^-128).
std::string NewState();

// BASE64URL of 18 CSPRNG bytes (144 bits): an Idempotency-Key for one logical create call.
std::string NewIdempotencyKey();

}  // namespace chronapilot::sdk
