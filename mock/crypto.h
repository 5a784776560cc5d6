// The mock's cryptography, all from OpenSSL: CSPRNG ids and secrets (CONV-2), SHA-256 for PKCE
// and for keying secrets in maps, HMAC-SHA256 for webhook signatures, constant-time comparison
// (CONV-5) and the base64 flavours the protocols use.
//
// Thread safety: free functions; OpenSSL's RAND is thread-safe and NewId's buffer is per thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace chronapilot {

// The digits of every id and secret, in ASCII order: base62 strings of one length sort as the
// numbers they spell.
inline constexpr char kBase62Digits[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// `n` bytes from OpenSSL's CSPRNG. Aborts if the CSPRNG fails: a mock that hands out guessable
// secrets would teach the wrong thing.
std::string RandomBytes(size_t n);

// `prefix` + `chars` base62 characters drawn uniformly (rejection sampling, no modulo bias).
std::string RandomBase62(std::string_view prefix, size_t chars);

// Plain ids carry 95 bits (16 base62 chars); secrets 143 bits (24 chars). CONV-2 asks for 64/128.
// An id's bytes come from a per-thread block of CSPRNG output (a forked child draws a new one);
// a secret's come straight from RAND_bytes.
std::string NewId(std::string_view prefix);
inline std::string NewSecret(std::string_view prefix) { return RandomBase62(prefix, 24); }

std::string Sha256(std::string_view data);                            // raw 32 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes

std::string Base64Encode(std::string_view data);     // standard alphabet, padded
std::string Base64UrlEncode(std::string_view data);  // URL alphabet, no padding (RFC 7636)
// Strict decoders: nullopt on any character outside the alphabet or bad padding.
std::optional<std::string> Base64Decode(std::string_view text);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Compares in time that depends on neither content nor length of `secret` relative to `given`:
// both sides are hashed first, then compared with CRYPTO_memcmp.
bool SecretEquals(std::string_view given, std::string_view secret);

// BASE64URL(SHA256(verifier)), the S256 code challenge of RFC 7636 §4.2.
inline std::string S256Challenge(std::string_view verifier) {
  return Base64UrlEncode(Sha256(verifier));
}

}  // namespace chronapilot
