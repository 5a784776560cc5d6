// Idempotency keys (SPEC RES-6): IdempotencyStore on its own, then POST /v1/events with an
// `Idempotency-Key` through real HTTP on loopback. Expiry is driven by the virtual clock.
#include "mock/idempotency.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

using Outcome = IdempotencyStore::Outcome;

constexpr int64_t kT0 = 1'800'000'000;
constexpr char kScope[] = "acme\ncpa_9yza0bcd1efg";

// How long a test waits to see that a blocked call has not returned. A wrong early return is
// caught whenever it happens within this window; the wait never makes a correct run fail.
constexpr auto kBlockedWindow = std::chrono::milliseconds(100);

// --- IdempotencyStore ---------------------------------------------------------------------------

// RES-6
TEST(IdempotencyStore, FirstUseProceedsThenTheSameRequestReplaysTheAnswer) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  EXPECT_EQ(store.Begin(kScope, "k1", "fp", kT0, &replay), Outcome::kProceed);
  store.Finish(kScope, "k1", {201, "{\"id\":\"evt_1\"}"}, /*keep=*/true, kT0);

  replay = {};
  EXPECT_EQ(store.Begin(kScope, "k1", "fp", kT0 + 5, &replay), Outcome::kReplay);
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.body, "{\"id\":\"evt_1\"}");
  // Replays do not use the key up.
  replay = {};
  EXPECT_EQ(store.Begin(kScope, "k1", "fp", kT0 + 6, &replay), Outcome::kReplay);
  EXPECT_EQ(replay.body, "{\"id\":\"evt_1\"}");
}

// RES-6
TEST(IdempotencyStore, SameKeyWithAnotherRequestConflicts) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  ASSERT_EQ(store.Begin(kScope, "k1", "POST /v1/events\nbody-a", kT0, &replay), Outcome::kProceed);
  store.Finish(kScope, "k1", {200, "a"}, true, kT0);
  // Another body, or another path (the fingerprint covers method, path and body).
  EXPECT_EQ(store.Begin(kScope, "k1", "POST /v1/events\nbody-b", kT0, &replay), Outcome::kConflict);
  EXPECT_EQ(store.Begin(kScope, "k1", "POST /v1/webhook_endpoints\nbody-a", kT0, &replay),
            Outcome::kConflict);
  // The conflict leaves the stored answer in place.
  EXPECT_EQ(store.Begin(kScope, "k1", "POST /v1/events\nbody-a", kT0, &replay), Outcome::kReplay);
  EXPECT_EQ(replay.body, "a");
}

// RES-6
TEST(IdempotencyStore, KeysAreScopedToTheCaller) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  ASSERT_EQ(store.Begin("acme\ncpa_a", "k1", "fp-a", kT0, &replay), Outcome::kProceed);
  store.Finish("acme\ncpa_a", "k1", {200, "a"}, true, kT0);
  // The same key with another request is no conflict in another scope: it is a first use.
  EXPECT_EQ(store.Begin("acme\ncpa_b", "k1", "fp-b", kT0, &replay), Outcome::kProceed);
  EXPECT_EQ(store.Begin("globex\ncpa_a", "k1", "fp-a", kT0, &replay), Outcome::kProceed);
}

// RES-6
TEST(IdempotencyStore, SecondBeginWaitsForTheFirstAndThenReplays) {
  IdempotencyStore store;
  IdempotencyStore::Response first;
  ASSERT_EQ(store.Begin(kScope, "k1", "fp", kT0, &first), Outcome::kProceed);

  IdempotencyStore::Response replay;
  auto second =
      std::async(std::launch::async, [&] { return store.Begin(kScope, "k1", "fp", kT0, &replay); });
  // The first request is still running: the retry must wait, not run it a second time.
  ASSERT_EQ(second.wait_for(kBlockedWindow), std::future_status::timeout);

  store.Finish(kScope, "k1", {200, "{\"id\":\"evt_once\"}"}, true, kT0);
  ASSERT_EQ(second.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(second.get(), Outcome::kReplay);
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.body, "{\"id\":\"evt_once\"}");
}

