// Injected faults (SPEC CTRL-5): Fault::FromJson and FaultInjector on their own, then
// POST/GET/DELETE /_mock/faults and what clients see, through real HTTP on loopback.
// delay_ms is measured in real time (it is a real wait); everything else is deterministic.
#include "mock/faults.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

constexpr char kJsonType[] = "application/json; charset=utf-8";

// --- Fault::FromJson ----------------------------------------------------------------------------

StatusOr<Fault> Parse(const std::string& json) { return Fault::FromJson(Json::parse(json)); }

// CTRL-5
TEST(FaultFromJson, ReadsEveryField) {
  auto f = Parse(R"({"match": {"method": "POST", "path": "/v1/events"},
                     "response": {"status": 429, "headers": {"Retry-After": "1"},
                                  "body": "slow down"},
                     "delay_ms": 250, "drop_connection": false, "times": 3})");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->method, "POST");
  EXPECT_EQ(f->path, "/v1/events");
  ASSERT_TRUE(f->status.has_value());
  EXPECT_EQ(*f->status, 429);
  EXPECT_EQ(f->headers, (HeaderList{{"Retry-After", "1"}}));
  EXPECT_EQ(f->body, "slow down");
  EXPECT_EQ(f->delay_ms, 250);
  EXPECT_FALSE(f->drop_connection);
  EXPECT_EQ(f->remaining, 3);
}

// CTRL-5: `times` defaults to 1, an absent match matches every request.
TEST(FaultFromJson, DefaultsToOnceForAnyRequest) {
  auto f = Parse(R"({"response": {"status": 503}})");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->remaining, 1);
  EXPECT_EQ(f->method, "");
  EXPECT_EQ(f->path, "");
  EXPECT_TRUE(f->headers.empty());
  EXPECT_EQ(f->body, "");
  EXPECT_EQ(f->delay_ms, 0);
  EXPECT_FALSE(f->drop_connection);
  EXPECT_TRUE(f->Matches("GET", "/v1/events"));
  EXPECT_TRUE(f->Matches("POST", "/oauth/token"));
}

// CTRL-5: a delay or a dropped connection alone is a fault too.
TEST(FaultFromJson, DelayOrDropWithoutResponse) {
  auto delay = Parse(R"({"delay_ms": 10})");
  ASSERT_TRUE(delay.ok()) << delay.status().ToString();
  EXPECT_FALSE(delay->status.has_value());
  EXPECT_EQ(delay->delay_ms, 10);
  auto drop = Parse(R"({"drop_connection": true, "times": 2})");
  ASSERT_TRUE(drop.ok()) << drop.status().ToString();
  EXPECT_FALSE(drop->status.has_value());
  EXPECT_TRUE(drop->drop_connection);
  EXPECT_EQ(drop->remaining, 2);
}

// CTRL-5: an object body is the answer's JSON; a string body is sent as it is.
TEST(FaultFromJson, BodyObjectIsSerialized) {
  auto f = Parse(R"({"response": {"status": 500, "body": {"error": {"type": "custom"}}}})");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(Json::parse(f->body), Json::parse(R"({"error": {"type": "custom"}})"));
}

