// Standard Webhooks signing on its own (SPEC HOOK-4, CONV-2): the published test vector, the
// shape and randomness of new "whsec_" secrets, and which strings WebhookSecretKey refuses.
// Deliveries over HTTP, with their headers verified independently, are in
// webhook_delivery_test.cc.
#include "mock/webhook_signature.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <regex>
#include <set>
#include <string>

namespace chronapilot {
namespace {

// The example of the Standard Webhooks specification (and of its reference libraries' tests).
constexpr char kVectorSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kVectorId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kVectorTimestamp = 1614265330;
constexpr char kVectorBody[] = R"({"test": 2432232314})";
constexpr char kVectorSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

// Decodes padded standard base64 with OpenSSL, not with the mock's decoder.
std::string OpenSslBase64Decode(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return "<invalid>";
  out.resize(static_cast<size_t>(n));
  // EVP_DecodeBlock counts padding as zero bytes.
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) out.pop_back();
  return out;
}

// HOOK-4
TEST(WebhookSignature, MatchesTheStandardWebhooksTestVector) {
  EXPECT_EQ(SignWebhook(kVectorSecret, kVectorId, kVectorTimestamp, kVectorBody), kVectorSignature);
}

// HOOK-4: every signed part counts; a different id, timestamp, body or secret signs differently.
TEST(WebhookSignature, EverySignedPartChangesTheSignature) {
  const std::string other_secret = "whsec_" + std::string("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_NE(
      SignWebhook(kVectorSecret, "msg_p5jXN8AQM9LWM0D4loKWxJeK", kVectorTimestamp, kVectorBody),
      kVectorSignature);
  EXPECT_NE(SignWebhook(kVectorSecret, kVectorId, kVectorTimestamp + 1, kVectorBody),
            kVectorSignature);
  EXPECT_NE(SignWebhook(kVectorSecret, kVectorId, kVectorTimestamp, R"({"test": 2432232315})"),
            kVectorSignature);
  EXPECT_NE(SignWebhook(other_secret, kVectorId, kVectorTimestamp, kVectorBody), kVectorSignature);
}

// HOOK-4: the key is the base64-decoded part after "whsec_", not the text of the secret.
TEST(WebhookSecretKey, IsTheBase64DecodedPartAfterThePrefix) {
  auto key = WebhookSecretKey(kVectorSecret);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(*key, OpenSslBase64Decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_EQ(key->size(), 24u);
}

// HOOK-4
TEST(WebhookSecretKey, RefusesStringsThatAreNotWhsecSecrets) {
  EXPECT_FALSE(WebhookSecretKey("").has_value());
  EXPECT_FALSE(WebhookSecretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());  // no prefix
  EXPECT_FALSE(WebhookSecretKey("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
  EXPECT_FALSE(WebhookSecretKey("sk_live_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
  EXPECT_FALSE(WebhookSecretKey("whsec-MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").has_value());
}

// HOOK-4: the part after the prefix must be valid padded standard base64.
TEST(WebhookSecretKey, RefusesBadBase64) {
  EXPECT_FALSE(WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").has_value());  // length
  EXPECT_FALSE(WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La!aSw").has_value());
  EXPECT_FALSE(WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La_aSw").has_value());  // url
  EXPECT_FALSE(WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa=w").has_value());
  EXPECT_FALSE(WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ").has_value());
}

// CONV-2, HOOK-4: "whsec_" + padded standard base64 of 32 CSPRNG bytes by default.
TEST(NewWebhookSecret, IsWhsecAndPaddedBase64Of32Bytes) {
  const std::string secret = NewWebhookSecret();
  static const std::regex kShape("whsec_[A-Za-z0-9+/]{43}=");
  EXPECT_TRUE(std::regex_match(secret, kShape)) << secret;
  EXPECT_EQ(OpenSslBase64Decode(secret.substr(6)).size(), 32u);
  auto key = WebhookSecretKey(secret);
  ASSERT_TRUE(key.has_value()) << secret;
  EXPECT_EQ(*key, OpenSslBase64Decode(secret.substr(6)));
}

// CONV-2: 24-64 bytes when asked, each decoding to exactly that many bytes, padded.
TEST(NewWebhookSecret, HoldsTheRequestedNumberOfBytes) {
  static const std::regex kShape(
      "whsec_([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?");
  for (size_t n = 24; n <= 64; ++n) {
    const std::string secret = NewWebhookSecret(n);
    EXPECT_TRUE(std::regex_match(secret, kShape)) << n << ": " << secret;
    EXPECT_EQ(secret.size(), 6 + (n + 2) / 3 * 4) << n << ": " << secret;
    auto key = WebhookSecretKey(secret);
    ASSERT_TRUE(key.has_value()) << secret;
    EXPECT_EQ(key->size(), n) << secret;
    EXPECT_EQ(*key, OpenSslBase64Decode(secret.substr(6))) << secret;
  }
}

// CONV-2: drawn from a CSPRNG, so never the same twice, and the bytes vary.
TEST(NewWebhookSecret, IsDistinctEachTime) {
  std::set<std::string> seen;
  std::set<char> first_bytes;
  for (int i = 0; i < 1000; ++i) {
    const std::string secret = NewWebhookSecret();
    EXPECT_TRUE(seen.insert(secret).second) << "repeated: " << secret;
    first_bytes.insert(WebhookSecretKey(secret).value_or(" ")[0]);
  }
  // 1000 uniform bytes hit far more than 100 of 256 values; a constant or counter would not.
  EXPECT_GT(first_bytes.size(), 100u);
}

// HOOK-4: a fresh secret signs like any other: verifiable with its own key, not another's.
TEST(NewWebhookSecret, SignsVerifiablyAndDifferentlyFromAnotherSecret) {
  const std::string a = NewWebhookSecret();
  const std::string b = NewWebhookSecret();
  const std::string sig_a = SignWebhook(a, kVectorId, kVectorTimestamp, kVectorBody);
  EXPECT_EQ(sig_a.rfind("v1,", 0), 0u) << sig_a;
  EXPECT_EQ(OpenSslBase64Decode(sig_a.substr(3)).size(), 32u) << sig_a;  // HMAC-SHA256
  EXPECT_EQ(sig_a, SignWebhook(a, kVectorId, kVectorTimestamp, kVectorBody));
  EXPECT_NE(sig_a, SignWebhook(b, kVectorId, kVectorTimestamp, kVectorBody));
}

}  // namespace
}  // namespace chronapilot