// RES-6
TEST(IdempotencyStore, ConflictingRequestDoesNotWaitForTheFirst) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  ASSERT_EQ(store.Begin(kScope, "k1", "fp-a", kT0, &replay), Outcome::kProceed);
  auto other = std::async(std::launch::async,
                          [&] { return store.Begin(kScope, "k1", "fp-b", kT0, &replay); });
  ASSERT_EQ(other.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(other.get(), Outcome::kConflict);
  store.Finish(kScope, "k1", {200, "a"}, true, kT0);
}

// RES-6
TEST(IdempotencyStore, FinishWithoutKeepLetsARetryRunAgain) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  ASSERT_EQ(store.Begin(kScope, "k1", "fp", kT0, &replay), Outcome::kProceed);
  store.Finish(kScope, "k1", {503, "down"}, /*keep=*/false, kT0);
  EXPECT_EQ(store.Begin(kScope, "k1", "fp", kT0 + 1, &replay), Outcome::kProceed);
  store.Finish(kScope, "k1", {200, "ok"}, true, kT0 + 1);
  EXPECT_EQ(store.Begin(kScope, "k1", "fp", kT0 + 2, &replay), Outcome::kReplay);
  EXPECT_EQ(replay.body, "ok");
}

// RES-6: a retry waiting on a first attempt that failed (not kept) runs the request itself.
TEST(IdempotencyStore, WaitingRetryProceedsWhenTheFirstIsNotKept) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  ASSERT_EQ(store.Begin(kScope, "k1", "fp", kT0, &replay), Outcome::kProceed);
  auto second =
      std::async(std::launch::async, [&] { return store.Begin(kScope, "k1", "fp", kT0, &replay); });
  ASSERT_EQ(second.wait_for(kBlockedWindow), std::future_status::timeout);
  store.Finish(kScope, "k1", {500, "boom"}, /*keep=*/false, kT0);
  ASSERT_EQ(second.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(second.get(), Outcome::kProceed);
}

// RES-6, CTRL-2: keys live 24 h of (virtual) time from the first answer.
TEST(IdempotencyStore, KeyExpiresAfter24Hours) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  ASSERT_EQ(store.Begin(kScope, "k1", "fp-a", kT0, &replay), Outcome::kProceed);
  store.Finish(kScope, "k1", {200, "a"}, true, kT0);
  EXPECT_EQ(kIdempotencyKeyLifetimeSeconds, 24 * 3600);
  EXPECT_EQ(store.Begin(kScope, "k1", "fp-a", kT0 + 24 * 3600 - 1, &replay), Outcome::kReplay);
  EXPECT_EQ(store.Begin(kScope, "k1", "fp-b", kT0 + 24 * 3600 - 1, &replay), Outcome::kConflict);
  // Once expired, the key is fresh, whatever the request.
  EXPECT_EQ(store.Begin(kScope, "k1", "fp-b", kT0 + 24 * 3600 + 1, &replay), Outcome::kProceed);
  store.Finish(kScope, "k1", {200, "b"}, true, kT0 + 24 * 3600 + 1);
  EXPECT_EQ(store.Begin(kScope, "k1", "fp-b", kT0 + 24 * 3600 + 2, &replay), Outcome::kReplay);
  EXPECT_EQ(replay.body, "b");
}

// RES-6: the sweep that bounds memory must not drop live keys.
TEST(IdempotencyStore, ManyKeysKeepTheLiveOnes) {
  IdempotencyStore store;
  IdempotencyStore::Response replay;
  ASSERT_EQ(store.Begin(kScope, "live", "fp", kT0, &replay), Outcome::kProceed);
  store.Finish(kScope, "live", {200, "live"}, true, kT0);
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "k" + std::to_string(i);
    ASSERT_EQ(store.Begin(kScope, key, "fp", kT0 + 10, &replay), Outcome::kProceed);
    store.Finish(kScope, key, {200, key}, true, kT0 + 10);
  }
  EXPECT_EQ(store.Begin(kScope, "live", "fp", kT0 + 20, &replay), Outcome::kReplay);
  EXPECT_EQ(replay.body, "live");
  EXPECT_EQ(store.Begin(kScope, "k7", "fp", kT0 + 20, &replay), Outcome::kReplay);
  EXPECT_EQ(replay.body, "k7");
}