// CTRL-5: every bad field is a 400 naming it.
TEST(FaultFromJson, RejectsBadFieldsNamingThem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"response": {"status": 99}})", "response.status"},
      {R"({"response": {"status": 600}})", "response.status"},
      {R"({"response": {"status": "429"}})", "response.status"},
      {R"({"response": {"status": 429.5}})", "response.status"},
      {R"({"response": {}})", "response.status"},
      {R"({"response": "429"})", "response"},
      {R"({"response": {"status": 429, "statsu": 1}})", "response.statsu"},
      {R"({"response": {"status": 429, "headers": ["Retry-After: 1"]}})", "response.headers"},
      {R"({"response": {"status": 429, "headers": {"X-Evil": "a\r\nSet-Cookie: x=1"}}})",
       "response.headers.X-Evil"},
      {R"({"response": {"status": 429, "headers": {"X-Evil": "a\nb"}}})",
       "response.headers.X-Evil"},
      {R"({"response": {"status": 429, "headers": {"X-Evil\r\nSet-Cookie": "1"}}})",
       "response.headers.X-Evil\r\nSet-Cookie"},
      {R"({"response": {"status": 429, "headers": {"Bad:Name": "1"}}})",
       "response.headers.Bad:Name"},
      {R"({"response": {"status": 429, "headers": {"Retry-After": 1}}})",
       "response.headers.Retry-After"},
      {R"({"response": {"status": 429}, "extra": 1})", "extra"},
      {R"({"match": {"method": "get"}, "response": {"status": 429}})", "match.method"},
      {R"({"match": {"method": "FETCH"}, "response": {"status": 429}})", "match.method"},
      {R"({"match": {"host": "x"}, "response": {"status": 429}})", "match.host"},
      {R"({"match": {"method": 1}, "response": {"status": 429}})", "match.method"},
      {R"({"match": {"path": "v1/events"}, "response": {"status": 429}})", "match.path"},
      {R"({"match": {"path": "/v1/\r\n"}, "response": {"status": 429}})", "match.path"},
      {R"({"match": "/v1/events", "response": {"status": 429}})", "match"},
      {R"({"delay_ms": 120001})", "delay_ms"},
      {R"({"delay_ms": -1})", "delay_ms"},
      {R"({"delay_ms": "100"})", "delay_ms"},
      {R"({"drop_connection": "yes"})", "drop_connection"},
      {R"({"response": {"status": 429}, "times": 0})", "times"},
      {R"({"response": {"status": 429}, "times": -2})", "times"},
      {R"({"response": {"status": 429}, "times": 1.5})", "times"},
      {R"({"response": {"status": 429}, "times": 1000001})", "times"},
      {R"({})", "response"},
      {R"({"match": {"path": "/v1/events"}})", "response"},
      {R"({"delay_ms": 0, "drop_connection": false, "times": 2})", "response"},
  };
  for (const auto& [json, param] : cases) {
    SCOPED_TRACE(json);
    auto f = Parse(json);
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.status().kind(), ErrorKind::kInvalidRequest);
    EXPECT_EQ(f.status().param(), param) << f.status().ToString();
  }
}

// CTRL-5: the limits themselves are accepted.
TEST(FaultFromJson, AcceptsTheLimits) {
  for (const char* json :
       {R"({"response": {"status": 100}})", R"({"response": {"status": 599}})",
        R"({"delay_ms": 120000})", R"({"response": {"status": 503}, "times": 1000000})"}) {
    SCOPED_TRACE(json);
    EXPECT_TRUE(Parse(json).ok()) << Parse(json).status().ToString();
  }
}

// --- Fault::Matches, FaultInjector --------------------------------------------------------------

// CTRL-5
TEST(FaultMatches, MethodAndPathAreExactAndATrailingStarMatchesAPrefix) {
  Fault exact;
  exact.method = "GET";
  exact.path = "/v1/events";
  EXPECT_TRUE(exact.Matches("GET", "/v1/events"));
  EXPECT_FALSE(exact.Matches("POST", "/v1/events"));
  EXPECT_FALSE(exact.Matches("GET", "/v1/events/evt_1"));
  EXPECT_FALSE(exact.Matches("GET", "/v1/event"));
  EXPECT_FALSE(exact.Matches("GET", "/v1/events/"));

  Fault prefix;
  prefix.path = "/v1/events*";
  EXPECT_TRUE(prefix.Matches("GET", "/v1/events"));
  EXPECT_TRUE(prefix.Matches("DELETE", "/v1/events/evt_1"));
  EXPECT_FALSE(prefix.Matches("GET", "/v1/calendars"));
  EXPECT_FALSE(prefix.Matches("GET", "/v1/event"));

  Fault any_path;
  any_path.method = "POST";
  EXPECT_TRUE(any_path.Matches("POST", "/oauth/token"));
  EXPECT_FALSE(any_path.Matches("GET", "/oauth/token"));
}

