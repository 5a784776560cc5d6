// mock/scopes.h: the four scopes of SPEC AUTHZ-1, parsed from and formatted to the
// space-separated form of RFC 6749 §3.3.
#include "mock/scopes.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chronapilot {
namespace {

// AUTHZ-1
TEST(Scopes, KnowsExactlyTheFourScopesInCanonicalOrder) {
  std::vector<std::string> names;
  for (const ScopeInfo& info : AllScopeInfo()) {
    names.emplace_back(info.name);
    EXPECT_NE(std::string(info.description), "") << info.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"events:read", "events:write", "calendars:read",
                                             "webhooks:manage"}));
}

TEST(Scopes, ScopeFromNameIsExact) {
  EXPECT_EQ(ScopeFromName("events:read"), kEventsRead);
  EXPECT_EQ(ScopeFromName("events:write"), kEventsWrite);
  EXPECT_EQ(ScopeFromName("calendars:read"), kCalendarsRead);
  EXPECT_EQ(ScopeFromName("webhooks:manage"), kWebhooksManage);
  EXPECT_FALSE(ScopeFromName("Events:Read").has_value());
  EXPECT_FALSE(ScopeFromName("events:read ").has_value());
  EXPECT_FALSE(ScopeFromName("events").has_value());
  EXPECT_FALSE(ScopeFromName("").has_value());
}

TEST(ParseScopes, ParsesASpaceSeparatedList) {
  EXPECT_EQ(ParseScopes("events:read calendars:read"), ScopeSet(kEventsRead | kCalendarsRead));
  EXPECT_EQ(ParseScopes("events:read events:write calendars:read webhooks:manage"), kAllScopes);
}

TEST(ParseScopes, IgnoresOrderRepeatsAndExtraSpaces) {
  EXPECT_EQ(ParseScopes("webhooks:manage events:read"), ScopeSet(kEventsRead | kWebhooksManage));
  EXPECT_EQ(ParseScopes("events:read events:read"), ScopeSet(kEventsRead));
  EXPECT_EQ(ParseScopes("  events:read   events:write "), ScopeSet(kEventsRead | kEventsWrite));
}

TEST(ParseScopes, EmptyStringIsTheEmptySet) {
  std::optional<ScopeSet> scopes = ParseScopes("");
  ASSERT_TRUE(scopes.has_value());
  EXPECT_EQ(*scopes, 0);
  EXPECT_EQ(ParseScopes("   "), ScopeSet(0));
}

// AUTHZ-3: invalid_scope names the scope it does not know.
TEST(ParseScopes, ReportsTheUnknownScope) {
  std::string unknown;
  EXPECT_FALSE(ParseScopes("events:read calendar:write webhooks:manage", &unknown).has_value());
  EXPECT_EQ(unknown, "calendar:write");
}

TEST(ParseScopes, ReportsTheFirstUnknownScope) {
  std::string unknown;
  EXPECT_FALSE(ParseScopes("openid events:read profile", &unknown).has_value());
  EXPECT_EQ(unknown, "openid");
}

TEST(ParseScopes, IsCaseSensitive) {
  std::string unknown;
  EXPECT_FALSE(ParseScopes("Events:Read", &unknown).has_value());
  EXPECT_EQ(unknown, "Events:Read");
}

// RFC 6749 §3.3: the delimiter is %x20 only.
TEST(ParseScopes, OnlyTheSpaceSeparates) {
  EXPECT_FALSE(ParseScopes("events:read,events:write").has_value());
  EXPECT_FALSE(ParseScopes("events:read\tevents:write").has_value());
  EXPECT_FALSE(ParseScopes("events:read+events:write").has_value());
}

TEST(ParseScopes, WorksWithoutAnOutParameter) { EXPECT_FALSE(ParseScopes("nope").has_value()); }

TEST(ScopesToString, UsesTheCanonicalOrder) {
  EXPECT_EQ(ScopesToString(kWebhooksManage | kEventsRead), "events:read webhooks:manage");
  EXPECT_EQ(ScopesToString(kCalendarsRead | kEventsWrite), "events:write calendars:read");
  EXPECT_EQ(ScopesToString(kAllScopes), "events:read events:write calendars:read webhooks:manage");
  EXPECT_EQ(ScopesToString(0), "");
}

TEST(ScopesToString, CanonicalisesAnyInputOrder) {
  EXPECT_EQ(ScopesToString(*ParseScopes("webhooks:manage calendars:read events:write events:read")),
            "events:read events:write calendars:read webhooks:manage");
}

TEST(ScopesToString, RoundTripsEverySubset) {
  for (int bits = 0; bits <= kAllScopes; ++bits) {
    const ScopeSet set = ScopeSet(bits);
    EXPECT_EQ(ParseScopes(ScopesToString(set)), set) << ScopesToString(set);
  }
}

TEST(ScopeNames, ListsNamesInCanonicalOrder) {
  EXPECT_EQ(ScopeNames(kEventsWrite | kEventsRead),
            (std::vector<std::string>{"events:read", "events:write"}));
  EXPECT_TRUE(ScopeNames(0).empty());
}

}  // namespace
}  // namespace chronapilot