// --- Through HTTP -------------------------------------------------------------------------------

std::string EventBody(const std::string& summary,
                      const std::string& calendar = kAliceWorkCalendar) {
  return Json{{"calendar_id", calendar},
              {"summary", summary},
              {"start", "2027-01-04T09:00:00Z"},
              {"end", "2027-01-04T10:00:00Z"}}
      .dump();
}

httplib::Headers WithKey(httplib::Headers headers, const std::string& key) {
  headers.emplace("Idempotency-Key", key);
  return headers;
}

ApiResult PostEvent(httplib::Client& client, const httplib::Headers& auth, const std::string& key,
                    const std::string& body) {
  return Api(client, "POST", "/v1/events", WithKey(auth, key), body);
}

// The ids of every event the caller can see.
std::vector<std::string> EventIds(httplib::Client& client, const httplib::Headers& auth) {
  ApiResult list = Api(client, "GET", "/v1/events?limit=100", auth);
  EXPECT_EQ(list.status, 200) << list.body.dump();
  std::vector<std::string> ids;
  if (list.body.is_object() && list.body["data"].is_array()) {
    for (const Json& e : list.body["data"]) ids.push_back(e.value("id", ""));
  }
  return ids;
}

size_t CountWithId(const std::vector<std::string>& ids, const std::string& id) {
  return std::count(ids.begin(), ids.end(), id);
}

void ExpectError(const ApiResult& res, int status, const std::string& type,
                 const std::string& param = "") {
  EXPECT_EQ(res.status, status) << res.body.dump();
  ASSERT_TRUE(res.body.is_object() && res.body["error"].is_object()) << res.body.dump();
  EXPECT_EQ(res.body["error"].value("type", ""), type) << res.body.dump();
  EXPECT_FALSE(res.body["error"].value("message", "").empty()) << res.body.dump();
  if (!param.empty()) {
    EXPECT_EQ(res.body["error"].value("param", ""), param) << res.body.dump();
  }
}

// RES-6
TEST(Idempotency, RepeatedPostReplaysTheFirstAnswerAndCreatesOneEvent) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const size_t before = EventIds(*client, auth).size();
  const std::string body = EventBody("Idempotent planning");

  ApiResult first = PostEvent(*client, auth, "key-1", body);
  ASSERT_EQ(first.status, 200) << first.body.dump();
  EXPECT_EQ(first.Header("Idempotent-Replayed"), "");
  const std::string id = first.body.value("id", "");
  ASSERT_EQ(id.rfind("evt_", 0), 0u) << first.body.dump();

  server.Advance(60);  // a replay is the stored answer, not a new one made later
  ApiResult second = PostEvent(*client, auth, "key-1", body);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(second.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(second.Header("Request-Id").rfind("req_", 0), 0u);
  EXPECT_NE(second.Header("Request-Id"), first.Header("Request-Id"));

  const auto ids = EventIds(*client, auth);
  EXPECT_EQ(ids.size(), before + 1);
  EXPECT_EQ(CountWithId(ids, id), 1u);
}

// RES-6: without a key, two identical POSTs are two events.
TEST(Idempotency, PostsWithoutAKeyAreNotDeduplicated) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const size_t before = EventIds(*client, auth).size();
  ApiResult a = Api(*client, "POST", "/v1/events", auth, EventBody("Twice"));
  ApiResult b = Api(*client, "POST", "/v1/events", auth, EventBody("Twice"));
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_NE(a.body["id"], b.body["id"]);
  EXPECT_EQ(b.Header("Idempotent-Replayed"), "");
  EXPECT_EQ(EventIds(*client, auth).size(), before + 2);
}