Fault Make(const std::string& path, int status, int64_t times = 1) {
  Fault f;
  f.path = path;
  f.status = status;
  f.remaining = times;
  return f;
}

// CTRL-5
TEST(FaultInjector, TakeCountsDownThenForgetsTheFault) {
  FaultInjector faults;
  const uint64_t id = faults.Add(Make("/v1/events", 503, 2));
  EXPECT_FALSE(faults.Take("GET", "/v1/calendars").has_value());
  ASSERT_EQ(faults.List().size(), 1u);
  EXPECT_EQ(faults.List()[0].id, id);
  EXPECT_EQ(faults.List()[0].remaining, 2);

  auto first = faults.Take("GET", "/v1/events");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 503);
  ASSERT_EQ(faults.List().size(), 1u);
  EXPECT_EQ(faults.List()[0].remaining, 1);

  EXPECT_TRUE(faults.Take("GET", "/v1/events").has_value());
  EXPECT_TRUE(faults.List().empty());
  EXPECT_FALSE(faults.Take("GET", "/v1/events").has_value());
}

// CTRL-5: faults are tried in the order added; the first that matches is used up first.
TEST(FaultInjector, FirstAddedMatchWins) {
  FaultInjector faults;
  const uint64_t a = faults.Add(Make("/v1/*", 429));
  const uint64_t b = faults.Add(Make("/v1/events", 503));
  EXPECT_LT(a, b);
  EXPECT_EQ(faults.Take("GET", "/v1/events")->status, 429);
  EXPECT_EQ(faults.Take("GET", "/v1/events")->status, 503);
  EXPECT_FALSE(faults.Take("GET", "/v1/events").has_value());
}

// CTRL-5
TEST(FaultInjector, ClearRemovesEveryFault) {
  FaultInjector faults;
  faults.Add(Make("/v1/events", 503));
  faults.Add(Make("/v1/calendars", 503));
  EXPECT_EQ(faults.Clear(), 2u);
  EXPECT_TRUE(faults.List().empty());
  EXPECT_FALSE(faults.Take("GET", "/v1/events").has_value());
  EXPECT_EQ(faults.Clear(), 0u);
}

// CTRL-5: with times N, exactly N of many simultaneous requests get the fault.
TEST(FaultInjector, ConcurrentTakesUseTheFaultExactlyTimesTimes) {
  FaultInjector faults;
  faults.Add(Make("", 429, 3));
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 100; ++j) {
        if (faults.Take("GET", "/v1/events")) ++taken;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 3);
}

// --- Through HTTP -------------------------------------------------------------------------------

ApiResult AddFault(httplib::Client& client, const std::string& json) {
  return Api(client, "POST", "/_mock/faults", {}, json);
}

ApiResult ListEvents(httplib::Client& client) {
  return Api(client, "GET", "/v1/events", Bearer(kFixtureAccessToken));
}

Json ListFaults(httplib::Client& client) {
  ApiResult res = Api(client, "GET", "/_mock/faults", {});
  EXPECT_EQ(res.status, 200) << res.body.dump();
  return res.body;
}

// An ERR-1 body of `type`.
void ExpectErrorBody(const ApiResult& res, const std::string& type) {
  ASSERT_TRUE(res.body.is_object() && res.body["error"].is_object()) << res.body.dump();
  const Json& error = res.body["error"];
  EXPECT_EQ(error.value("type", ""), type) << res.body.dump();
  EXPECT_TRUE(error["code"].is_string() && !error["code"].get<std::string>().empty())
      << res.body.dump();
  EXPECT_TRUE(error["message"].is_string() && !error["message"].get<std::string>().empty())
      << res.body.dump();
}

