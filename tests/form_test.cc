// mock/form.h: application/x-www-form-urlencoded as OAuth uses it (RFC 6749 Appendix B, §3.1).
#include "mock/form.h"

#include <gtest/gtest.h>

#include <string>

namespace chronapilot {
namespace {

Form MustParse(std::string_view encoded) {
  StatusOr<Form> form = Form::Parse(encoded, "query");
  EXPECT_TRUE(form.ok()) << encoded << ": " << form.status().ToString();
  return form.ok() ? *form : Form();
}

TEST(Form, DecodesPlusAndPercent20AsSpace) {
  Form form = MustParse("scope=events%3Aread+events%3Awrite&state=a%20b");
  EXPECT_EQ(form.Get("scope"), "events:read events:write");
  EXPECT_EQ(form.Get("state"), "a b");
}

TEST(Form, DecodesNamesToo) {
  Form form = MustParse("client%5Fid=cli_1&a+b=c");
  EXPECT_EQ(form.Get("client_id"), "cli_1");
  EXPECT_EQ(form.Get("a b"), "c");
}

TEST(Form, KeepsEqualsSignsInsideTheValue) {
  EXPECT_EQ(MustParse("state=a=b=c").Get("state"), "a=b=c");
}

TEST(Form, KeepsAnEncodedAmpersandInsideTheValue) {
  Form form = MustParse("state=x%26code%3Dforged&code=real");
  EXPECT_EQ(form.Get("state"), "x&code=forged");
  EXPECT_EQ(form.Count("code"), 1u);
}

TEST(Form, SkipsEmptyPieces) {
  Form form = MustParse("&&a=1&&b=2&");
  EXPECT_EQ(form.pairs().size(), 2u);
  EXPECT_EQ(form.Get("a"), "1");
  EXPECT_EQ(form.Get("b"), "2");
}

TEST(Form, EmptyInputIsAnEmptyForm) {
  Form form = MustParse("");
  EXPECT_TRUE(form.empty());
  EXPECT_FALSE(form.Get("a").has_value());
}

// RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted."
TEST(Form, EmptyValueCountsAsOmitted) {
  Form form = MustParse("state=&redirect_uri&scope=events%3Aread");
  EXPECT_FALSE(form.Get("state").has_value());
  EXPECT_FALSE(form.Get("redirect_uri").has_value());
  EXPECT_EQ(form.Count("state"), 0u);
  EXPECT_EQ(form.Count("redirect_uri"), 0u);
  EXPECT_TRUE(form.GetAll("state").empty());
  EXPECT_EQ(form.Get("scope"), "events:read");
  // Still visible as sent.
  EXPECT_EQ(form.pairs().size(), 3u);
}

TEST(Form, GetSkipsAnEmptyFirstOccurrence) {
  Form form = MustParse("state=&state=xyz");
  EXPECT_EQ(form.Get("state"), "xyz");
  EXPECT_EQ(form.Count("state"), 1u);
  EXPECT_FALSE(form.FirstRepeated().has_value());
}

// RFC 6749 §3.1/§3.2: "Request and response parameters MUST NOT be included more than once."
TEST(Form, FirstRepeatedNamesTheFirstParameterSentTwice) {
  Form form = MustParse("a=1&b=2&b=3&a=4");
  EXPECT_EQ(form.FirstRepeated(), "b");
  EXPECT_EQ(form.Count("a"), 2u);
  EXPECT_EQ(form.GetAll("a"), (std::vector<std::string>{"1", "4"}));
  EXPECT_EQ(form.Get("a"), "1");
}

TEST(Form, FirstRepeatedIgnoresRepeatsWithoutValue) {
  EXPECT_FALSE(MustParse("a=1&a=&a").FirstRepeated().has_value());
  EXPECT_FALSE(MustParse("a=1&b=2&c=3").FirstRepeated().has_value());
}

TEST(Form, RefusesMalformedPercentEscapes) {
  for (const char* encoded : {"a=%", "a=%4", "a=%zz", "a=%4g", "a=%%41", "a%=1", "%g0=1", "a=1%"}) {
    StatusOr<Form> form = Form::Parse(encoded, "body");
    ASSERT_FALSE(form.ok()) << encoded;
    EXPECT_EQ(form.status().kind(), ErrorKind::kInvalidRequest);
    EXPECT_EQ(form.status().code(), "invalid_request");
    EXPECT_NE(form.status().message().find("body"), std::string::npos) << form.status().message();
  }
}

TEST(Form, AcceptsEscapesInEitherCase) { EXPECT_EQ(MustParse("a=%3a%3A").Get("a"), "::"); }

TEST(Form, RefusesInvalidUtf8AfterDecoding) {
  for (const char* encoded :
       {"a=%FF", "a=%C3%28", "a=%C0%AF", "a=%ED%A0%80", "%FF=1", "a=%E2%82"}) {
    StatusOr<Form> form = Form::Parse(encoded, "query");
    ASSERT_FALSE(form.ok()) << encoded;
    EXPECT_EQ(form.status().code(), "invalid_request");
    EXPECT_NE(form.status().message().find("UTF-8"), std::string::npos) << form.status().message();
  }
}

TEST(Form, InvalidUtf8ValueNamesItsParameter) {
  StatusOr<Form> form = Form::Parse("state=%FF", "query");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().param(), "state");
}

TEST(Form, AcceptsValidMultibyteUtf8) {
  EXPECT_EQ(MustParse("name=Ren%C3%A9e+%E2%82%AC").Get("name"), "Renée €");
}

TEST(Form, EncodeJoinsPairsWithPlusForSpace) {
  EXPECT_EQ(Form::Encode({{"code", "cac_1"}, {"state", "a b&c=d"}}),
            "code=cac_1&state=a+b%26c%3Dd");
  EXPECT_EQ(Form::Encode({}), "");
}

TEST(Form, EncodeRoundTripsThroughParse) {
  const Form::Pairs pairs = {
      {"error_description", "the code expired: ask again"},
      {"state", "x+y%z&w=1/2?#"},
      {"redirect_uri", "https://your-app.com/oauth/callback?a=1"},
      {"login_hint", "renée@example.com"},
      {"tilde~dot.dash-under_", "~._-"},
  };
  StatusOr<Form> form = Form::Parse(Form::Encode(pairs), "query");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->pairs(), pairs);
}