// RES-6
TEST(Idempotency, SameKeyWithAnotherBodyIs409) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  ApiResult first = PostEvent(*client, auth, "key-1", EventBody("First"));
  ASSERT_EQ(first.status, 200) << first.body.dump();
  const size_t after_first = EventIds(*client, auth).size();

  ApiResult other = PostEvent(*client, auth, "key-1", EventBody("Second"));
  ExpectError(other, 409, "idempotency_error");
  EXPECT_EQ(other.body["error"].value("code", ""), "idempotency_key_in_use");
  EXPECT_EQ(other.Header("Idempotent-Replayed"), "");
  EXPECT_EQ(EventIds(*client, auth).size(), after_first);

  // The first answer is still what the first body gets.
  ApiResult again = PostEvent(*client, auth, "key-1", EventBody("First"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
}

// RES-6: the fingerprint is the body as sent, so a key cannot carry a different request even
// when it differs only in one field's value.
TEST(Idempotency, SameKeyWithAnotherCalendarIs409) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  ASSERT_EQ(PostEvent(*client, auth, "key-1", EventBody("Same")).status, 200);
  ApiResult other = PostEvent(*client, auth, "key-1", EventBody("Same", kAlicePersonalCalendar));
  ExpectError(other, 409, "idempotency_error");
}

// RES-6: a validation error is an answer like any other; the retry gets it again.
TEST(Idempotency, ValidationErrorIsReplayed) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const size_t before = EventIds(*client, auth).size();
  const std::string bad = Json{{"calendar_id", kAliceWorkCalendar},
                               {"start", "2027-01-04T10:00:00Z"},
                               {"end", "2027-01-04T09:00:00Z"}}
                              .dump();
  ApiResult first = PostEvent(*client, auth, "key-bad", bad);
  ExpectError(first, 400, "invalid_request_error", "end");
  EXPECT_EQ(first.Header("Idempotent-Replayed"), "");

  ApiResult second = PostEvent(*client, auth, "key-bad", bad);
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(EventIds(*client, auth).size(), before);
}

// RES-6: the scope is (platform, account), not the credential. alice's token and Acme's key
// acting as alice are the same caller, so they share keys.
TEST(Idempotency, TokenAndPlatformKeyForTheSameAccountShareKeys) {
  MockServer server;
  auto client = server.Client();
  const auto token = Bearer(kFixtureAccessToken);
  const std::string body = EventBody("Shared key");
  ApiResult first = PostEvent(*client, token, "shared-1", body);
  ASSERT_EQ(first.status, 200) << first.body.dump();
  const size_t after_first = EventIds(*client, token).size();

  for (const char* key : {kAcmeLiveKey, kAcmeTestKey}) {
    SCOPED_TRACE(key);
    ApiResult by_key = PostEvent(*client, Bearer(key, kAliceAccount), "shared-1", body);
    EXPECT_EQ(by_key.status, 200);
    EXPECT_EQ(by_key.body, first.body);
    EXPECT_EQ(by_key.Header("Idempotent-Replayed"), "true");
    ExpectError(PostEvent(*client, Bearer(key, kAliceAccount), "shared-1", EventBody("Other")), 409,
                "idempotency_error");
  }

  // A token from a new OAuth grant for alice is the same caller too.
  TokenResult fresh = PublicClientTokens(*client);
  ASSERT_EQ(fresh.status, 200) << fresh.body.dump();
  ASSERT_EQ(fresh.body["connected_account_id"], kAliceAccount);
  ApiResult by_new_token =
      PostEvent(*client, Bearer(fresh.body["access_token"].get<std::string>()), "shared-1", body);
  EXPECT_EQ(by_new_token.body, first.body);
  EXPECT_EQ(by_new_token.Header("Idempotent-Replayed"), "true");

  EXPECT_EQ(EventIds(*client, token).size(), after_first);
}

