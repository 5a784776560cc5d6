// mock/text.h: UTF-8 validation, HTML escaping, secret masking for logs (CONV-5) and the small
// string helpers.
#include "mock/text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chronapilot {
namespace {

TEST(IsValidUtf8, AcceptsAsciiAndWellFormedSequences) {
  for (const std::string& s :
       {std::string(""), std::string("plain ascii"), std::string("\xc3\xa9"),  // é
        std::string("\xe2\x82\xac"),                                           // €
        std::string("\xf0\x9f\x98\x80"),                                       // 😀
        std::string("\xc2\x80"),          // U+0080, smallest two-byte
        std::string("\xe0\xa0\x80"),      // U+0800, smallest three-byte
        std::string("\xf0\x90\x80\x80"),  // U+10000, smallest four-byte
        std::string("\xed\x9f\xbf"),      // U+D7FF, just below the surrogates
        std::string("\xee\x80\x80"),      // U+E000, just above
        std::string("\xef\xbf\xbf"),      // U+FFFF
        std::string("\xf4\x8f\xbf\xbf"),  // U+10FFFF, the largest
        std::string("a\0b", 3)}) {
    EXPECT_TRUE(IsValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(IsValidUtf8, RefusesOverlongForms) {
  for (const char* s : {"\xc0\xaf", "\xc1\xbf", "\xc0\x80", "\xe0\x80\xaf", "\xe0\x9f\xbf",
                        "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(std::string(s));
  }
}

TEST(IsValidUtf8, RefusesSurrogates) {
  for (const char* s : {"\xed\xa0\x80", "\xed\xaf\xbf", "\xed\xb0\x80", "\xed\xbf\xbf",
                        "\xed\xa0\xbd\xed\xb8\x80" /* CESU-8 😀 */}) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(std::string(s));
  }
}

TEST(IsValidUtf8, RefusesTruncatedSequences) {
  for (const char* s :
       {"\xc3", "\xe2\x82", "\xf0\x9f\x98", "a\xc3", "\xe2\x82z", "\xf0\x9f\x98 "}) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(std::string(s));
  }
}

TEST(IsValidUtf8, RefusesCodePointsPastU10FFFF) {
  for (const char* s : {"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf",
                        "\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(std::string(s));
  }
}

TEST(IsValidUtf8, RefusesStrayBytes) {
  for (const char* s : {"\x80", "a\xbf", "\xfe", "\xff", "\xc3\xa9\xa9"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(std::string(s));
  }
}

TEST(HtmlEscape, EscapesTheFiveSpecialCharacters) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
}

TEST(HtmlEscape, LeavesOtherTextAlone) {
  EXPECT_EQ(HtmlEscape("Acme Scheduling: events:read \xc3\xa9"),
            "Acme Scheduling: events:read \xc3\xa9");
  EXPECT_EQ(HtmlEscape(""), "");
}

TEST(HtmlEscape, EscapesAlreadyEscapedText) { EXPECT_EQ(HtmlEscape("&amp;"), "&amp;amp;"); }

// CONV-5: logs show the prefix and 4 characters, no more.
TEST(MaskSecret, KeepsThePrefixAndFourCharacters) {
  EXPECT_EQ(MaskSecret("cat_1abc2def3ghi4jkl"), "cat_1abc…");
  EXPECT_EQ(MaskSecret("crt_5mno6pqr7stu8vwx"), "crt_5mno…");
  EXPECT_EQ(MaskSecret("sk_live_acme00000000000000000000"), "sk_live_acme…");
  EXPECT_EQ(MaskSecret("sk_test_acme00000000000000000000"), "sk_test_acme…");
  EXPECT_EQ(MaskSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "whsec_MfKQ…");
  EXPECT_EQ(MaskSecret("cac_AbCdEfGhIjKlMnOpQrStUvWx"), "cac_AbCd…");
}

// CONV-5
TEST(MaskSecret, WithoutAPrefixKeepsFourCharacters) {
  EXPECT_EQ(MaskSecret("0123456789abcdef"), "0123…");
}

// CONV-5: a short secret is never shown whole.
TEST(MaskSecret, NeverShowsAShortSecretWhole) {
  for (const char* secret : {"", "a", "abcd", "cat_", "cat_1", "cat_1abc", "x_abcd"}) {
    const std::string masked = MaskSecret(secret);
    const std::string shown = masked.substr(0, masked.size() - std::string("…").size());
    EXPECT_LT(shown.size(), std::max<size_t>(std::string(secret).size(), 1)) << secret;
    EXPECT_EQ(std::string(secret).rfind(shown, 0), 0u) << secret;
  }
}

// CONV-5: whatever the secret, the shown part is a prefix of at most the prefix + 4 characters.
TEST(MaskSecret, ShowsAtMostPrefixPlusFour) {
  for (const char* secret : {"cs_conf_secret_0000000000000001", "cs_special:+%41 secret/0002",
                             "sk_live_globex0000000000000000000", "cat_1abc2def3ghi4jkl"}) {
    const std::string s = secret;
    const std::string masked = MaskSecret(s);
    ASSERT_GE(masked.size(), std::string("…").size());
    const std::string shown = masked.substr(0, masked.size() - std::string("…").size());
    EXPECT_EQ(s.rfind(shown, 0), 0u) << secret;
    const size_t prefix = s.rfind('_', shown.size()) + 1;
    EXPECT_LE(shown.size(), prefix + 4) << secret << " → " << masked;
    EXPECT_LT(shown.size(), s.size());
  }
}

TEST(HasControlChars, FindsC0AndDel) {
  EXPECT_TRUE(HasControlChars("a\r\nb"));
  EXPECT_TRUE(HasControlChars("\t"));
  EXPECT_TRUE(HasControlChars(std::string("a\0", 2)));
  EXPECT_TRUE(HasControlChars("\x7f"));
  EXPECT_FALSE(HasControlChars("plain text ~"));
  EXPECT_FALSE(HasControlChars("\xc3\xa9"));
}

// RFC 6749 Appendix A: VSCHAR = %x20-7E.
TEST(IsVisibleAscii, AcceptsOnlyVschar) {
  EXPECT_TRUE(IsVisibleAscii(" !~azAZ09"));
  EXPECT_TRUE(IsVisibleAscii(""));
  EXPECT_FALSE(IsVisibleAscii("\x7f"));
  EXPECT_FALSE(IsVisibleAscii("\x1f"));
  EXPECT_FALSE(IsVisibleAscii("\xc3\xa9"));
}

TEST(Text, ToLowerAndEqualsIgnoreCaseTouchAsciiOnly) {
  EXPECT_EQ(ToLower("Bearer ABC-xyz"), "bearer abc-xyz");
  EXPECT_EQ(ToLower("\xc3\x89"), "\xc3\x89");
  EXPECT_TRUE(EqualsIgnoreCase("Content-Type", "content-type"));
  EXPECT_FALSE(EqualsIgnoreCase("Content-Type", "content-typ"));
}

TEST(Text, StartsWith) {
  EXPECT_TRUE(StartsWith("cat_123", "cat_"));
  EXPECT_TRUE(StartsWith("cat_", ""));
  EXPECT_FALSE(StartsWith("ca", "cat_"));
}

TEST(Text, TrimRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(Trim(" \t a b \t "), "a b");
  EXPECT_EQ(Trim("\na\n"), "\na\n");
  EXPECT_EQ(Trim("   "), "");
}

TEST(Text, SplitKeepsEmptyPiecesAndJoinUndoesIt) {
  EXPECT_EQ(Split("a,,b,", ','), (std::vector<std::string>{"a", "", "b", ""}));
  EXPECT_EQ(Split("", ','), (std::vector<std::string>{""}));
  EXPECT_EQ(Join(Split("a,,b,", ','), ","), "a,,b,");
  EXPECT_EQ(Join({}, ", "), "");
}

}  // namespace
}  // namespace chronapilot

namespace chronapilot {
namespace {

// AUTHZ-4, RES-4, FIX-3: the one email check behind the consent login, attendees and fixtures.
TEST(IsPlausibleEmail, AcceptsAddressesAndRefusesLookalikes) {
  for (const char* ok :
       {"alice@example.com", "a@b", "Bob.Smith+tag@sub.example.org", "é@例え.jp"}) {
    EXPECT_TRUE(IsPlausibleEmail(ok)) << ok;
  }
  for (const char* bad :
       {"", "alice", "@example.com", "alice@", "a@b@c", "a b@example.com", "a@example.com\r\nX: y",
        "<a@example.com>", "\"a\"@example.com", "a,b@example.com", "a@b\x7f", "\xff@example.com"}) {
    EXPECT_FALSE(IsPlausibleEmail(bad)) << bad;
  }
  EXPECT_TRUE(IsPlausibleEmail(std::string(64, 'a') + "@" + std::string(189, 'b')));   // 254
  EXPECT_FALSE(IsPlausibleEmail(std::string(64, 'a') + "@" + std::string(190, 'b')));  // 255
}

TEST(Text, ParseDecimalAcceptsDigitsOnlyWithinTheLimit) {
  EXPECT_EQ(ParseDecimal("0"), 0);
  EXPECT_EQ(ParseDecimal("120"), 120);
  EXPECT_EQ(ParseDecimal("999999999", 9), 999999999);
  EXPECT_EQ(ParseDecimal("1000000000", 9), std::nullopt);  // too many digits
  EXPECT_EQ(ParseDecimal(""), std::nullopt);
  EXPECT_EQ(ParseDecimal("-1"), std::nullopt);
  EXPECT_EQ(ParseDecimal("+1"), std::nullopt);
  EXPECT_EQ(ParseDecimal(" 1"), std::nullopt);
  EXPECT_EQ(ParseDecimal("1.5"), std::nullopt);
  EXPECT_EQ(ParseDecimal("Wed, 21 Oct 2015 07:28:00 GMT"), std::nullopt);  // HTTP-date
}

}  // namespace
}  // namespace chronapilot