void ExpectBadFault(httplib::Client& client, const std::string& json, const std::string& param) {
  SCOPED_TRACE(json);
  ApiResult res = AddFault(client, json);
  EXPECT_EQ(res.status, 400) << res.body.dump();
  ExpectErrorBody(res, "invalid_request_error");
  EXPECT_EQ(res.body["error"].value("param", ""), param) << res.body.dump();
}

// CTRL-5: the seed's retry case: one 429 with Retry-After, then normal answers.
TEST(Faults, RateLimitHitsOnlyTheNextMatchingRequest) {
  MockServer server;
  auto client = server.Client();
  const ApiResult normal = ListEvents(*client);
  ASSERT_EQ(normal.status, 200);

  ApiResult added = AddFault(*client, R"({"match": {"method": "GET", "path": "/v1/events"},
      "response": {"status": 429, "headers": {"Retry-After": "1"}}})");
  ASSERT_EQ(added.status, 200) << added.body.dump();
  EXPECT_TRUE(added.body["id"].is_number_integer()) << added.body.dump();
  EXPECT_EQ(added.body["times"], 1);

  ApiResult limited = ListEvents(*client);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("Retry-After"), "1");
  EXPECT_EQ(limited.Header("Content-Type"), kJsonType);
  EXPECT_EQ(limited.Header("Request-Id").rfind("req_", 0), 0u);
  ExpectErrorBody(limited, "rate_limit_error");

  ApiResult after = ListEvents(*client);
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, normal.body);
  EXPECT_EQ(after.Header("Retry-After"), "");
  EXPECT_EQ(ListFaults(*client)["data"], Json::array());
}

// CTRL-5
TEST(Faults, TimesThreeFaultsThreeRequests) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"path": "/v1/events"}, "response": {"status": 503},
                                  "times": 3})")
                .status,
            200);
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    ApiResult res = ListEvents(*client);
    EXPECT_EQ(res.status, 503);
    ExpectErrorBody(res, "api_error");
    const Json left = ListFaults(*client)["data"];
    if (i < 2) {
      ASSERT_EQ(left.size(), 1u);
      EXPECT_EQ(left[0]["times"], 2 - i);
    } else {
      EXPECT_EQ(left, Json::array());
    }
  }
  EXPECT_EQ(ListEvents(*client).status, 200);
}

// CTRL-5: the method must match exactly; the fault waits for a request it matches.
TEST(Faults, MethodMustMatch) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"method": "POST", "path": "/v1/events"},
                                  "response": {"status": 503}})")
                .status,
            200);
  EXPECT_EQ(ListEvents(*client).status, 200);
  ASSERT_EQ(ListFaults(*client)["data"].size(), 1u);
  ApiResult post = Api(*client, "POST", "/v1/events", Bearer(kFixtureAccessToken),
                       R"({"calendar_id": "cal_aliceWork00001", "start": "2027-01-04T09:00:00Z",
                           "end": "2027-01-04T10:00:00Z"})");
  EXPECT_EQ(post.status, 503);
  // The faulted POST never reached the API: no event was created.
  EXPECT_EQ(ListEvents(*client).body["data"].size(), 5u);
}

// CTRL-5: a path without '*' matches only itself.
TEST(Faults, PathMatchIsExact) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(
      AddFault(*client, R"({"match": {"path": "/v1/events"}, "response": {"status": 503}})").status,
      200);
  const auto auth = Bearer(kFixtureAccessToken);
  EXPECT_EQ(Api(*client, "GET", "/v1/events/evt_planning000001", auth).status, 200);
  EXPECT_EQ(Api(*client, "GET", "/v1/calendars", auth).status, 200);
  EXPECT_EQ(ListFaults(*client)["data"].size(), 1u);
  // The query is not part of the path.
  EXPECT_EQ(Api(*client, "GET", "/v1/events?limit=1", auth).status, 503);
}

