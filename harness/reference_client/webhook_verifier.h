// Verifying a received webhook the Standard Webhooks way (SPEC HOOK-3, HOOK-4): the signature is
// "v1," + base64(HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{body}")), the key being the
// base64-decoded part of the endpoint's "whsec_" secret; webhook-signature may hold several
// space-separated signatures (secret rotation) and one matching v1 entry is enough.
//
// Order of checks: headers present, then the signature, then the timestamp (±5 minutes of the
// real wall clock). A message whose signature does not verify is reported as invalid_signature
// even when its timestamp is also stale: until it is authenticated nothing in it, the timestamp
// included, means anything.
//
// Stateless: deduplicating retries (same webhook-id) is the receiving application's job.
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <string>

#include "harness/reference_client/defects.h"
#include "harness/reference_client/http_transport.h"
#include "harness/reference_client/result.h"
#include "mock/json.h"

namespace chronapilot::sdk {

inline constexpr int64_t kWebhookToleranceSeconds = 5 * 60;

// Verifies one delivery. `headers` are matched case-insensitively; `body` is the raw request
// body exactly as received; `now_seconds` is the real wall clock in Unix seconds.
// Returns the event {id, account, type, created, data}, or an Error with code invalid_signature
// (missing headers, bad secret, no matching signature), timestamp_out_of_range, or
// invalid_response (a verified body that is not a JSON object).
// `defects` may switch on no_signature_check, first_signature_only and stale_timestamp.
Result<Json> VerifyWebhook(const std::string& secret, const HeaderPairs& headers,
                           const std::string& body, int64_t now_seconds,
                           const Defects& defects = Defects());

}  // namespace chronapilot::sdk
