// harness/checks.h: ${} substitution, dotted paths, and every matcher of scenarios/README.md
// ("Matchers"), each shown to pass and to fail, with the texts the report prints.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "harness/checks.h"
#include "mock/crypto.h"

namespace chronapilot {
namespace {

// RFC 7636 Appendix B.
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr char kChallenge[] = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

Json J(const char* text) { return Json::parse(text); }

bool Passes(const Json& matcher, const std::optional<Json>& seen) {
  EXPECT_TRUE(ValidateMatcher(matcher).ok())
      << matcher.dump() << ": " << ValidateMatcher(matcher).message();
  return Match(matcher, seen).passed;
}

Json Vars() {
  return J(R"({"url": "https://x.example/cb?code=abc", "n": 42, "obj": {"a": [1, {"b": "deep"}]},
               "www-auth": {"www-authenticate": "Bearer"}, "flag": true, "nothing": null})");
}

std::string SubstituteError(const Json& spec) {
  StatusOr<Json> out = Substitute(spec, Vars());
  return out.ok() ? "" : out.status().message();
}

// ---- Substitute ------------------------------------------------------------------------------

TEST(Substitute, WholeReferenceBecomesTheValueWithItsType) {
  EXPECT_EQ(*Substitute(Json("${n}"), Vars()), Json(42));
  EXPECT_EQ(*Substitute(Json("${obj}"), Vars()), Vars()["obj"]);
  EXPECT_EQ(*Substitute(Json("${flag}"), Vars()), Json(true));
  EXPECT_EQ(*Substitute(Json("${nothing}"), Vars()), Json(nullptr));
}

TEST(Substitute, PathIntoAVariableIndexesArraysAndObjects) {
  EXPECT_EQ(*Substitute(Json("${obj.a.1.b}"), Vars()), Json("deep"));
  EXPECT_EQ(*Substitute(Json("${obj.a.0}"), Vars()), Json(1));
}

TEST(Substitute, EmbeddedReferencesInsertStringsRawAndOtherValuesAsJson) {
  EXPECT_EQ(*Substitute(Json("go to ${url} now"), Vars()),
            Json("go to https://x.example/cb?code=abc now"));
  EXPECT_EQ(*Substitute(Json("n=${n}, obj=${obj.a}"), Vars()),
            Json(R"(n=42, obj=[1,{"b":"deep"}])"));
  EXPECT_EQ(*Substitute(Json("${n}${n}"), Vars()), Json("4242"));
  EXPECT_EQ(*Substitute(Json("x${nothing}"), Vars()), Json("xnull"));
}

TEST(Substitute, RecursesIntoArraysAndObjectValuesButNotKeys) {
  Json spec = J(R"({"${n}": ["${n}", {"deeper": "${url}"}], "plain": 7})");
  Json out = *Substitute(spec, Vars());
  EXPECT_EQ(out, J(R"({"${n}": [42, {"deeper": "https://x.example/cb?code=abc"}], "plain": 7})"));
}

TEST(Substitute, DoubleDollarBraceIsALiteral) {
  EXPECT_EQ(*Substitute(Json("$${n}"), Vars()), Json("${n}"));
  EXPECT_EQ(*Substitute(Json("a $${n} b ${n}"), Vars()), Json("a ${n} b 42"));
  EXPECT_EQ(*Substitute(Json("costs $5 or $$"), Vars()), Json("costs $5 or $$"));
}

TEST(Substitute, KeysWithDashesWorkInPaths) {
  // "www-auth" is not a name (letters, digits and _), but path segments may hold '-'.
  EXPECT_FALSE(Substitute(Json("${www-auth.www-authenticate}"), Vars()).ok());
  Json vars = J(R"({"resp": {"headers": {"www-authenticate": "Bearer x"}}})");
  EXPECT_EQ(*Substitute(Json("${resp.headers.www-authenticate}"), vars), Json("Bearer x"));
}

TEST(Substitute, UnknownNameIsAnErrorNamingIt) {
  const std::string error = SubstituteError(Json("${nope}"));
  EXPECT_NE(error.find("unknown value ${nope}"), std::string::npos) << error;
  EXPECT_NE(error.find("url"), std::string::npos) << "lists the defined names: " << error;
}

TEST(Substitute, UnknownPathIsAnErrorNamingTheWholeReference) {
  const std::string error = SubstituteError(J(R"({"a": ["x ${obj.a.7} y"]})"));
  EXPECT_NE(error.find("unknown value ${obj.a.7}"), std::string::npos) << error;
}

TEST(Substitute, MalformedReferencesAreErrors) {
  EXPECT_NE(SubstituteError(Json("${url")).find("unterminated"), std::string::npos);
  EXPECT_NE(SubstituteError(Json("${}")).find("bad reference"), std::string::npos);
  EXPECT_NE(SubstituteError(Json("${url..x}")).find("bad reference"), std::string::npos);
  EXPECT_NE(SubstituteError(Json("${9x}")).find("bad reference"), std::string::npos);
}

TEST(Substitute, LeavesNonStringsAndPlainStringsAlone) {
  Json spec = J(R"({"a": 1, "b": 2.5, "c": null, "d": false, "e": "no refs {here}"})");
  EXPECT_EQ(*Substitute(spec, Vars()), spec);
}

TEST(Substitute, InvalidUtf8InAnEmbeddedValueDoesNotThrow) {
  Json vars = Json::object();
  vars["bad"] = Json::array({std::string("\xff\xfe")});
  StatusOr<Json> out = Substitute(Json("x ${bad}"), vars);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->is_string());
}

TEST(FindReferences, ListsReferencesAndSkipsEscapes) {
  StatusOr<std::vector<std::string>> refs = FindReferences("${a} and $${b} and ${c.d.0}");
  ASSERT_TRUE(refs.ok());
  EXPECT_EQ(*refs, (std::vector<std::string>{"a", "c.d.0"}));
  EXPECT_FALSE(FindReferences("${a").ok());
}

TEST(IsWholeReference, OnlyASingleReferenceWithNothingAround) {
  EXPECT_TRUE(IsWholeReference("${a}"));
  EXPECT_TRUE(IsWholeReference("${a.b.0}"));
  EXPECT_FALSE(IsWholeReference("${a}${b}"));
  EXPECT_FALSE(IsWholeReference("x${a}"));
  EXPECT_FALSE(IsWholeReference("$${a}"));
  EXPECT_FALSE(IsWholeReference("${}"));
}

// ---- Lookup ----------------------------------------------------------------------------------

TEST(Lookup, DottedPathsIndexObjectsAndArrays) {
  Json v = J(R"({"result": {"data": [{"id": "evt_1"}, {"id": "evt_2"}]},
                 "headers": {"www-authenticate": "Bearer"}})");
  EXPECT_EQ(Lookup(v, "result.data.1.id"), Json("evt_2"));
  EXPECT_EQ(Lookup(v, "headers.www-authenticate"), Json("Bearer"));
  EXPECT_EQ(Lookup(v, ""), v);
}

TEST(Lookup, MissingSegmentsAreNullopt) {
  Json v = J(R"({"a": [1, 2], "b": "text", "c": null})");
  EXPECT_FALSE(Lookup(v, "x").has_value());
  EXPECT_FALSE(Lookup(v, "a.2").has_value());
  EXPECT_FALSE(Lookup(v, "a.-1").has_value());
  EXPECT_FALSE(Lookup(v, "a.x").has_value());
  EXPECT_FALSE(Lookup(v, "b.0").has_value());
  EXPECT_FALSE(Lookup(v, "c.d").has_value());
  EXPECT_FALSE(Lookup(v, "a.99999999999999999999").has_value());
}

TEST(Lookup, PresentNullIsNotAbsent) {
  Json v = J(R"({"c": null})");
  ASSERT_TRUE(Lookup(v, "c").has_value());
  EXPECT_TRUE(Lookup(v, "c")->is_null());
}

// ---- Matchers --------------------------------------------------------------------------------

TEST(Matcher, ScalarIsEqualityWithNumbersByValue) {
  EXPECT_TRUE(Passes(Json(1), Json(1.0)));
  EXPECT_TRUE(Passes(Json(2.5), Json(2.5)));
  EXPECT_FALSE(Passes(Json(1), Json("1")));
  EXPECT_TRUE(Passes(Json("S256"), Json("S256")));
  EXPECT_FALSE(Passes(Json("S256"), Json("s256")));
  EXPECT_TRUE(Passes(Json(nullptr), Json(nullptr)));
  EXPECT_FALSE(Passes(Json(nullptr), std::nullopt));
  EXPECT_TRUE(Passes(Json(true), Json(true)));
  EXPECT_FALSE(Passes(Json(true), Json(1)));
}

TEST(Matcher, LargeIntegersCompareExactly) {
  EXPECT_TRUE(Passes(Json(uint64_t{18446744073709551615u}), Json(uint64_t{18446744073709551615u})));
  EXPECT_FALSE(Passes(Json(int64_t{9007199254740993}), Json(int64_t{9007199254740992})));
  EXPECT_FALSE(Passes(Json(-1), Json(uint64_t{18446744073709551615u})));
}

TEST(Matcher, ListIsDeepEquality) {
  EXPECT_TRUE(Passes(J(R"([1, "a", {"x": 2}])"), J(R"([1.0, "a", {"x": 2}])")));
  EXPECT_FALSE(Passes(J(R"([1, 2])"), J(R"([2, 1])")));
  EXPECT_FALSE(Passes(J(R"([1, 2])"), J(R"([1, 2, 3])")));
}

TEST(Matcher, EqualsComparesObjectsIgnoringKeyOrder) {
  EXPECT_TRUE(Passes(J(R"({"equals": {"a": 1, "b": [true]}})"), J(R"({"b": [true], "a": 1.0})")));
  EXPECT_FALSE(Passes(J(R"({"equals": {"a": 1}})"), J(R"({"a": 1, "b": 2})")));
  EXPECT_FALSE(Passes(J(R"({"equals": "x"})"), std::nullopt));
  EXPECT_EQ(Match(J(R"({"equals": "S256"})"), Json("plain")).expected, "equals \"S256\"");
}

TEST(Matcher, NotNegatesAValueOrAMatcher) {
  EXPECT_TRUE(Passes(J(R"({"not": "plain"})"), Json("S256")));
  EXPECT_FALSE(Passes(J(R"({"not": "plain"})"), Json("plain")));
  EXPECT_TRUE(Passes(J(R"({"not": {"prefix": "sk_"}})"), Json("cat_1")));
  EXPECT_FALSE(Passes(J(R"({"not": {"prefix": "sk_"}})"), Json("sk_live")));
  EXPECT_EQ(Match(J(R"({"not": "plain"})"), Json("plain")).expected, "not equals \"plain\"");
}

TEST(Matcher, NotPassesOnAbsent) {
  EXPECT_TRUE(Passes(J(R"({"not": "x"})"), std::nullopt));
  EXPECT_FALSE(Passes(J(R"({"not": {"exists": false}})"), std::nullopt));
}

TEST(Matcher, EqualsCiIgnoresCaseOfStringsOnly) {
  EXPECT_TRUE(Passes(J(R"({"equals_ci": "bearer"})"), Json("Bearer")));
  EXPECT_FALSE(Passes(J(R"({"equals_ci": "bearer"})"), Json("Bearer2")));
  EXPECT_FALSE(Passes(J(R"({"equals_ci": "1"})"), Json(1)));
  EXPECT_FALSE(Passes(J(R"({"equals_ci": "bearer"})"), std::nullopt));
}

TEST(Matcher, MatchesSearchesAnywhereWithEcmaScriptSyntax) {
  EXPECT_TRUE(Passes(J(R"({"matches": "^cat_"})"), Json("cat_123")));
  EXPECT_TRUE(Passes(J(R"({"matches": "\\d{3}"})"), Json("abc123def")));
  EXPECT_FALSE(Passes(J(R"({"matches": "^cat_"})"), Json("xcat_")));
  EXPECT_FALSE(Passes(J(R"({"matches": "1"})"), Json(1)));
  EXPECT_FALSE(Passes(J(R"({"matches": "."})"), std::nullopt));
  EXPECT_EQ(Match(J(R"({"matches": "^cat_"})"), Json("x")).expected, "matches /^cat_/");
}

TEST(Matcher, MatchesOnAVeryLongStringFailsCleanlyInsteadOfOverflowingTheStack) {
  std::string long_text(50000, 'a');
  long_text += "b";
  EXPECT_TRUE(Passes(J(R"({"matches": "(a|b)*b"})"), Json(long_text)));
  std::string huge(200000, 'a');
  MatchOutcome out = Match(J(R"({"matches": "a.*b"})"), Json(huge));
  EXPECT_FALSE(out.passed);
  EXPECT_NE(out.expected.find("too long"), std::string::npos) << out.expected;
}

TEST(Matcher, PrefixOnStrings) {
  EXPECT_TRUE(Passes(J(R"({"prefix": "cat_"})"), Json("cat_1")));
  EXPECT_FALSE(Passes(J(R"({"prefix": "cat_"})"), Json("ca")));
  EXPECT_FALSE(Passes(J(R"({"prefix": "1"})"), Json(12)));
}

TEST(Matcher, ContainsASubstringOrAListElement) {
  EXPECT_TRUE(Passes(J(R"({"contains": "events:read"})"), Json("events:read events:write")));
  EXPECT_FALSE(Passes(J(R"({"contains": "webhooks"})"), Json("events:read")));
  EXPECT_TRUE(Passes(J(R"({"contains": {"id": 2}})"), J(R"([{"id": 1}, {"id": 2.0}])")));
  EXPECT_FALSE(Passes(J(R"({"contains": 3})"), J(R"([1, 2])")));
  EXPECT_FALSE(Passes(J(R"({"contains": "a"})"), J(R"({"a": 1})")));
  EXPECT_FALSE(Passes(J(R"({"contains": "a"})"), std::nullopt));
}

TEST(Matcher, NotContainsFailsOnAbsentAndOnValuesThatCannotContain) {
  EXPECT_TRUE(Passes(J(R"({"not_contains": "client_secret"})"), Json("grant_type=x")));
  EXPECT_FALSE(Passes(J(R"({"not_contains": "secret"})"), Json("client_secret=1")));
  EXPECT_TRUE(Passes(J(R"({"not_contains": 3})"), J(R"([1, 2])")));
  EXPECT_FALSE(Passes(J(R"({"not_contains": 2})"), J(R"([1, 2])")));
  EXPECT_FALSE(Passes(J(R"({"not_contains": "x"})"), std::nullopt));
  EXPECT_FALSE(Passes(J(R"({"not_contains": "x"})"), Json(5)));
}

TEST(Matcher, ExistsTellsPresentFromAbsent) {
  EXPECT_TRUE(Passes(J(R"({"exists": true})"), Json(nullptr)));
  EXPECT_FALSE(Passes(J(R"({"exists": true})"), std::nullopt));
  EXPECT_TRUE(Passes(J(R"({"exists": false})"), std::nullopt));
  EXPECT_FALSE(Passes(J(R"({"exists": false})"), Json("")));
  EXPECT_EQ(Match(J(R"({"exists": false})"), Json("x")).expected, "is absent");
}

TEST(Matcher, OneOfComparesByValue) {
  EXPECT_TRUE(Passes(J(R"({"one_of": [400, 401]})"), Json(401.0)));
  EXPECT_FALSE(Passes(J(R"({"one_of": [400, 401]})"), Json(403)));
  EXPECT_FALSE(Passes(J(R"({"one_of": [null]})"), std::nullopt));
}

TEST(Matcher, OrderingOperatorsCompareNumbers) {
  EXPECT_TRUE(Passes(J(R"({"gt": 3599})"), Json(3600)));
  EXPECT_FALSE(Passes(J(R"({"gt": 3600})"), Json(3600)));
  EXPECT_TRUE(Passes(J(R"({"gte": 3600})"), Json(3600.0)));
  EXPECT_FALSE(Passes(J(R"({"gte": 3600})"), Json(3599.5)));
  EXPECT_TRUE(Passes(J(R"({"lt": 0.5})"), Json(0)));
  EXPECT_FALSE(Passes(J(R"({"lt": -1})"), Json(0)));
  EXPECT_TRUE(Passes(J(R"({"lte": -1})"), Json(-1)));
  EXPECT_FALSE(Passes(J(R"({"lte": -1})"), Json(uint64_t{5})));
  EXPECT_FALSE(Passes(J(R"({"gt": 1})"), Json("2")));
  EXPECT_FALSE(Passes(J(R"({"gt": 1})"), std::nullopt));
  EXPECT_EQ(Match(J(R"({"gte": 1, "lte": 5})"), Json(9)).expected, ">= 1 and <= 5");
}

TEST(Matcher, LengthOfStringsInCharactersAndOfArrays) {
  EXPECT_TRUE(Passes(J(R"({"length": 43})"), Json(kVerifier)));
  EXPECT_FALSE(Passes(J(R"({"length": 42})"), Json(kVerifier)));
  EXPECT_TRUE(Passes(J(R"({"length": 2})"), Json("é€")));
  EXPECT_TRUE(Passes(J(R"({"length": 3})"), J("[1, 2, 3]")));
  EXPECT_FALSE(Passes(J(R"({"length": 0})"), Json(0)));
  EXPECT_FALSE(Passes(J(R"({"length": 0})"), std::nullopt));
}

TEST(Matcher, LengthTakesAMatcherOnTheLength) {
  Json m = J(R"({"length": {"gte": 43, "lte": 128}})");
  EXPECT_TRUE(Passes(m, Json(kVerifier)));
  EXPECT_FALSE(Passes(m, Json("short")));
  EXPECT_EQ(Match(m, Json("short")).expected, "length (>= 43 and <= 128)");
}

TEST(Matcher, TypeNamesJsonTypes) {
  EXPECT_TRUE(Passes(J(R"({"type": "string"})"), Json("")));
  EXPECT_TRUE(Passes(J(R"({"type": "number"})"), Json(1)));
  EXPECT_TRUE(Passes(J(R"({"type": "number"})"), Json(1.5)));
  EXPECT_TRUE(Passes(J(R"({"type": "boolean"})"), Json(false)));
  EXPECT_TRUE(Passes(J(R"({"type": "object"})"), Json::object()));
  EXPECT_TRUE(Passes(J(R"({"type": "array"})"), Json::array()));
  EXPECT_TRUE(Passes(J(R"({"type": "null"})"), Json(nullptr)));
  EXPECT_FALSE(Passes(J(R"({"type": "string"})"), Json(1)));
  EXPECT_FALSE(Passes(J(R"({"type": "null"})"), std::nullopt));
}

TEST(Matcher, S256PassesForAVerifierThatHashesToTheOperand) {
  EXPECT_EQ(Base64UrlEncode(Sha256(kVerifier)), kChallenge);  // the fixture itself
  Json m = Json::object();
  m["s256"] = kChallenge;
  EXPECT_TRUE(Passes(m, Json(kVerifier)));
  MatchOutcome out = Match(m, Json(kChallenge));  // "plain": the verifier is the challenge
  EXPECT_FALSE(out.passed);
  EXPECT_NE(out.expected.find(std::string("s256 hash \"") + kChallenge), std::string::npos)
      << out.expected;
  EXPECT_NE(out.expected.find(std::string("hashes to \"") + Base64UrlEncode(Sha256(kChallenge))),
            std::string::npos)
      << out.expected;
  EXPECT_FALSE(Passes(m, std::nullopt));
  EXPECT_FALSE(Passes(m, Json(42)));
}

TEST(Matcher, AllOperatorsMustHold) {
  Json m = J(R"({"type": "string", "prefix": "cat_", "length": 8})");
  EXPECT_TRUE(Passes(m, Json("cat_1234")));
  EXPECT_FALSE(Passes(m, Json("cat_12345")));
  EXPECT_EQ(Match(m, Json("x")).expected, "type string and prefix \"cat_\" and length 8");
}

TEST(Matcher, AbsentFailsEveryOperatorExceptExistsFalseAndNot) {
  for (const char* text :
       {R"({"equals": null})", R"({"equals_ci": "a"})", R"({"matches": ""})", R"({"prefix": ""})",
        R"({"contains": ""})", R"({"not_contains": "a"})", R"({"exists": true})",
        R"({"one_of": [1]})", R"({"gt": 0})", R"({"gte": 0})", R"({"lt": 0})", R"({"lte": 0})",
        R"({"length": 0})", R"({"type": "null"})", R"({"s256": ""})"}) {
    EXPECT_FALSE(Passes(J(text), std::nullopt)) << text;
  }
  EXPECT_TRUE(Passes(J(R"({"exists": false})"), std::nullopt));
  EXPECT_TRUE(Passes(J(R"({"not": 1})"), std::nullopt));
}

TEST(Matcher, SeenIsTheJsonOrAbsentAndIsTruncated) {
  EXPECT_EQ(Match(Json(1), Json("x")).seen, "\"x\"");
  EXPECT_EQ(Match(Json(1), std::nullopt).seen, "(absent)");
  MatchOutcome out = Match(Json(1), Json(std::string(5000, 'y')));
  EXPECT_LT(out.seen.size(), 320u);
  EXPECT_NE(out.seen.find("…"), std::string::npos);
  // Invalid UTF-8 in a value is shown, not thrown.
  EXPECT_FALSE(Match(Json(1), Json(std::string("\xc3("))).seen.empty());
}

TEST(Matcher, TruncationKeepsUtf8CharactersWhole) {
  std::string euros;
  for (int i = 0; i < 400; ++i) euros += "€";
  const std::string seen = Match(Json(1), Json(euros)).seen;
  EXPECT_EQ(seen.substr(seen.size() - 3), "…");
  EXPECT_EQ(
      Json::parse("\"" + seen.substr(1, seen.size() - 4) + "\"").get<std::string>().size() % 3, 0u);
}

// ---- ValidateMatcher -------------------------------------------------------------------------

std::string ValidationError(const char* text) {
  Status s = ValidateMatcher(J(text));
  return s.ok() ? "" : s.message();
}

TEST(ValidateMatcher, ScalarsListsAndNullAreAlwaysValid) {
  EXPECT_TRUE(ValidateMatcher(Json(1)).ok());
  EXPECT_TRUE(ValidateMatcher(Json("x")).ok());
  EXPECT_TRUE(ValidateMatcher(J("[1, {\"a\": 2}]")).ok());
  EXPECT_TRUE(ValidateMatcher(Json(nullptr)).ok());
}

TEST(ValidateMatcher, MappingWithNonOperatorKeysSaysToUseEquals) {
  const std::string error = ValidationError(R"({"a": 1})");
  EXPECT_NE(error.find("\"a\" is not a matcher operator"), std::string::npos) << error;
  EXPECT_NE(error.find("{equals: {...}}"), std::string::npos) << error;
  EXPECT_NE(ValidationError(R"({"equals": 1, "eqals": 2})").find("\"eqals\""), std::string::npos);
}

TEST(ValidateMatcher, EmptyMappingIsRefused) {
  EXPECT_NE(ValidationError("{}").find("{equals: {}}"), std::string::npos);
}

TEST(ValidateMatcher, OperandsOfTheWrongTypeAreRefused) {
  EXPECT_NE(ValidationError(R"({"gt": "5"})").find("\"gt\" needs a number"), std::string::npos);
  EXPECT_NE(ValidationError(R"({"exists": "yes"})").find("true or false"), std::string::npos);
  EXPECT_NE(ValidationError(R"({"one_of": 1})").find("a list"), std::string::npos);
  EXPECT_NE(ValidationError(R"({"equals_ci": 1})").find("a string"), std::string::npos);
  EXPECT_NE(ValidationError(R"({"prefix": null})").find("a string"), std::string::npos);
  EXPECT_NE(ValidationError(R"({"s256": 5})").find("a string"), std::string::npos);
  EXPECT_NE(ValidationError(R"({"length": -1})").find("\"length\""), std::string::npos);
  EXPECT_NE(ValidationError(R"({"length": 1.5})").find("\"length\""), std::string::npos);
  EXPECT_NE(ValidationError(R"({"type": "int"})").find("string, number"), std::string::npos);
  EXPECT_NE(ValidationError(R"({"not": {"x": 1}})").find("\"x\""), std::string::npos);
  EXPECT_NE(ValidationError(R"({"length": {"gte": "a"}})").find("\"gte\""), std::string::npos);
}

TEST(ValidateMatcher, RegexThatDoesNotCompileIsRefused) {
  const std::string error = ValidationError(R"({"matches": "(unclosed"})");
  EXPECT_NE(error.find("invalid regex /(unclosed/"), std::string::npos) << error;
}

TEST(ValidateMatcher, WholeReferenceOperandsAreLeftForRunTime) {
  EXPECT_TRUE(ValidateMatcher(J(R"({"gt": "${n}", "one_of": "${list}", "exists": "${b}"})")).ok());
  EXPECT_TRUE(ValidateMatcher(J(R"({"matches": "^${prefix}("})")).ok());
  EXPECT_TRUE(ValidateMatcher(J(R"({"s256": "${challenge}"})")).ok());
  // At run time the substituted matcher is checked strictly.
  MatchOutcome out = Match(J(R"({"gt": "${n}"})"), Json(5));
  EXPECT_FALSE(out.passed);
  EXPECT_NE(out.expected.find("needs a number"), std::string::npos) << out.expected;
}

TEST(ValidateMatcher, EveryOperatorIsKnown) {
  for (const char* op :
       {"equals", "not", "equals_ci", "matches", "prefix", "contains", "not_contains", "exists",
        "one_of", "gt", "gte", "lt", "lte", "length", "type", "s256"}) {
    EXPECT_TRUE(IsMatcherOperator(op)) << op;
  }
  EXPECT_FALSE(IsMatcherOperator("equal"));
}

TEST(Match, InvalidMatcherFailsWithTheReason) {
  MatchOutcome out = Match(J(R"({"bogus": 1})"), Json(1));
  EXPECT_FALSE(out.passed);
  EXPECT_NE(out.expected.find("bogus"), std::string::npos);
}

}  // namespace
}  // namespace chronapilot