// CTRL-5: a trailing '*' matches every path with that prefix.
TEST(Faults, TrailingStarMatchesAPrefix) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"path": "/v1/events*"}, "response": {"status": 503},
                                  "times": 2})")
                .status,
            200);
  const auto auth = Bearer(kFixtureAccessToken);
  EXPECT_EQ(Api(*client, "GET", "/v1/calendars", auth).status, 200);
  EXPECT_EQ(Api(*client, "GET", "/v1/events/evt_planning000001", auth).status, 503);
  EXPECT_EQ(Api(*client, "GET", "/v1/events", auth).status, 503);
  EXPECT_EQ(Api(*client, "GET", "/v1/events", auth).status, 200);
}

// CTRL-5
TEST(Faults, RequestsNoFaultMatchesAreServedNormally) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"method": "DELETE", "path": "/v1/calendars*"},
                                  "response": {"status": 503}})")
                .status,
            200);
  ApiResult res = ListEvents(*client);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body["data"].size(), 5u);
  EXPECT_EQ(ListFaults(*client)["data"][0]["times"], 1);
}

// CTRL-5, ERR-1: without a body, an injected error carries the API's error body for its status.
TEST(Faults, InjectedErrorBodyHasTheApiShapeForItsStatus) {
  MockServer server;
  auto client = server.Client();
  const std::vector<std::pair<int, std::string>> cases = {
      {429, "rate_limit_error"},
      {503, "api_error"},
      {500, "api_error"},
      {400, "invalid_request_error"},
      {401, "authentication_error"},
      {403, "permission_error"},
      {409, "idempotency_error"},
      {404, "invalid_request_error"},
  };
  for (const auto& [status, type] : cases) {
    SCOPED_TRACE(status);
    ASSERT_EQ(AddFault(*client, Json{{"response", {{"status", status}}}}.dump()).status, 200);
    ApiResult res = ListEvents(*client);
    EXPECT_EQ(res.status, status);
    EXPECT_EQ(res.Header("Content-Type"), kJsonType);
    ExpectErrorBody(res, type);
  }
  ASSERT_EQ(AddFault(*client, R"({"response": {"status": 429}})").status, 200);
  EXPECT_EQ(ListEvents(*client).body["error"]["code"], "rate_limited");
}

// CTRL-5: a given body is sent instead: an object as JSON, a string as it is.
// CTRL-5: an injected success status without a body sends no body and claims no content type.
TEST(Faults, InjectedStatusWithoutBodyHasNoContentType) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(
      AddFault(*client, R"({"match": {"path": "/v1/events"}, "response": {"status": 204}})").status,
      200);
  auto res = client->Get("/v1/events", Bearer(kFixtureAccessToken));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  EXPECT_TRUE(res->body.empty());
  EXPECT_FALSE(res->has_header("Content-Type"));
}

TEST(Faults, GivenBodyIsSent) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"response": {"status": 502,
                                  "body": {"message": "bad gateway", "retry": true}}})")
                .status,
            200);
  ApiResult object = ListEvents(*client);
  EXPECT_EQ(object.status, 502);
  EXPECT_EQ(object.Header("Content-Type"), kJsonType);
  EXPECT_EQ(object.body, Json::parse(R"({"message": "bad gateway", "retry": true})"));

  ASSERT_EQ(AddFault(*client, R"({"response": {"status": 503, "body": "upstream down",
                                  "headers": {"Content-Type": "text/plain"}}})")
                .status,
            200);
  auto text = client->Get("/v1/events", Bearer(kFixtureAccessToken));
  ASSERT_TRUE(text) << httplib::to_string(text.error());
  EXPECT_EQ(text->status, 503);
  EXPECT_EQ(text->body, "upstream down");
  EXPECT_EQ(text->get_header_value("Content-Type"), "text/plain");
}