// RES-6: another account may use the same key for its own request.
TEST(Idempotency, KeysAreScopedPerAccount) {
  MockServer server;
  auto client = server.Client();
  const auto alice = Bearer(kFixtureAccessToken);
  ApiResult alices = PostEvent(*client, alice, "shared-1", EventBody("Alice's"));
  ASSERT_EQ(alices.status, 200) << alices.body.dump();
  const size_t alice_events = EventIds(*client, alice).size();

  // bob connects to Acme and links Google, which gives him a calendar of his own.
  TokenResult bob_tokens = PublicClientTokens(*client, "bob@example.com");
  ASSERT_EQ(bob_tokens.status, 200) << bob_tokens.body.dump();
  const std::string bob_account = bob_tokens.body["connected_account_id"];
  ASSERT_NE(bob_account, kAliceAccount);
  const auto bob = Bearer(bob_tokens.body["access_token"].get<std::string>());
  ApiResult link = Api(*client, "POST", "/_mock/accounts/" + bob_account + "/provider_connections",
                       {}, R"({"provider":"google","email":"bob@gmail.example"})");
  ASSERT_EQ(link.status, 200) << link.body.dump();
  ApiResult calendars = Api(*client, "GET", "/v1/calendars", bob);
  ASSERT_EQ(calendars.status, 200);
  ASSERT_EQ(calendars.body["data"].size(), 1u) << calendars.body.dump();
  const std::string bob_calendar = calendars.body["data"][0]["id"];

  ApiResult bobs = PostEvent(*client, bob, "shared-1", EventBody("Bob's", bob_calendar));
  ASSERT_EQ(bobs.status, 200) << bobs.body.dump();
  EXPECT_EQ(bobs.Header("Idempotent-Replayed"), "");
  EXPECT_NE(bobs.body["id"], alices.body["id"]);
  EXPECT_EQ(bobs.body["calendar_id"], bob_calendar);
  EXPECT_EQ(EventIds(*client, bob), std::vector<std::string>{bobs.body["id"]});
  EXPECT_EQ(EventIds(*client, alice).size(), alice_events);

  // Each account's key still replays its own first answer.
  EXPECT_EQ(PostEvent(*client, bob, "shared-1", EventBody("Bob's", bob_calendar)).body, bobs.body);
  EXPECT_EQ(PostEvent(*client, alice, "shared-1", EventBody("Alice's")).body, alices.body);
}

// RES-6: another platform's account may use the same key too.
TEST(Idempotency, KeysAreScopedPerPlatform) {
  MockServer server;
  auto client = server.Client();
  ApiResult alices =
      PostEvent(*client, Bearer(kFixtureAccessToken), "shared-1", EventBody("Alice's"));
  ASSERT_EQ(alices.status, 200) << alices.body.dump();
  const auto carol = Bearer(kGlobexKey, kCarolAccount);
  ApiResult carols =
      PostEvent(*client, carol, "shared-1", EventBody("Carol's", "cal_carolMain00001"));
  ASSERT_EQ(carols.status, 200) << carols.body.dump();
  EXPECT_EQ(carols.Header("Idempotent-Replayed"), "");
  EXPECT_NE(carols.body["id"], alices.body["id"]);
  EXPECT_EQ(CountWithId(EventIds(*client, carol), carols.body["id"]), 1u);
}

// RES-6, CTRL-2: keys last 24 h of virtual time; after that the same request runs again.
TEST(Idempotency, KeyIsFreshAgainAfter24Hours) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const std::string body = EventBody("Daily");
  ApiResult first = PostEvent(*client, auth, "day-key", body);
  ASSERT_EQ(first.status, 200) << first.body.dump();

  server.Advance(24 * 3600 - 1);
  ApiResult replayed = PostEvent(*client, auth, "day-key", body);
  EXPECT_EQ(replayed.body, first.body);
  EXPECT_EQ(replayed.Header("Idempotent-Replayed"), "true");
  const size_t before = EventIds(*client, auth).size();

  server.Advance(2);  // 24 h + 1 s after the first answer
  ApiResult fresh = PostEvent(*client, auth, "day-key", body);
  ASSERT_EQ(fresh.status, 200) << fresh.body.dump();
  EXPECT_EQ(fresh.Header("Idempotent-Replayed"), "");
  EXPECT_NE(fresh.body["id"], first.body["id"]);
  EXPECT_EQ(EventIds(*client, auth).size(), before + 1);

  // The new answer is the one replayed from now on.
  ApiResult again = PostEvent(*client, auth, "day-key", body);
  EXPECT_EQ(again.body, fresh.body);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
}

