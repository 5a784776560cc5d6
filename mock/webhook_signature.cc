#include "mock/webhook_signature.h"

#include "mock/crypto.h"
#include "mock/text.h"

namespace chronapilot {

std::string NewWebhookSecret(size_t bytes) { return "whsec_" + Base64Encode(RandomBytes(bytes)); }

std::optional<std::string> WebhookSecretKey(const std::string& secret) {
  if (!StartsWith(secret, "whsec_")) return std::nullopt;
  return Base64Decode(std::string_view(secret).substr(6));
}

std::string SignWebhook(const std::string& secret, const std::string& id, int64_t timestamp,
                        const std::string& body) {
  const std::string key = WebhookSecretKey(secret).value_or("");
  const std::string content = id + "." + std::to_string(timestamp) + "." + body;
  return "v1," + Base64Encode(HmacSha256(key, content));
}

}  // namespace chronapilot