// CTRL-5: a success can be injected too (a stale or odd answer), with its headers.
TEST(Faults, CustomHeadersAreSent) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"path": "/v1/calendars"},
      "response": {"status": 200, "headers": {"X-Upstream": "replica-3", "Retry-After": "7"},
                   "body": {"object": "list", "data": [], "has_more": false}}})")
                .status,
            200);
  ApiResult res = Api(*client, "GET", "/v1/calendars", Bearer(kFixtureAccessToken));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.Header("X-Upstream"), "replica-3");
  EXPECT_EQ(res.Header("Retry-After"), "7");
  EXPECT_EQ(res.body["data"], Json::array());
  // The real answer has alice's two calendars.
  EXPECT_EQ(Api(*client, "GET", "/v1/calendars", Bearer(kFixtureAccessToken)).body["data"].size(),
            2u);
}

// CTRL-5: the slow answer of the seed: the delay is real, then the request is served normally.
TEST(Faults, DelayWithoutResponseServesTheRequestLate) {
  MockServer server;
  auto client = server.Client();
  const ApiResult normal = ListEvents(*client);
  ASSERT_EQ(AddFault(*client, R"({"match": {"path": "/v1/events"}, "delay_ms": 200})").status, 200);
  const auto start = std::chrono::steady_clock::now();
  ApiResult slow = ListEvents(*client);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
  EXPECT_EQ(slow.status, 200);
  EXPECT_EQ(slow.body, normal.body);
  EXPECT_EQ(ListFaults(*client)["data"], Json::array());
}

// CTRL-5: a delay with a response: the injected answer, late.
TEST(Faults, DelayWithResponseSendsTheInjectedAnswerLate) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"delay_ms": 200, "response": {"status": 503}})").status, 200);
  const auto start = std::chrono::steady_clock::now();
  ApiResult res = ListEvents(*client);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(res.status, 503);
  ExpectErrorBody(res, "api_error");
}

// CTRL-5: a dropped connection gets no HTTP answer at all; the mock keeps serving.
TEST(Faults, DropConnectionSendsNoAnswerAndTheServerKeepsServing) {
  MockServer server;
  auto client = server.Client();
  client->set_keep_alive(true);
  ASSERT_EQ(ListEvents(*client).status, 200);  // the connection is open and reused
  ASSERT_EQ(
      AddFault(*client, R"({"match": {"path": "/v1/events"}, "drop_connection": true})").status,
      200);
  auto dropped = client->Get("/v1/events", Bearer(kFixtureAccessToken));
  EXPECT_FALSE(dropped) << "got an answer: " << dropped->status << " " << dropped->body;

  // The same client reconnects; a new one works too.
  ApiResult next = ListEvents(*client);
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body["data"].size(), 5u);
  auto other = server.Client();
  EXPECT_EQ(ListEvents(*other).status, 200);
}

// CTRL-5: a dropped POST never reaches the API.
TEST(Faults, DroppedPostCreatesNothing) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"method": "POST"}, "drop_connection": true})").status,
            200);
  ApiResult post = Api(*client, "POST", "/v1/events", Bearer(kFixtureAccessToken),
                       R"({"calendar_id": "cal_aliceWork00001", "start": "2027-01-04T09:00:00Z",
                           "end": "2027-01-04T10:00:00Z"})");
  EXPECT_EQ(post.status, 0);  // no answer
  EXPECT_EQ(ListEvents(*client).body["data"].size(), 5u);
}

