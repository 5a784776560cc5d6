#include "harness/reference_client/webhook_verifier.h"

#include <optional>

#include "mock/crypto.h"
#include "mock/text.h"

namespace chronapilot::sdk {
namespace {

std::optional<std::string> FindHeader(const HeaderPairs& headers, const std::string& name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

// Unix seconds as Standard Webhooks sends them: decimal digits only.
std::optional<int64_t> ParseTimestamp(const std::string& text) { return ParseDecimal(text, 15); }

Error InvalidSignature(std::string message) {
  return Error::Local(kInvalidSignature, std::move(message));
}

}  // namespace

Result<Json> VerifyWebhook(const std::string& secret, const HeaderPairs& headers,
                           const std::string& body, int64_t now_seconds, const Defects& defects) {
  const auto id = FindHeader(headers, "webhook-id");
  const auto timestamp_text = FindHeader(headers, "webhook-timestamp");
  const auto signatures = FindHeader(headers, "webhook-signature");
  if (!id || id->empty() || !timestamp_text || !signatures) {
    return InvalidSignature(
        "missing webhook-id, webhook-timestamp or webhook-signature header (Standard Webhooks)");
  }
  const std::string stamp(Trim(*timestamp_text));
  const auto timestamp = ParseTimestamp(stamp);
  if (!timestamp) return InvalidSignature("webhook-timestamp is not a Unix timestamp in seconds");

  // Signature.
  if (!defects.Has(Defect::kNoSignatureCheck)) {
    // Standard Webhooks libraries accept the secret with or without its "whsec_" prefix.
    std::string_view encoded_key = secret;
    if (StartsWith(encoded_key, "whsec_")) encoded_key.remove_prefix(6);
    const auto key = Base64Decode(encoded_key);
    if (!key || key->empty()) {
      return InvalidSignature("the secret is not a whsec_ secret (whsec_ + base64)");
    }
    const std::string expected = Base64Encode(HmacSha256(*key, *id + "." + stamp + "." + body));
    bool matched = false;
    for (const std::string& entry : Split(*signatures, ' ')) {
      if (entry.empty()) continue;
      const size_t comma = entry.find(',');
      if (comma == std::string::npos || entry.substr(0, comma) != "v1") continue;  // other schemes
      // Compare every entry (no early exit), each in constant time.
      if (SecretEquals(entry.substr(comma + 1), expected)) matched = true;
      if (defects.Has(Defect::kFirstSignatureOnly)) break;
    }
    if (!matched) return InvalidSignature("no v1 signature in webhook-signature matches the body");
  }

  // Timestamp: replay protection.
  if (!defects.Has(Defect::kStaleTimestamp)) {
    const int64_t skew = now_seconds - *timestamp;
    if (skew > kWebhookToleranceSeconds || skew < -kWebhookToleranceSeconds) {
      return Error::Local(kTimestampOutOfRange, "webhook-timestamp is " + std::to_string(skew) +
                                                    " s away from now; the tolerance is ±300 s");
    }
  }

  // The verified body.
  Json parsed = Json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return Error::Local(kInvalidResponse, "the webhook body is not a JSON object");
  }
  Json event = Json::object();
  event["id"] = parsed.contains("id") ? parsed["id"] : Json(*id);
  for (const char* field : {"account", "type", "created", "data"}) {
    event[field] = parsed.contains(field) ? parsed[field] : Json();
  }
  return event;
}

}  // namespace chronapilot::sdk
