// The seed's walk-through end to end: authorize with PKCE, consent, token exchange, and the
// token response field for field (SPEC AUTHZ-4, TOKEN-5).
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

TEST(OAuthFlow, SeedPkceFlowReturnsSeedTokenShape) {
  MockServer server;
  auto client = server.Client();
  TokenResult tokens = PublicClientTokens(*client);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  std::vector<std::string> keys;
  for (const auto& [k, v] : tokens.body.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"access_token", "token_type", "expires_in",
                                            "refresh_token", "scope", "connected_account_id"}));
  EXPECT_EQ(tokens.body["token_type"], "Bearer");
  EXPECT_EQ(tokens.body["expires_in"], 3600);
  EXPECT_EQ(tokens.body["scope"], kAllScopes);
  EXPECT_EQ(tokens.body["connected_account_id"], kAliceAccount);
  EXPECT_EQ(tokens.body["access_token"].get<std::string>().rfind("cat_", 0), 0u);
  EXPECT_EQ(tokens.body["refresh_token"].get<std::string>().rfind("crt_", 0), 0u);
}

TEST(OAuthFlow, ConfidentialClientWithBasicAuthGetsTokens) {
  MockServer server;
  auto client = server.Client();
  TokenResult tokens = ConfidentialClientTokens(*client);
  ASSERT_EQ(tokens.status, 200) << tokens.body.dump();
  EXPECT_EQ(tokens.body["connected_account_id"], kAliceAccount);
}

}  // namespace
}  // namespace chronapilot::testing
