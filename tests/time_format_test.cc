// mock/time_format.h: strict RFC 3339 parsing (calendar times, fixture times), dates for all-day
// events, and formatting Unix seconds back (CONV-3).
#include "mock/time_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

namespace chronapilot {
namespace {

// 2026-12-07T09:00:00Z, the start of the fixtures' "Weekly planning" (date -u -d ... +%s).
constexpr int64_t kPlanning = 1796634000;

TEST(ParseRfc3339, ParsesTheEpoch) { EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0); }

TEST(ParseRfc3339, ParsesUtcWithZ) {
  EXPECT_EQ(ParseRfc3339("2026-12-07T09:00:00Z"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2000-02-29T00:00:00Z"), 951782400);
  EXPECT_EQ(ParseRfc3339("2100-01-01T00:00:00Z"), 4102444800);
}

TEST(ParseRfc3339, ParsesTimesBefore1970) {
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(ParseRfc3339("1969-07-20T20:17:40Z"), -14182940);
  EXPECT_EQ(ParseRfc3339("1900-03-01T00:00:00Z"), -2203891200);
}

TEST(ParseRfc3339, AppliesOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-12-07T10:00:00+01:00"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T04:00:00-05:00"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T14:30:00+05:30"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T09:00:00+00:00"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T09:00:00-00:00"), kPlanning);
  // An offset that crosses midnight backwards.
  EXPECT_EQ(ParseRfc3339("2026-12-06T23:00:00-10:00"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T23:59:00+23:59"), kPlanning - 9 * 3600);
}

TEST(ParseRfc3339, TruncatesFractions) {
  EXPECT_EQ(ParseRfc3339("2026-12-07T09:00:00.250Z"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T09:00:00.9Z"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T09:00:00.999999999Z"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07T10:00:00.250+01:00"), kPlanning);
}

TEST(ParseRfc3339, AcceptsLowerCaseTAndZ) {
  EXPECT_EQ(ParseRfc3339("2026-12-07t09:00:00z"), kPlanning);
  EXPECT_EQ(ParseRfc3339("2026-12-07t09:00:00Z"), kPlanning);
}

TEST(ParseRfc3339, AcceptsLeapDays) {
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(ParseRfc3339("2000-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("2023-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(ParseRfc3339("1900-02-29T00:00:00Z").has_value());
}

TEST(ParseRfc3339, AcceptsTheLastSecondOfTheDay) {
  EXPECT_EQ(ParseRfc3339("2026-12-07T23:59:59Z"), kPlanning + 15 * 3600 - 1);
  EXPECT_EQ(ParseRfc3339("2026-12-31T00:00:00Z"), kPlanning + 24 * 86400 - 9 * 3600);
}

TEST(ParseRfc3339, RefusesImpossibleDates) {
  for (const char* text :
       {"2026-02-30T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << text;
  }
}

TEST(ParseRfc3339, RefusesOutOfRangeTimes) {
  for (const char* text : {"2026-12-07T24:00:00Z", "2026-12-07T23:60:00Z",
                           "2026-12-07T23:59:60Z",  // leap second
                           "2026-12-07T09:00:00+24:00", "2026-12-07T09:00:00+01:60"}) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << text;
  }
}

TEST(ParseRfc3339, RefusesAMissingOffset) {
  EXPECT_FALSE(ParseRfc3339("2026-12-07T09:00:00").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-12-07T09:00:00.250").has_value());
}

TEST(ParseRfc3339, RefusesMalformedText) {
  for (const char* text : {"",
                           "2026-12-07",
                           "2026-12-07T",
                           "2026-12-07 09:00:00Z",
                           "2026-12-07T09:00Z",
                           "2026-12-07T9:00:00Z",
                           "26-12-07T09:00:00Z",
                           "2026/12/07T09:00:00Z",
                           "2026-12-07T09:00:00.Z",
                           "2026-12-07T09:00:00.1234567890Z",
                           "2026-12-07T09:00:00+0100",
                           "2026-12-07T09:00:00+01",
                           "2026-12-07T09:00:00+1:00",
                           "2026-12-07T09:00:00UTC",
                           "2026-12-07T09:00:00Z ",
                           " 2026-12-07T09:00:00Z",
                           "2026-12-07T09:00:00ZZ",
                           "2026-12-07T09:00:00+01:00:00",
                           "+2026-12-07T09:00:00Z",
                           "2026-12-07T09:00:00\xef\xbc\xba"}) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << '"' << text << '"';
  }
}

TEST(ParseDate, ParsesMidnightUtc) {
  EXPECT_EQ(ParseDate("1970-01-01"), 0);
  EXPECT_EQ(ParseDate("2026-12-07"), kPlanning - 9 * 3600);
  EXPECT_EQ(ParseDate("1969-12-31"), -86400);
  EXPECT_EQ(ParseDate("2024-02-29"), ParseRfc3339("2024-02-29T00:00:00Z"));
}

TEST(ParseDate, RefusesAnythingButADate) {
  for (const char* text : {"", "2026-12-07T00:00:00Z", "2026-12-7", "2026-2-07", "2026-02-30",
                           "2026-13-01", "2023-02-29", "2026-12-07 ", "2026/12/07", "20261207"}) {
    EXPECT_FALSE(ParseDate(text).has_value()) << '"' << text << '"';
  }
}

TEST(FormatRfc3339, FormatsUtcWithZ) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kPlanning), "2026-12-07T09:00:00Z");
  EXPECT_EQ(FormatRfc3339(951782400), "2000-02-29T00:00:00Z");
}

TEST(FormatRfc3339, FormatsTimesBefore1970) {
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-86400), "1969-12-31T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(-86401), "1969-12-30T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-14182940), "1969-07-20T20:17:40Z");
  EXPECT_EQ(FormatRfc3339(-2203891200), "1900-03-01T00:00:00Z");
}

TEST(FormatRfc3339, RoundTripsThroughParse) {
  for (int64_t t : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{59}, int64_t{86399},
                    int64_t{86400}, int64_t{-86399}, int64_t{951782399}, int64_t{951782400},
                    int64_t{951868800}, int64_t{kPlanning}, int64_t{4102444799},
                    int64_t{-2208988800} /* 1900-01-01 */, int64_t{253402300799} /* 9999 */}) {
    const std::string text = FormatRfc3339(t);
    EXPECT_EQ(ParseRfc3339(text), t) << text;
  }
}

TEST(FormatRfc3339, RoundTripsHourlyAcross1970AndALeapYear) {
  const int64_t start = -366 * int64_t{86400};  // 1968-12-31
  for (int64_t t = start; t < start + 2 * 366 * 86400; t += 3600 + 7) {
    ASSERT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
  const int64_t leap = *ParseRfc3339("2024-01-01T00:00:00Z");
  for (int64_t t = leap; t < leap + 367 * 86400; t += 3600 + 13) {
    ASSERT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
}

}  // namespace
}  // namespace chronapilot