// RES-6, CTRL-2: the control API's clock advance moves the keys' clock too.
TEST(Idempotency, ClockAdvanceThroughTheControlApiExpiresKeys) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const std::string body = EventBody("Daily");
  ApiResult first = PostEvent(*client, auth, "day-key", body);
  ASSERT_EQ(first.status, 200);
  ApiResult advanced = Api(*client, "POST", "/_mock/clock/advance", {}, R"({"seconds": 86401})");
  ASSERT_EQ(advanced.status, 200) << advanced.body.dump();
  ApiResult fresh = PostEvent(*client, auth, "day-key", EventBody("Another body, no conflict"));
  EXPECT_EQ(fresh.status, 200) << fresh.body.dump();
  EXPECT_EQ(fresh.Header("Idempotent-Replayed"), "");
}

// RES-6, CTRL-1: a reset forgets every key with the rest of the state.
TEST(Idempotency, ResetForgetsKeys) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const std::string body = EventBody("Before reset");
  ApiResult first = PostEvent(*client, auth, "reset-key", body);
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(Api(*client, "POST", "/_mock/reset", {}).status, 200);
  ApiResult after = PostEvent(*client, auth, "reset-key", body);
  ASSERT_EQ(after.status, 200) << after.body.dump();
  EXPECT_EQ(after.Header("Idempotent-Replayed"), "");
  EXPECT_NE(after.body["id"], first.body["id"]);
  EXPECT_EQ(CountWithId(EventIds(*client, auth), after.body["id"]), 1u);
}

// RES-6: a key is 1-255 printable ASCII characters, sent once; anything else is a 400 naming
// the header, and nothing is created.
TEST(Idempotency, InvalidKeysAre400) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const size_t before = EventIds(*client, auth).size();
  const std::string body = EventBody("Never created");

  for (const std::string& key : {std::string(256, 'k'),
                                 std::string("ab\x01"
                                             "cd"),
                                 std::string("ab\tcd"), std::string("cl\xc3\xa9")}) {
    SCOPED_TRACE(Json(key).dump(-1, ' ', true, Json::error_handler_t::replace));
    ApiResult res = PostEvent(*client, auth, key, body);
    ExpectError(res, 400, "invalid_request_error", "Idempotency-Key");
  }
  httplib::Headers twice = WithKey(WithKey(auth, "same"), "same");
  ExpectError(Api(*client, "POST", "/v1/events", twice, body), 400, "invalid_request_error",
              "Idempotency-Key");
  EXPECT_EQ(EventIds(*client, auth).size(), before);

  // The longest valid key, with spaces and punctuation, works.
  std::string longest(255, 'k');
  longest.replace(10, 5, " !~/=");
  ApiResult ok = PostEvent(*client, auth, longest, body);
  EXPECT_EQ(ok.status, 200) << ok.body.dump();
  EXPECT_EQ(PostEvent(*client, auth, longest, body).Header("Idempotent-Replayed"), "true");
}