// CTRL-5: the control plane and the health check are never faulted, even by a catch-all.
TEST(Faults, NeverApplyToTheControlApiOrHealthz) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"response": {"status": 503}, "times": 5})").status, 200);
  ASSERT_EQ(AddFault(*client, R"({"match": {"path": "/_mock/*"}, "drop_connection": true})").status,
            200);
  ASSERT_EQ(
      AddFault(*client, R"({"match": {"path": "/healthz"}, "response": {"status": 500}})").status,
      200);

  ApiResult health = Api(*client, "GET", "/healthz", {});
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, Json::parse(R"({"status": "ok"})"));
  EXPECT_EQ(Api(*client, "GET", "/_mock/clock", {}).status, 200);
  EXPECT_EQ(Api(*client, "GET", "/_mock/requests", {}).status, 200);
  EXPECT_EQ(Api(*client, "POST", "/_mock/clock/advance", {}, R"({"seconds": 1})").status, 200);
  const Json listed = ListFaults(*client)["data"];
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0]["times"], 5);
  EXPECT_EQ(listed[1]["times"], 1);
  EXPECT_EQ(listed[2]["times"], 1);

  // Client traffic still gets the catch-all.
  EXPECT_EQ(ListEvents(*client).status, 503);
}

// CTRL-5: under /oauth/, an injected error has the OAuth error shape clients parse there.
TEST(Faults, OAuthPathsGetTheOAuthErrorShape) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"method": "POST", "path": "/oauth/token"},
                                  "response": {"status": 503}})")
                .status,
            200);
  TokenResult res = PostToken(*client, {{"grant_type", "refresh_token"},
                                        {"refresh_token", kFixtureRefreshToken},
                                        {"client_id", kPublicClient}});
  EXPECT_EQ(res.status, 503);
  EXPECT_TRUE(res.body["error"].is_string()) << res.body.dump();
  EXPECT_TRUE(res.body["error_description"].is_string()) << res.body.dump();
  // The refresh token was not used up by the faulted request.
  TokenResult retry = PostToken(*client, {{"grant_type", "refresh_token"},
                                          {"refresh_token", kFixtureRefreshToken},
                                          {"client_id", kPublicClient}});
  EXPECT_EQ(retry.status, 200) << retry.body.dump();
}

// CTRL-5: GET /_mock/faults lists the pending faults as they were given.
TEST(Faults, ListShowsPendingFaults) {
  MockServer server;
  auto client = server.Client();
  EXPECT_EQ(ListFaults(*client), Json::parse(R"({"object": "list", "data": []})"));
  ApiResult a = AddFault(*client, R"({"match": {"method": "GET", "path": "/v1/events"},
      "response": {"status": 429, "headers": {"Retry-After": "1"}, "body": "x"}, "times": 2})");
  ApiResult b = AddFault(*client, R"({"delay_ms": 1500, "drop_connection": true})");
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_NE(a.body["id"], b.body["id"]);

  const Json data = ListFaults(*client)["data"];
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0], a.body);
  EXPECT_EQ(data[1], b.body);
  EXPECT_EQ(data[0]["match"], Json::parse(R"({"method": "GET", "path": "/v1/events"})"));
  EXPECT_EQ(data[0]["response"]["status"], 429);
  EXPECT_EQ(data[0]["response"]["headers"], Json::parse(R"({"Retry-After": "1"})"));
  EXPECT_EQ(data[0]["response"]["body"], "x");
  EXPECT_EQ(data[0]["times"], 2);
  EXPECT_EQ(data[1]["match"], Json::object());
  EXPECT_FALSE(data[1].contains("response"));
  EXPECT_EQ(data[1]["delay_ms"], 1500);
  EXPECT_EQ(data[1]["drop_connection"], true);
}

// CTRL-5
TEST(Faults, DeleteClearsThem) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"response": {"status": 503}, "times": 10})").status, 200);
  ASSERT_EQ(AddFault(*client, R"({"response": {"status": 429}})").status, 200);
  ApiResult cleared = Api(*client, "DELETE", "/_mock/faults", {});
  ASSERT_EQ(cleared.status, 200);
  EXPECT_EQ(cleared.body["deleted"], 2);
  EXPECT_EQ(ListFaults(*client)["data"], Json::array());
  EXPECT_EQ(ListEvents(*client).status, 200);
}

// CTRL-5, CTRL-1: a reset clears faults with the rest of the state.
TEST(Faults, ResetClearsThem) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"response": {"status": 503}, "times": 10})").status, 200);
  ASSERT_EQ(Api(*client, "POST", "/_mock/reset", {}).status, 200);
  EXPECT_EQ(ListFaults(*client)["data"], Json::array());
  EXPECT_EQ(ListEvents(*client).status, 200);
}

// CTRL-5: bad fault bodies are 400s naming the field, and add nothing.
TEST(Faults, BadFaultBodiesAre400WithTheParam) {
  MockServer server;
  auto client = server.Client();
  ExpectBadFault(*client, R"({"response": {"status": 99}})", "response.status");
  ExpectBadFault(*client, R"({"response": {"status": 600}})", "response.status");
  ExpectBadFault(*client, R"({"response": {"status": 429}, "retry": true})", "retry");
  ExpectBadFault(*client, R"({"response": {"status": 429, "header": {}}})", "response.header");
  ExpectBadFault(*client, R"({"match": {"url": "/v1/events"}, "response": {"status": 429}})",
                 "match.url");
  ExpectBadFault(*client,
                 R"({"response": {"status": 429, "headers": {"X-A": "1\r\nSet-Cookie: a=b"}}})",
                 "response.headers.X-A");
  ExpectBadFault(*client, R"({"delay_ms": 120001})", "delay_ms");
  ExpectBadFault(*client, R"({"response": {"status": 429}, "times": 0})", "times");
  ExpectBadFault(*client, R"({"match": {"path": "/v1/events"}})", "response");
  ExpectBadFault(*client, R"({"match": {"path": "/v1/events"}, "times": 3})", "response");
  EXPECT_EQ(ListFaults(*client)["data"], Json::array());

  // Not a JSON object at all.
  ApiResult malformed = AddFault(*client, "{\"response\": ");
  EXPECT_EQ(malformed.status, 400);
  ExpectErrorBody(malformed, "invalid_request_error");
  ApiResult array = AddFault(*client, "[]");
  EXPECT_EQ(array.status, 400);
  auto empty = client->Post("/_mock/faults", "", "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400) << empty->body;
  EXPECT_EQ(ListFaults(*client)["data"], Json::array());
}

// CTRL-5, CTRL-3: the journal shows faulted requests with what the client got.
TEST(Faults, JournalRecordsFaultedRequestsWithTheInjectedStatus) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(AddFault(*client, R"({"match": {"path": "/v1/events"},
      "response": {"status": 429, "headers": {"Retry-After": "1"}}})")
                .status,
            200);
  ASSERT_EQ(ListEvents(*client).status, 429);
  ASSERT_EQ(ListEvents(*client).status, 200);
  ASSERT_EQ(
      AddFault(*client, R"({"match": {"path": "/v1/events"}, "drop_connection": true})").status,
      200);
  ASSERT_EQ(ListEvents(*client).status, 0);

  ApiResult journal = Api(*client, "GET", "/_mock/requests?path=/v1/events", {});
  ASSERT_EQ(journal.status, 200);
  const Json data = journal.body["data"];
  ASSERT_EQ(data.size(), 3u) << data.dump();
  EXPECT_EQ(data[0]["method"], "GET");
  EXPECT_EQ(data[0]["status"], 429);
  EXPECT_NE(data[0]["response_body"].get<std::string>().find("rate_limit_error"), std::string::npos)
      << data[0].dump();
  EXPECT_EQ(data[1]["status"], 200);
  EXPECT_EQ(data[2]["status"], 0) << "a dropped request got no status: " << data[2].dump();
}

// CTRL-5: with times 1, one of many simultaneous requests gets the fault.
TEST(Faults, OneOfManySimultaneousRequestsGetsATimesOneFault) {
  MockServer server;
  auto setup = server.Client();
  ASSERT_EQ(
      AddFault(*setup, R"({"match": {"path": "/v1/events"}, "response": {"status": 429}})").status,
      200);
  constexpr int kThreads = 8;
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < kThreads; ++i) {
    clients.push_back(server.Client());
    clients.back()->set_keep_alive(true);
    ASSERT_EQ(Api(*clients.back(), "GET", "/healthz", {}).status, 200);
  }
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::vector<int> statuses(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return go; });
      }
      statuses[i] = ListEvents(*clients[i]).status;
    });
  }
  {
    std::lock_guard lock(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 429), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kThreads - 1);
}

}  // namespace
}  // namespace chronapilot::testing
