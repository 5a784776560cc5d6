// Standard Webhooks signing (SPEC HOOK-4, https://www.standardwebhooks.com): the signature of a
// delivery is "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), the key being the
// base64-decoded part of the endpoint's "whsec_…" secret.
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace chronapilot {

// "whsec_" + standard padded base64 of `bytes` CSPRNG bytes (CONV-2: 24-64, default 32).
std::string NewWebhookSecret(size_t bytes = 32);

// The HMAC key inside a "whsec_…" secret; nullopt when it is not one.
std::optional<std::string> WebhookSecretKey(const std::string& secret);

// "v1,<base64>" for one secret. REQUIRES: `secret` is a valid whsec_ secret.
std::string SignWebhook(const std::string& secret, const std::string& id, int64_t timestamp,
                        const std::string& body);

}  // namespace chronapilot
