// The seed's two /v1/events examples, verbatim but for the host (SPEC AUTH-1, AUTH-2, FIX-4).
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

// AUTH-1: curl https://api.chronapilot.com/v1/events -H "Authorization: Bearer
// cat_1abc2def3ghi4jkl"
TEST(ApiSmoke, SeedAccessTokenExampleListsAlicesEvents) {
  MockServer server;
  auto client = server.Client();
  ApiResult res = Api(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken));
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.body["object"], "list");
  EXPECT_EQ(res.body["data"].size(), 5u);
  EXPECT_EQ(res.body["has_more"], false);
  EXPECT_EQ(res.Header("Request-Id").rfind("req_", 0), 0u);
}

// AUTH-2: the same with the platform key and the Chronapilot-Account header.
TEST(ApiSmoke, SeedPlatformKeyExampleListsTheSameEvents) {
  MockServer server;
  auto client = server.Client();
  ApiResult by_token = Api(*client, "GET", "/v1/events", Bearer(kFixtureAccessToken));
  ApiResult by_key = Api(*client, "GET", "/v1/events", Bearer(kAcmeLiveKey, kAliceAccount));
  ASSERT_EQ(by_key.status, 200) << by_key.body.dump();
  EXPECT_EQ(by_key.body, by_token.body);
}

}  // namespace
}  // namespace chronapilot::testing