TEST(PercentEncode, EncodesReservedCharacters) {
  EXPECT_EQ(PercentEncode(":"), "%3A");
  EXPECT_EQ(PercentEncode("+"), "%2B");
  EXPECT_EQ(PercentEncode("%"), "%25");
  EXPECT_EQ(PercentEncode(" "), "%20");
  EXPECT_EQ(PercentEncode("/?#&="), "%2F%3F%23%26%3D");
}

// RFC 6749 §2.3.1: the client id and secret are form-encoded before Basic authentication.
TEST(PercentEncode, FormEncodingTurnsSpaceIntoPlus) {
  EXPECT_EQ(PercentEncode("cs_special:+%41 secret/0002", /*space_as_plus=*/true),
            "cs_special%3A%2B%2541+secret%2F0002");
}

TEST(PercentEncode, LeavesUnreservedCharactersAlone) {
  const std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  EXPECT_EQ(PercentEncode(unreserved), unreserved);
}

TEST(PercentEncode, EncodesNonAsciiBytesInUpperCaseHex) {
  EXPECT_EQ(PercentEncode("é"), "%C3%A9");
  EXPECT_EQ(PercentEncode(std::string("\0\x7f", 2)), "%00%7F");
}

TEST(PercentDecode, TreatsPlusLiterallyUnlessAsked) {
  EXPECT_EQ(PercentDecode("a+b%2B", /*plus_is_space=*/false), "a+b+");
  EXPECT_EQ(PercentDecode("a+b%2B", /*plus_is_space=*/true), "a b+");
}

TEST(PercentDecode, RefusesTruncatedEscapes) {
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("%4", false).has_value());
  EXPECT_FALSE(PercentDecode("ab%4", false).has_value());
  EXPECT_EQ(PercentDecode("ab%41", false), "abA");
}

}  // namespace
}  // namespace chronapilot
