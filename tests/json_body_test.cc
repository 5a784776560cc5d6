// mock/json_body.h: reading a JSON request body: 415 for the wrong content type, 400 for
// anything malformed, never an exception or a crash.
#include "mock/json_body.h"

#include <gtest/gtest.h>

#include <string>

namespace chronapilot {
namespace {

HttpRequest Request(std::string body, const char* content_type = "application/json") {
  HttpRequest req;
  req.method = "POST";
  req.path = "/v1/events";
  if (content_type != nullptr) req.headers.emplace_back("Content-Type", content_type);
  req.body = std::move(body);
  return req;
}

// `depth` nested objects: 1 → {}, 2 → {"a":{}}, ...
std::string NestedObjects(int depth) {
  std::string out;
  for (int i = 1; i < depth; ++i) out += "{\"a\":";
  out += "{}";
  out += std::string(size_t(depth - 1), '}');
  return out;
}

TEST(ParseJsonObjectBody, ParsesAnObject) {
  StatusOr<Json> body = ParseJsonObjectBody(Request(R"({"summary": "Lunch", "n": 1})"), false);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ((*body)["summary"], "Lunch");
  EXPECT_EQ((*body)["n"], 1);
}

TEST(ParseJsonObjectBody, AcceptsParametersAndCaseInTheMediaType) {
  for (const char* type : {"application/json; charset=utf-8", "Application/JSON",
                           "application/json ;charset=UTF-8", " application/json"}) {
    EXPECT_TRUE(ParseJsonObjectBody(Request("{}", type), false).ok()) << type;
  }
}

// RES-7, ERR-1
TEST(ParseJsonObjectBody, RefusesOtherContentTypesWith415) {
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                           "application/json-patch+json", "", "json"}) {
    StatusOr<Json> body = ParseJsonObjectBody(Request("{}", type), false);
    ASSERT_FALSE(body.ok()) << type;
    EXPECT_EQ(body.status().kind(), ErrorKind::kUnsupportedMediaType) << type;
    EXPECT_EQ(HttpStatusFor(body.status().kind()), 415);
  }
}

// RES-7, ERR-1
TEST(ParseJsonObjectBody, RefusesAMissingContentTypeWith415) {
  StatusOr<Json> body = ParseJsonObjectBody(Request("{}", nullptr), false);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().kind(), ErrorKind::kUnsupportedMediaType);
  EXPECT_NE(body.status().message().find("application/json"), std::string::npos);
}

TEST(ParseJsonObjectBody, EmptyBodyIsAnEmptyObjectWhenAllowed) {
  StatusOr<Json> body = ParseJsonObjectBody(Request("", nullptr), true);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, Json::object());
}

TEST(ParseJsonObjectBody, EmptyBodyIsMalformedWhenNotAllowed) {
  StatusOr<Json> body = ParseJsonObjectBody(Request(""), false);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.status().kind(), ErrorKind::kInvalidRequest);
}

// ERR-1
TEST(ParseJsonObjectBody, RefusesMalformedJsonWith400) {
  for (const char* text : {"{", "{\"a\":}", "{\"a\":1,}", "{} x", "{'a':1}", "{\"a\":01}",
                           "{\"a\":NaN}", "{\"a\":\"\n\"}", "nul", "{\"a\":1}{\"b\":2}"}) {
    StatusOr<Json> body = ParseJsonObjectBody(Request(text), false);
    ASSERT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.status().kind(), ErrorKind::kInvalidRequest) << text;
    EXPECT_EQ(body.status().code(), "invalid_json") << text;
    EXPECT_EQ(HttpStatusFor(body.status().kind()), 400);
  }
}

// ERR-1
TEST(ParseJsonObjectBody, RefusesNonObjects) {
  for (const char* text : {"[]", "[{}]", "1", "\"x\"", "null", "true"}) {
    StatusOr<Json> body = ParseJsonObjectBody(Request(text), false);
    ASSERT_FALSE(body.ok()) << text;
    EXPECT_EQ(body.status().code(), "invalid_json") << text;
    EXPECT_NE(body.status().message().find("object"), std::string::npos) << text;
  }
}