// Holds the store's write lock from construction until Release(), so that a request that
// creates an event stays inside its handler for as long as a test needs. It uses
// Store::UpdateEvent, whose patch callback runs under that lock, and refuses the patch, so
// nothing changes.
class StoreWriteLockHolder {
 public:
  explicit StoreWriteLockHolder(Mock& mock) {
    std::future<void> held = held_.get_future();
    thread_ = std::thread([this, &mock] {
      mock.WithWorld([this](World& world) {
        return world.store.UpdateEvent(
            kAliceAccount, "evt_planning000001",
            [this](Event&) {
              held_.set_value();
              release_.get_future().wait();
              return Status::InvalidRequest("held", "a test held the store");
            },
            0);
      });
    });
    held.wait();
  }
  ~StoreWriteLockHolder() { Release(); }

  void Release() {
    if (!thread_.joinable()) return;
    release_.set_value();
    thread_.join();
  }

 private:
  std::promise<void> held_;
  std::promise<void> release_;
  std::thread thread_;
};

// RES-6: eight retries of one request arriving together create one event, and all get its
// answer. The first request to take the key is held inside its handler (the store is locked)
// until every retry has arrived, so the others find the key in use: they must wait for the
// first answer and replay it, not create events of their own.
TEST(Idempotency, ConcurrentRetriesCreateOneEvent) {
  MockServer server;
  auto client = server.Client();
  const auto auth = Bearer(kFixtureAccessToken);
  const size_t before = EventIds(*client, auth).size();
  const std::string body = EventBody("Concurrent");

  constexpr int kClients = 8;
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(server.Client());
    clients.back()->set_keep_alive(true);
    clients.back()->set_read_timeout(30);
    // Connect now, so that the POSTs below only have to send.
    ASSERT_EQ(Api(*clients.back(), "GET", "/healthz", {}).status, 200);
  }
  // A 1 ms delay fault (CTRL-5) on each POST: its countdown in GET /_mock/faults tells how many
  // of the POSTs have reached the mock.
  const Json counter = {{"match", {{"method", "POST"}, {"path", "/v1/events"}}},
                        {"delay_ms", 1},
                        {"times", kClients}};
  ASSERT_EQ(Api(*client, "POST", "/_mock/faults", {}, counter.dump()).status, 200);

  StoreWriteLockHolder hold(server.mock());
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::vector<ApiResult> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return go; });
      }
      results[i] = PostEvent(*clients[i], auth, "concurrent-key", body);
    });
  }
  {
    std::lock_guard lock(mu);
    go = true;
  }
  cv.notify_all();

  // Wait until all the POSTs have arrived, then give them a moment to reach the key. (The
  // moment only decides how many of them race; a correct mock passes however long it is.)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!Api(*client, "GET", "/_mock/faults", {}).body["data"].empty()) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the POSTs did not arrive";
    std::this_thread::yield();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  hold.Release();
  for (auto& t : threads) t.join();

  int replayed = 0;
  for (int i = 0; i < kClients; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(results[i].status, 200) << results[i].body.dump();
    EXPECT_EQ(results[i].body, results[0].body);
    if (results[i].Header("Idempotent-Replayed") == "true") ++replayed;
  }
  EXPECT_EQ(replayed, kClients - 1);
  const auto ids = EventIds(*client, auth);
  EXPECT_EQ(ids.size(), before + 1);
  EXPECT_EQ(CountWithId(ids, results[0].body.value("id", "")), 1u);
}

// RES-6 is about POST: other methods ignore the header rather than replay.
TEST(Idempotency, KeyOnPatchIsNotReplayed) {
  MockServer server;
  auto client = server.Client();
  const auto auth = WithKey(Bearer(kFixtureAccessToken), "patch-key");
  ApiResult a =
      Api(*client, "PATCH", "/v1/events/evt_planning000001", auth, R"({"summary":"First patch"})");
  ASSERT_EQ(a.status, 200) << a.body.dump();
  ApiResult b =
      Api(*client, "PATCH", "/v1/events/evt_planning000001", auth, R"({"summary":"Second patch"})");
  ASSERT_EQ(b.status, 200) << b.body.dump();
  EXPECT_EQ(b.body["summary"], "Second patch");
  EXPECT_EQ(b.Header("Idempotent-Replayed"), "");
}

}  // namespace
}  // namespace chronapilot::testing