// ERR-1
TEST(ParseJsonObjectBody, RefusesInvalidUtf8) {
  for (std::string text : {std::string("{\"a\":\"\xff\"}"), std::string("{\"a\":\"\xc0\xaf\"}"),
                           std::string("{\"a\":\"\xed\xa0\x80\"}"), std::string("{\"\xc3\":1}"),
                           std::string("{\"a\":\"\\ud800\"}")}) {
    StatusOr<Json> body = ParseJsonObjectBody(Request(text), false);
    EXPECT_FALSE(body.ok()) << text;
  }
}

TEST(ParseJsonObjectBody, AcceptsValidUtf8AndEscapes) {
  StatusOr<Json> body =
      ParseJsonObjectBody(Request("{\"a\":\"Ren\xc3\xa9\x65 \\u20ac \\ud83d\\ude00\"}"), false);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ((*body)["a"], "Ren\xc3\xa9\x65 \xe2\x82\xac \xf0\x9f\x98\x80");
}

// ERR-1: the depth limit is exactly kMaxJsonDepth.
TEST(ParseJsonObjectBody, AcceptsNestingUpToTheLimit) {
  EXPECT_TRUE(ParseJsonObjectBody(Request(NestedObjects(kMaxJsonDepth)), false).ok());
  StatusOr<Json> deeper = ParseJsonObjectBody(Request(NestedObjects(kMaxJsonDepth + 1)), false);
  ASSERT_FALSE(deeper.ok());
  EXPECT_EQ(deeper.status().code(), "invalid_json");
  EXPECT_NE(deeper.status().message().find("32"), std::string::npos) << deeper.status().message();
}

// ERR-1: a hostile body must be a 400, not a stack overflow.
TEST(ParseJsonObjectBody, RefusesHugeNestingWithoutCrashing) {
  for (const std::string& text :
       {std::string(100000, '['), std::string(100000, '[') + std::string(100000, ']'),
        std::string(100000, '{'), "{\"a\":" + std::string(100000, '[')}) {
    StatusOr<Json> body = ParseJsonObjectBody(Request(text), false);
    ASSERT_FALSE(body.ok());
    EXPECT_EQ(body.status().kind(), ErrorKind::kInvalidRequest);
  }
}

TEST(ParseJsonObjectBody, BracketsInsideStringsDoNotCount) {
  const std::string deep = std::string(100, '[') + std::string(100, '{');
  StatusOr<Json> body = ParseJsonObjectBody(Request("{\"a\":\"" + deep + "\"}"), false);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ((*body)["a"], deep);
}

TEST(ParseJsonObjectBody, EscapedQuotesDoNotEndAString) {
  const std::string deep = std::string(100, '[');
  StatusOr<Json> body =
      ParseJsonObjectBody(Request("{\"a\":\"\\\"" + deep + "\\\\\", \"b\": 1}"), false);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ((*body)["a"], "\"" + deep + "\\");
  EXPECT_EQ((*body)["b"], 1);
}

// RES-7: unknown fields are errors that name the field.
TEST(RejectUnknownFields, NamesTheUnknownField) {
  Json object = {{"url", "https://x"}, {"enabled_events", Json::array()}, {"secrett", "x"}};
  Status s = RejectUnknownFields(object, {"url", "enabled_events", "description"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(s.code(), "parameter_unknown");
  EXPECT_EQ(s.param(), "secrett");
  EXPECT_NE(s.message().find("\"secrett\""), std::string::npos) << s.message();
}

TEST(RejectUnknownFields, AcceptsKnownFields) {
  EXPECT_TRUE(RejectUnknownFields({{"url", "https://x"}}, {"url", "enabled_events"}).ok());
  EXPECT_TRUE(RejectUnknownFields(Json::object(), {"url"}).ok());
}

TEST(RejectUnknownFields, IsCaseSensitive) {
  Status s = RejectUnknownFields({{"URL", "https://x"}}, {"url"});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.param(), "URL");
}

TEST(RejectUnknownFields, RefusesEverythingWhenNothingIsAllowed) {
  Status s = RejectUnknownFields({{"a", 1}}, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.param(), "a");
}

}  // namespace
}  // namespace chronapilot
