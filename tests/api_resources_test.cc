// The /v1 resources through real HTTP (SPEC RES-1..RES-5): accounts, provider connections,
// calendars, events (create, read, patch, delete, filters, validation) and list paging, plus a
// concurrency test of many accounts writing at once.
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mock/time_format.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

constexpr char kCarolEvent[] = "evt_carolStandup01";
constexpr char kCarolCalendar[] = "cal_carolMain00001";
constexpr char kCarolConnection[] = "con_carolGoogle001";
constexpr char kAliceGoogle[] = "con_aliceGoogle0001";
constexpr char kAliceMicrosoft[] = "con_aliceMsft00001";
// The five events of fixtures/default.yaml, by calendar.
const std::set<std::string> kWorkEvents = {"evt_planning000001", "evt_review00000001",
                                           "evt_offsite0000001"};
const std::set<std::string> kPersonalEvents = {"evt_dentist0000001", "evt_dinner00000001"};

int64_t Unix(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(0);
}

// Field order is presentation; the tests compare objects as unordered JSON.
nlohmann::json Unordered(const Json& j) { return nlohmann::json::parse(j.dump()); }

httplib::Headers Alice() { return Bearer(kFixtureAccessToken); }

bool IsBase62Id(const std::string& id, const std::string& prefix) {
  if (id.rfind(prefix, 0) != 0 || id.size() <= prefix.size()) return false;
  return std::all_of(id.begin() + prefix.size(), id.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

// An ERR-1 error with this status, `param` ("" = none) and, when given, `code`.
::testing::AssertionResult IsError(const ApiResult& res, int status, const std::string& param,
                                   const std::string& code = "") {
  auto fail = [&]() {
    return ::testing::AssertionFailure() << "status " << res.status << " body " << res.body.dump();
  };
  if (res.status != status || !res.body.is_object() || !res.body.contains("error")) return fail();
  const Json& error = res.body["error"];
  const std::string type = status == 401   ? "authentication_error"
                           : status == 403 ? "permission_error"
                                           : "invalid_request_error";
  if (error.value("type", "") != type) return fail() << " (want type " << type << ")";
  if (!error.value("message", Json("")).is_string() || error["message"] == "") return fail();
  if (param.empty() ? error.contains("param") : error.value("param", Json()) != param) {
    return fail() << " (want param '" << param << "')";
  }
  if (!code.empty() && error.value("code", "") != code)
    return fail() << " (want code " << code << ")";
  return ::testing::AssertionSuccess();
}

// Every item of a list, walked with `starting_after` pages of `limit`; fails the test on a
// non-200 page or a page that says has_more with nothing in it.
std::vector<Json> WalkList(httplib::Client& client, const httplib::Headers& headers,
                           const std::string& path, int limit,
                           std::vector<size_t>* page_sizes = nullptr,
                           const std::string& extra_query = "") {
  std::vector<Json> items;
  std::string after;
  for (int guard = 0; guard < 10000; ++guard) {
    std::string query = "?limit=" + std::to_string(limit) + extra_query;
    if (!after.empty()) query += "&starting_after=" + after;
    ApiResult page = Api(client, "GET", path + query, headers);
    EXPECT_EQ(page.status, 200) << path << query << " " << page.body.dump();
    if (page.status != 200) break;
    EXPECT_EQ(page.body["object"], "list");
    EXPECT_LE(page.body["data"].size(), size_t(limit));
    if (page_sizes) page_sizes->push_back(page.body["data"].size());
    for (const Json& item : page.body["data"]) items.push_back(item);
    if (!page.body["has_more"].get<bool>()) break;
    EXPECT_FALSE(page.body["data"].empty()) << "has_more with an empty page";
    if (page.body["data"].empty()) break;
    after = page.body["data"].back()["id"].get<std::string>();
  }
  return items;
}

std::vector<Json> AllEvents(httplib::Client& client, const httplib::Headers& headers) {
  return WalkList(client, headers, "/v1/events", 100);
}

std::vector<std::string> Ids(const std::vector<Json>& items) {
  std::vector<std::string> ids;
  for (const Json& item : items) ids.push_back(item["id"].get<std::string>());
  return ids;
}

std::set<std::string> IdSet(const Json& data) {
  std::set<std::string> ids;
  for (const Json& item : data) ids.insert(item["id"].get<std::string>());
  return ids;
}

// True when `items` are in list order: by `created`, then by id.
bool InListOrder(const std::vector<Json>& items) {
  for (size_t i = 1; i < items.size(); ++i) {
    auto key = [](const Json& j) {
      return std::make_pair(j["created"].get<int64_t>(), j["id"].get<std::string>());
    };
    if (!(key(items[i - 1]) < key(items[i]))) return false;
  }
  return true;
}

std::string EventBody(const std::string& summary = "Lunch",
                      const std::string& calendar = kAliceWorkCalendar) {
  return Json{{"calendar_id", calendar},
              {"summary", summary},
              {"start", "2026-12-20T12:00:00Z"},
              {"end", "2026-12-20T13:00:00Z"}}
      .dump();
}

// A fresh account made by consent (AUTHZ-4) for `email`, with its access token.
struct NewAccount {
  std::string id;
  std::string token;
};

NewAccount Consent(httplib::Client& client, const std::string& email) {
  TokenResult tokens = PublicClientTokens(client, email);
  EXPECT_EQ(tokens.status, 200) << tokens.body.dump();
  return {tokens.body.value("connected_account_id", ""), tokens.body.value("access_token", "")};
}

// Links a provider to `account` through the control API (CTRL-6); returns the new calendar's id.
std::string LinkCalendar(httplib::Client& client, const NewAccount& account) {
  ApiResult linked = Api(client, "POST", "/_mock/accounts/" + account.id + "/provider_connections",
                         {}, Json{{"provider", "google"}, {"email", "x@gmail.example"}}.dump());
  EXPECT_EQ(linked.status, 200) << linked.body.dump();
  ApiResult calendars = Api(client, "GET", "/v1/calendars", Bearer(account.token));
  EXPECT_EQ(calendars.status, 200) << calendars.body.dump();
  EXPECT_EQ(calendars.body["data"].size(), 1u) << calendars.body.dump();
  return calendars.body["data"].empty() ? "" : calendars.body["data"][0]["id"].get<std::string>();
}

class Resources : public ::testing::Test {
 protected:
  int64_t Now() { return server_.mock().clock().NowSeconds(); }

  // POSTs an event for alice and returns it (fails the test unless 200).
  Json CreateForAlice(const std::string& body) {
    ApiResult res = Api(*client_, "POST", "/v1/events", Alice(), body);
    EXPECT_EQ(res.status, 200) << res.body.dump();
    return res.body;
  }

  MockServer server_;
  std::unique_ptr<httplib::Client> client_ = server_.Client();
};

// ------------------------------------------------------------------------------------------------
// RES-1: accounts

// RES-1
TEST_F(Resources, AccountsListShowsAliceWithHerConnectionCount) {
  ApiResult res = Api(*client_, "GET", "/v1/accounts", Bearer(kAcmeLiveKey));
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.body["object"], "list");
  EXPECT_EQ(res.body["has_more"], false);
  ASSERT_EQ(res.body["data"].size(), 1u) << res.body.dump();  // carol is Globex's, not Acme's
  EXPECT_EQ(Unordered(res.body["data"][0]), (nlohmann::json{
                                                {"id", kAliceAccount},
                                                {"object", "account"},
                                                {"email", "alice@example.com"},
                                                {"created", Unix("2026-01-05T09:00:00Z")},
                                                {"provider_connections", 2},
                                            }));
  // The test key sees the same data set (AUTH-2).
  ApiResult by_test_key = Api(*client_, "GET", "/v1/accounts", Bearer(kAcmeTestKey));
  EXPECT_EQ(by_test_key.body, res.body);
}

// RES-1
TEST_F(Resources, AccountsListShowsAccountsMadeByConsent) {
  server_.Advance(86400);
  const int64_t before = Now();
  NewAccount bob = Consent(*client_, "bob@example.com");
  const int64_t after = Now();
  ASSERT_TRUE(IsBase62Id(bob.id, "cpa_")) << bob.id;

  ApiResult res = Api(*client_, "GET", "/v1/accounts", Bearer(kAcmeLiveKey));
  ASSERT_EQ(res.status, 200) << res.body.dump();
  ASSERT_EQ(res.body["data"].size(), 2u) << res.body.dump();
  Json found;
  for (const Json& a : res.body["data"]) {
    if (a["id"] == bob.id) found = a;
  }
  ASSERT_TRUE(found.is_object()) << res.body.dump();
  EXPECT_EQ(found["object"], "account");
  EXPECT_EQ(found["email"], "bob@example.com");
  EXPECT_EQ(found["provider_connections"], 0);
  EXPECT_GE(found["created"].get<int64_t>(), before);  // from the virtual clock
  EXPECT_LE(found["created"].get<int64_t>(), after);
  EXPECT_EQ(found.size(), 5u) << found.dump();
  // A second consent reuses the account; Globex does not see it.
  EXPECT_EQ(Consent(*client_, "bob@example.com").id, bob.id);
  ApiResult again = Api(*client_, "GET", "/v1/accounts", Bearer(kAcmeLiveKey));
  EXPECT_EQ(again.body["data"].size(), 2u);
  ApiResult globex = Api(*client_, "GET", "/v1/accounts", Bearer(kGlobexKey));
  ASSERT_EQ(globex.status, 200);
  EXPECT_EQ(IdSet(globex.body["data"]), std::set<std::string>{kCarolAccount});
}

// RES-1
TEST_F(Resources, AccountsGetReturnsOneAccountOfThePlatformOnly) {
  ApiResult alice =
      Api(*client_, "GET", std::string("/v1/accounts/") + kAliceAccount, Bearer(kAcmeLiveKey));
  ASSERT_EQ(alice.status, 200) << alice.body.dump();
  EXPECT_EQ(Unordered(alice.body), (nlohmann::json{{"id", kAliceAccount},
                                                   {"object", "account"},
                                                   {"email", "alice@example.com"},
                                                   {"created", Unix("2026-01-05T09:00:00Z")},
                                                   {"provider_connections", 2}}));
  // Another platform's account answers exactly like one that does not exist (AUTH-5).
  ApiResult carol =
      Api(*client_, "GET", std::string("/v1/accounts/") + kCarolAccount, Bearer(kAcmeLiveKey));
  EXPECT_TRUE(IsError(carol, 404, "id", "resource_missing"));
  ApiResult missing = Api(*client_, "GET", "/v1/accounts/cpa_doesNotExist00", Bearer(kAcmeLiveKey));
  EXPECT_TRUE(IsError(missing, 404, "id", "resource_missing"));
  ApiResult carol_by_globex =
      Api(*client_, "GET", std::string("/v1/accounts/") + kCarolAccount, Bearer(kGlobexKey));
  ASSERT_EQ(carol_by_globex.status, 200) << carol_by_globex.body.dump();
  EXPECT_EQ(carol_by_globex.body["email"], "carol@example.com");
  EXPECT_EQ(carol_by_globex.body["provider_connections"], 1);
}

// RES-1
TEST_F(Resources, AccountsCountConnectionsLinkedLater) {
  NewAccount bob = Consent(*client_, "bob@example.com");
  LinkCalendar(*client_, bob);
  ApiResult res = Api(*client_, "GET", "/v1/accounts/" + bob.id, Bearer(kAcmeLiveKey));
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.body["provider_connections"], 1);
}

// RES-1
TEST_F(Resources, AccountsNeedThePlatformKeyWithoutAccountHeader) {
  for (const std::string path : {"/v1/accounts", "/v1/accounts/cpa_9yza0bcd1efg"}) {
    SCOPED_TRACE(path);
    EXPECT_TRUE(IsError(Api(*client_, "GET", path, Alice()), 403, "", "platform_key_required"));
    EXPECT_TRUE(IsError(Api(*client_, "GET", path, Bearer(kAcmeLiveKey, kAliceAccount)), 403, "",
                        "platform_key_required"));
  }
}

// RES-1, RES-5
TEST_F(Resources, AccountsListPagesThroughEveryAccountOnce) {
  std::set<std::string> expected = {kAliceAccount};
  for (const std::string email : {"bob@example.com", "dave@example.com", "erin@example.com",
                                  "frank@example.com", "grace@example.com"}) {
    expected.insert(Consent(*client_, email).id);
    server_.Advance(1);
  }
  ASSERT_EQ(expected.size(), 6u);
  std::vector<size_t> sizes;
  std::vector<Json> all = WalkList(*client_, Bearer(kAcmeLiveKey), "/v1/accounts", 4, &sizes);
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 2}));
  std::vector<std::string> ids = Ids(all);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
  EXPECT_EQ(ids.size(), expected.size());  // no duplicates
  EXPECT_TRUE(InListOrder(all));
  EXPECT_EQ(ids.front(), kAliceAccount);  // the oldest

  // A cursor from another platform's list is not an object of this list.
  ApiResult foreign =
      Api(*client_, "GET", std::string("/v1/accounts?starting_after=") + kCarolAccount,
          Bearer(kAcmeLiveKey));
  EXPECT_TRUE(IsError(foreign, 400, "starting_after"));
  EXPECT_TRUE(
      IsError(Api(*client_, "GET", "/v1/accounts?limit=0", Bearer(kAcmeLiveKey)), 400, "limit"));
}

// ------------------------------------------------------------------------------------------------
// RES-2: provider connections

// RES-2
TEST_F(Resources, ProviderConnectionsListAlicesTwoWithTheirExactShape) {
  ApiResult res = Api(*client_, "GET", "/v1/provider_connections", Alice());
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.body["object"], "list");
  EXPECT_EQ(res.body["has_more"], false);
  ASSERT_EQ(res.body["data"].size(), 2u);
  EXPECT_EQ(Unordered(res.body["data"][0]),
            (nlohmann::json{{"id", kAliceGoogle},
                            {"object", "provider_connection"},
                            {"provider", "google"},
                            {"email", "alice@gmail.example"},
                            {"status", "active"},
                            {"created", Unix("2026-01-05T09:01:00Z")}}));
  EXPECT_EQ(Unordered(res.body["data"][1]),
            (nlohmann::json{{"id", kAliceMicrosoft},
                            {"object", "provider_connection"},
                            {"provider", "microsoft"},
                            {"email", "alice@outlook.example"},
                            {"status", "active"},
                            {"created", Unix("2026-02-10T12:00:00Z")}}));
  // Paging: one per page, in the same order.
  std::vector<size_t> sizes;
  EXPECT_EQ(Ids(WalkList(*client_, Alice(), "/v1/provider_connections", 1, &sizes)),
            (std::vector<std::string>{kAliceGoogle, kAliceMicrosoft}));
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 1}));
}

// RES-2
TEST_F(Resources, ProviderConnectionGetReturnsOneOfTheAccountOnly) {
  ApiResult res =
      Api(*client_, "GET", std::string("/v1/provider_connections/") + kAliceMicrosoft, Alice());
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(Unordered(res.body), (nlohmann::json{{"id", kAliceMicrosoft},
                                                 {"object", "provider_connection"},
                                                 {"provider", "microsoft"},
                                                 {"email", "alice@outlook.example"},
                                                 {"status", "active"},
                                                 {"created", Unix("2026-02-10T12:00:00Z")}}));
  EXPECT_TRUE(IsError(
      Api(*client_, "GET", std::string("/v1/provider_connections/") + kCarolConnection, Alice()),
      404, "id", "resource_missing"));
  EXPECT_TRUE(IsError(Api(*client_, "GET", "/v1/provider_connections/con_doesNotExist00", Alice()),
                      404, "id", "resource_missing"));
}

// RES-2
TEST_F(Resources, ProviderConnectionsOfANewAccountAreAnEmptyList) {
  NewAccount bob = Consent(*client_, "bob@example.com");
  for (const auto& headers : {Bearer(bob.token), Bearer(kAcmeLiveKey, bob.id)}) {
    ApiResult res = Api(*client_, "GET", "/v1/provider_connections", headers);
    ASSERT_EQ(res.status, 200) << res.body.dump();
    EXPECT_EQ(Unordered(res.body),
              (nlohmann::json{
                  {"object", "list"}, {"data", nlohmann::json::array()}, {"has_more", false}}));
  }
  // Alice's connection is not bob's.
  EXPECT_TRUE(IsError(Api(*client_, "GET", std::string("/v1/provider_connections/") + kAliceGoogle,
                          Bearer(bob.token)),
                      404, "id"));
}

// ------------------------------------------------------------------------------------------------
// RES-3: calendars

// RES-3
TEST_F(Resources, CalendarsListAlicesTwoWithTheirExactShape) {
  ApiResult res = Api(*client_, "GET", "/v1/calendars", Alice());
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.body["object"], "list");
  EXPECT_EQ(res.body["has_more"], false);
  ASSERT_EQ(res.body["data"].size(), 2u);
  EXPECT_EQ(Unordered(res.body["data"][0]),
            (nlohmann::json{{"id", kAliceWorkCalendar},
                            {"object", "calendar"},
                            {"provider_connection_id", kAliceGoogle},
                            {"name", "Work"},
                            {"timezone", "Europe/London"},
                            {"primary", true}}));
  EXPECT_EQ(Unordered(res.body["data"][1]),
            (nlohmann::json{{"id", kAlicePersonalCalendar},
                            {"object", "calendar"},
                            {"provider_connection_id", kAliceMicrosoft},
                            {"name", "Personal"},
                            {"timezone", "Europe/London"},
                            {"primary", false}}));
  ApiResult first = Api(*client_, "GET", "/v1/calendars?limit=1", Alice());
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["data"].size(), 1u);
  EXPECT_EQ(first.body["has_more"], true);
  ApiResult second =
      Api(*client_, "GET",
          std::string("/v1/calendars?limit=1&starting_after=") + kAliceWorkCalendar, Alice());
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(IdSet(second.body["data"]), std::set<std::string>{kAlicePersonalCalendar});
  EXPECT_EQ(second.body["has_more"], false);
}

// RES-3
TEST_F(Resources, CalendarGetReturnsOneOfTheAccountOnly) {
  ApiResult res = Api(*client_, "GET", std::string("/v1/calendars/") + kAliceWorkCalendar, Alice());
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(Unordered(res.body), (nlohmann::json{{"id", kAliceWorkCalendar},
                                                 {"object", "calendar"},
                                                 {"provider_connection_id", kAliceGoogle},
                                                 {"name", "Work"},
                                                 {"timezone", "Europe/London"},
                                                 {"primary", true}}));
  EXPECT_TRUE(IsError(Api(*client_, "GET", std::string("/v1/calendars/") + kCarolCalendar, Alice()),
                      404, "id", "resource_missing"));
  EXPECT_TRUE(IsError(Api(*client_, "GET", "/v1/calendars/cal_doesNotExist00", Alice()), 404, "id",
                      "resource_missing"));
  // Carol's own credentials do see it.
  ApiResult carol = Api(*client_, "GET", std::string("/v1/calendars/") + kCarolCalendar,
                        Bearer(kGlobexKey, kCarolAccount));
  ASSERT_EQ(carol.status, 200) << carol.body.dump();
  EXPECT_EQ(carol.body["timezone"], "America/New_York");
}

// ------------------------------------------------------------------------------------------------
// RES-4: events

// RES-4
TEST_F(Resources, EventCreateAnswersTheFullObjectWithEchoedFields) {
  server_.Advance(7 * 86400);
  const int64_t before = Now();
  const std::string body = Json{
      {"calendar_id", kAlicePersonalCalendar},
      {"summary", "Lunch with Bob"},
      {"description", "Line one\nline two"},
      {"location", "Café Nero"},
      {"start", "2026-12-20T12:00:00+01:00"},
      {"end", "2026-12-20T13:30:00+01:00"},
      {"all_day", false},
      {"attendees",
       {{{"email", "bob@example.com"}, {"response_status", "accepted"}},
        {{"email", "carol@example.com"}}}},
      {"status", "tentative"}}.dump();
  ApiResult res = Api(*client_, "POST", "/v1/events", Alice(), body);
  const int64_t after = Now();
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.Header("Content-Type"), "application/json; charset=utf-8");
  const std::string id = res.body.value("id", "");
  EXPECT_TRUE(IsBase62Id(id, "evt_")) << id;
  EXPECT_GE(id.size(), 4u + 11u);  // ≥ 64 bits of base62 (CONV-2)
  const int64_t created = res.body.value("created", int64_t(0));
  EXPECT_GE(created, before);
  EXPECT_LE(created, after);
  EXPECT_EQ(Unordered(res.body),
            (nlohmann::json{
                {"id", id},
                {"object", "event"},
                {"calendar_id", kAlicePersonalCalendar},
                {"summary", "Lunch with Bob"},
                {"description", "Line one\nline two"},
                {"location", "Café Nero"},
                {"start", "2026-12-20T12:00:00+01:00"},
                {"end", "2026-12-20T13:30:00+01:00"},
                {"all_day", false},
                {"attendees",
                 {{{"email", "bob@example.com"}, {"response_status", "accepted"}},
                  {{"email", "carol@example.com"}, {"response_status", "needsAction"}}}},
                {"status", "tentative"},
                {"created", created},
                {"updated", created},
            }));
  // GET answers the same object, and the list has it.
  ApiResult got = Api(*client_, "GET", "/v1/events/" + id, Alice());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, res.body);
  std::vector<Json> all = AllEvents(*client_, Alice());
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(all.back(), res.body);  // the newest comes last
}

// RES-4
TEST_F(Resources, EventCreateFillsDefaultsAndRendersUnsetTextAsNull) {
  Json e = CreateForAlice(Json{
      {"calendar_id", kAliceWorkCalendar},
      {"start", "2026-12-20"},
      {"end", "2026-12-21"},
      {"all_day", true}}.dump());
  EXPECT_EQ(e["summary"], "");
  EXPECT_TRUE(e["description"].is_null()) << e.dump();
  EXPECT_TRUE(e["location"].is_null()) << e.dump();
  EXPECT_EQ(e["all_day"], true);
  EXPECT_EQ(e["attendees"], Json::array());
  EXPECT_EQ(e["status"], "confirmed");
  EXPECT_EQ(e["start"], "2026-12-20");
  EXPECT_EQ(e.size(), 13u) << e.dump();
  // A fixture event without description renders it as null too.
  ApiResult review = Api(*client_, "GET", "/v1/events/evt_review00000001", Alice());
  EXPECT_TRUE(review.body["description"].is_null()) << review.body.dump();
  EXPECT_TRUE(review.body["location"].is_null());
  EXPECT_EQ(review.body["status"], "tentative");
}

// RES-4
TEST_F(Resources, EventGetOfAnotherAccountIsNotFound) {
  ApiResult own = Api(*client_, "GET", "/v1/events/evt_planning000001", Alice());
  ASSERT_EQ(own.status, 200) << own.body.dump();
  EXPECT_EQ(own.body["attendees"].size(), 2u);
  EXPECT_EQ(own.body["created"], Unix("2026-11-20T08:00:00Z"));
  ApiResult foreign = Api(*client_, "GET", std::string("/v1/events/") + kCarolEvent, Alice());
  ApiResult missing = Api(*client_, "GET", "/v1/events/evt_doesNotExist00", Alice());
  EXPECT_TRUE(IsError(foreign, 404, "id", "resource_missing"));
  EXPECT_TRUE(IsError(missing, 404, "id", "resource_missing"));
}

// RES-4
TEST_F(Resources, EventPatchKeepsCreatedAndMovesUpdated) {
  Json e = CreateForAlice(EventBody("Before"));
  const int64_t created = e["created"].get<int64_t>();
  server_.Advance(3600);
  const int64_t before = Now();
  ApiResult res = Api(*client_, "PATCH", "/v1/events/" + e["id"].get<std::string>(), Alice(),
                      R"({"summary": "After"})");
  const int64_t after = Now();
  ASSERT_EQ(res.status, 200) << res.body.dump();
  EXPECT_EQ(res.body["created"], created);
  EXPECT_GE(res.body["updated"].get<int64_t>(), before);
  EXPECT_LE(res.body["updated"].get<int64_t>(), after);
  EXPECT_GE(res.body["updated"].get<int64_t>(), created + 3600);
  EXPECT_EQ(res.body["summary"], "After");
  // Only summary and updated changed.
  Json expected = e;
  expected["summary"] = "After";
  expected["updated"] = res.body["updated"];
  EXPECT_EQ(res.body, expected);
  // The patch did not move the event in the list: it is still the newest.
  EXPECT_EQ(AllEvents(*client_, Alice()).back(), res.body);
}

// RES-4
TEST_F(Resources, EventPatchIsPartialAndNullClearsText) {
  const std::string id = "evt_planning000001";
  ApiResult original = Api(*client_, "GET", "/v1/events/" + id, Alice());
  ASSERT_EQ(original.status, 200);
  ASSERT_EQ(original.body["description"], "Agenda in the shared doc.");

  ApiResult located =
      Api(*client_, "PATCH", "/v1/events/" + id, Alice(), R"({"location": "Room 5.02"})");
  ASSERT_EQ(located.status, 200) << located.body.dump();
  Json expected = original.body;
  expected["location"] = "Room 5.02";
  expected["updated"] = located.body["updated"];
  EXPECT_EQ(located.body, expected);

  ApiResult cleared = Api(*client_, "PATCH", "/v1/events/" + id, Alice(),
                          R"({"description": null, "location": null})");
  ASSERT_EQ(cleared.status, 200) << cleared.body.dump();
  EXPECT_TRUE(cleared.body["description"].is_null()) << cleared.body.dump();
  EXPECT_TRUE(cleared.body["location"].is_null());
  EXPECT_EQ(cleared.body["summary"], "Weekly planning");
  EXPECT_EQ(cleared.body["attendees"], original.body["attendees"]);
  EXPECT_EQ(Api(*client_, "GET", "/v1/events/" + id, Alice()).body, cleared.body);

  // attendees are replaced as a whole; an empty list removes them all.
  ApiResult no_attendees =
      Api(*client_, "PATCH", "/v1/events/" + id, Alice(), R"({"attendees": []})");
  ASSERT_EQ(no_attendees.status, 200);
  EXPECT_EQ(no_attendees.body["attendees"], Json::array());
  // An empty patch changes nothing but `updated`.
  ApiResult empty = Api(*client_, "PATCH", "/v1/events/" + id, Alice(), "{}");
  ASSERT_EQ(empty.status, 200) << empty.body.dump();
  Json same = no_attendees.body;
  same["updated"] = empty.body["updated"];
  EXPECT_EQ(empty.body, same);
}

// RES-4
TEST_F(Resources, EventPatchMovesItToTheOtherCalendar) {
  const std::string id = "evt_planning000001";
  ApiResult moved = Api(*client_, "PATCH", "/v1/events/" + id, Alice(),
                        Json{{"calendar_id", kAlicePersonalCalendar}}.dump());
  ASSERT_EQ(moved.status, 200) << moved.body.dump();
  EXPECT_EQ(moved.body["calendar_id"], kAlicePersonalCalendar);
  ApiResult work =
      Api(*client_, "GET", std::string("/v1/events?calendar_id=") + kAliceWorkCalendar, Alice());
  ApiResult personal = Api(
      *client_, "GET", std::string("/v1/events?calendar_id=") + kAlicePersonalCalendar, Alice());
  EXPECT_EQ(IdSet(work.body["data"]),
            (std::set<std::string>{"evt_review00000001", "evt_offsite0000001"}));
  EXPECT_EQ(IdSet(personal.body["data"]),
            (std::set<std::string>{id, "evt_dentist0000001", "evt_dinner00000001"}));
}

// RES-4
TEST_F(Resources, EventPatchToAnotherAccountsCalendarIsRefusedAndChangesNothing) {
  const std::string id = "evt_planning000001";
  ApiResult before = Api(*client_, "GET", "/v1/events/" + id, Alice());
  server_.Advance(60);
  for (const std::string calendar : {kCarolCalendar, "cal_doesNotExist00"}) {
    ApiResult res = Api(*client_, "PATCH", "/v1/events/" + id, Alice(),
                        Json{{"calendar_id", calendar}, {"summary", "Moved"}}.dump());
    EXPECT_TRUE(IsError(res, 400, "calendar_id")) << calendar;
  }
  EXPECT_EQ(Api(*client_, "GET", "/v1/events/" + id, Alice()).body, before.body);
}

// RES-4
TEST_F(Resources, EventPatchTogglingAllDayNeedsDatesOnly) {
  Json e = CreateForAlice(EventBody("Workshop"));
  const std::string path = "/v1/events/" + e["id"].get<std::string>();
  // all_day alone leaves times where dates are needed.
  EXPECT_TRUE(IsError(Api(*client_, "PATCH", path, Alice(), R"({"all_day": true})"), 400, "start"));
  EXPECT_TRUE(
      IsError(Api(*client_, "PATCH", path, Alice(),
                  R"({"all_day": true, "start": "2026-12-20", "end": "2026-12-20T13:00:00Z"})"),
              400, "end"));
  EXPECT_EQ(Api(*client_, "GET", path, Alice()).body, e);

  ApiResult day = Api(*client_, "PATCH", path, Alice(),
                      R"({"all_day": true, "start": "2026-12-20", "end": "2026-12-21"})");
  ASSERT_EQ(day.status, 200) << day.body.dump();
  EXPECT_EQ(day.body["all_day"], true);
  EXPECT_EQ(day.body["start"], "2026-12-20");
  EXPECT_EQ(day.body["end"], "2026-12-21");
  // Dates now; moving a date alone is fine, a time is not.
  EXPECT_EQ(Api(*client_, "PATCH", path, Alice(), R"({"end": "2026-12-22"})").status, 200);
  EXPECT_TRUE(IsError(Api(*client_, "PATCH", path, Alice(), R"({"end": "2026-12-22T10:00:00Z"})"),
                      400, "end"));
  // And back.
  EXPECT_TRUE(
      IsError(Api(*client_, "PATCH", path, Alice(), R"({"all_day": false})"), 400, "start"));
  ApiResult timed =
      Api(*client_, "PATCH", path, Alice(),
          R"({"all_day": false, "start": "2026-12-20T09:00:00Z", "end": "2026-12-20T10:00:00Z"})");
  ASSERT_EQ(timed.status, 200) << timed.body.dump();
  EXPECT_EQ(timed.body["all_day"], false);
  EXPECT_EQ(timed.body["start"], "2026-12-20T09:00:00Z");
}

// RES-4
TEST_F(Resources, EventPatchValidationFailureChangesNothing) {
  Json e = CreateForAlice(EventBody("Stay"));
  const std::string path = "/v1/events/" + e["id"].get<std::string>();
  server_.Advance(60);
  struct Case {
    std::string body;
    std::string param;
  };
  const std::vector<Case> cases = {
      {R"({"summary": "x", "end": "2026-12-20T11:00:00Z"})", "end"},  // before start
      {R"({"start": "2026-12-20T13:00:00Z"})", "end"},                // equal to end
      {R"({"summary": null})", "summary"},
      {R"({"calendar_id": null})", "calendar_id"},
      {R"({"summary": "ok", "colour": "red"})", "colour"},
      {R"({"id": "evt_other"})", "id"},
      {R"({"created": 1})", "created"},
      {R"({"status": "done"})", "status"},
      {R"({"attendees": [{"email": "nobody"}]})", "attendees[0].email"},
      {"{\"summary\": \"" + std::string(1025, 's') + "\"}", "summary"},
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(IsError(Api(*client_, "PATCH", path, Alice(), c.body), 400, c.param)) << c.body;
  }
  EXPECT_EQ(Api(*client_, "GET", path, Alice()).body, e);
}

// RES-4
TEST_F(Resources, EventPatchOfAnotherAccountsEventIsNotFoundAndChangesNothing) {
  const httplib::Headers carol = Bearer(kGlobexKey, kCarolAccount);
  ApiResult before = Api(*client_, "GET", std::string("/v1/events/") + kCarolEvent, carol);
  ASSERT_EQ(before.status, 200) << before.body.dump();
  EXPECT_TRUE(IsError(Api(*client_, "PATCH", std::string("/v1/events/") + kCarolEvent, Alice(),
                          R"({"summary": "hijacked"})"),
                      404, "id"));
  EXPECT_TRUE(IsError(Api(*client_, "DELETE", std::string("/v1/events/") + kCarolEvent, Alice()),
                      404, "id"));
  EXPECT_EQ(Api(*client_, "GET", std::string("/v1/events/") + kCarolEvent, carol).body,
            before.body);
}

// RES-4
TEST_F(Resources, EventDeleteAnswersDeletedAndRemovesIt) {
  Json e = CreateForAlice(EventBody("Doomed"));
  const std::string id = e["id"].get<std::string>();
  ApiResult deleted = Api(*client_, "DELETE", "/v1/events/" + id, Alice());
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  EXPECT_EQ(Unordered(deleted.body),
            (nlohmann::json{{"id", id}, {"object", "event"}, {"deleted", true}}));
  EXPECT_TRUE(
      IsError(Api(*client_, "GET", "/v1/events/" + id, Alice()), 404, "id", "resource_missing"));
  EXPECT_TRUE(IsError(Api(*client_, "DELETE", "/v1/events/" + id, Alice()), 404, "id"));
  EXPECT_TRUE(IsError(Api(*client_, "PATCH", "/v1/events/" + id, Alice(), R"({"summary": "x"})"),
                      404, "id"));
  std::vector<std::string> ids = Ids(AllEvents(*client_, Alice()));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), id), 0);
  EXPECT_EQ(ids.size(), 5u);
  // A fixture event goes the same way.
  ASSERT_EQ(Api(*client_, "DELETE", "/v1/events/evt_dentist0000001", Alice()).status, 200);
  ApiResult personal = Api(
      *client_, "GET", std::string("/v1/events?calendar_id=") + kAlicePersonalCalendar, Alice());
  EXPECT_EQ(IdSet(personal.body["data"]), std::set<std::string>{"evt_dinner00000001"});
}

// RES-4
TEST_F(Resources, EventListFiltersByCalendar) {
  ApiResult work =
      Api(*client_, "GET", std::string("/v1/events?calendar_id=") + kAliceWorkCalendar, Alice());
  ASSERT_EQ(work.status, 200) << work.body.dump();
  EXPECT_EQ(IdSet(work.body["data"]), kWorkEvents);
  EXPECT_EQ(work.body["has_more"], false);
  ApiResult personal = Api(
      *client_, "GET", std::string("/v1/events?calendar_id=") + kAlicePersonalCalendar, Alice());
  ASSERT_EQ(personal.status, 200);
  EXPECT_EQ(IdSet(personal.body["data"]), kPersonalEvents);
  // Paged with the filter: has_more reflects only matching events.
  ApiResult first =
      Api(*client_, "GET", std::string("/v1/events?limit=2&calendar_id=") + kAlicePersonalCalendar,
          Alice());
  EXPECT_EQ(first.body["data"].size(), 2u);
  EXPECT_EQ(first.body["has_more"], false);
  ApiResult work_first =
      Api(*client_, "GET", std::string("/v1/events?limit=2&calendar_id=") + kAliceWorkCalendar,
          Alice());
  EXPECT_EQ(work_first.body["has_more"], true);
  // The cursor may be an event the filter does not select: the page starts after it.
  ApiResult after_planning =
      Api(*client_, "GET",
          std::string("/v1/events?starting_after=evt_planning000001&calendar_id=") +
              kAlicePersonalCalendar,
          Alice());
  ASSERT_EQ(after_planning.status, 200) << after_planning.body.dump();
  EXPECT_EQ(IdSet(after_planning.body["data"]), kPersonalEvents);
}

// RES-5, ERR-1: only lists take query parameters; every other endpoint refuses any, as lists
// refuse unknown ones, and changes nothing.
TEST_F(Resources, SingleObjectEndpointsRefuseQueryParameters) {
  const std::string before = Api(*client_, "GET", "/v1/events?limit=100", Alice()).body.dump();
  struct Case {
    std::string method, path, body;
  };
  for (const Case& c : std::vector<Case>{
           {"GET", "/v1/events/evt_planning000001?foo=1", ""},
           {"PATCH", "/v1/events/evt_planning000001?x=1", R"({"summary":"Changed"})"},
           {"DELETE", "/v1/events/evt_planning000001?x=1", ""},
           {"POST", "/v1/events?calendar=1", EventBody()},
           {"GET", std::string("/v1/calendars/") + kAliceWorkCalendar + "?limit=abc", ""},
           {"GET", "/v1/provider_connections/con_aliceGoogle0001?expand=1", ""}}) {
    SCOPED_TRACE(c.method + " " + c.path);
    ApiResult res = Api(*client_, c.method, c.path, Alice(), c.body);
    EXPECT_EQ(res.status, 400) << res.body.dump();
    EXPECT_EQ(res.body["error"]["code"], "parameter_unknown");
  }
  EXPECT_EQ(Api(*client_, "GET", "/v1/events?limit=100", Alice()).body.dump(), before);
}

// RES-4: with two bad time filters, the error names the first.
TEST_F(Resources, EventListNamesTheFirstBadTimeFilter) {
  ApiResult res = Api(*client_, "GET", "/v1/events?time_min=soon&time_max=later", Alice());
  EXPECT_TRUE(IsError(res, 400, "time_min", "parameter_invalid")) << res.body.dump();
}

// RES-4
TEST_F(Resources, EventListRefusesAnUnknownOrForeignCalendar) {
  for (const std::string calendar : {kCarolCalendar, "cal_doesNotExist00"}) {
    ApiResult res = Api(*client_, "GET", "/v1/events?calendar_id=" + calendar, Alice());
    EXPECT_TRUE(IsError(res, 404, "calendar_id", "resource_missing")) << calendar;
  }
}

// RES-4
TEST_F(Resources, EventListTimeWindowSelectsOverlappingEvents) {
  // Fixture times (UTC): planning 12-07 09:00-10:00, dentist 12-08 16:00-16:45, review 12-09
  // 14:00-15:30, dinner 12-11 19:30-22:00, offsite all day 12-14..12-16 (end exclusive).
  struct Case {
    std::string query;
    std::set<std::string> ids;
  };
  const std::vector<Case> cases = {
      // Touching is not overlapping: planning ends when the window starts, review starts when
      // it ends.
      {"time_min=2026-12-07T10:00:00Z&time_max=2026-12-09T14:00:00Z", {"evt_dentist0000001"}},
      {"time_min=2026-12-07T09:59:59Z&time_max=2026-12-09T14:00:01Z",
       {"evt_planning000001", "evt_dentist0000001", "evt_review00000001"}},
      // A window inside an event selects it.
      {"time_min=2026-12-07T09:15:00Z&time_max=2026-12-07T09:45:00Z", {"evt_planning000001"}},
      {"time_min=2026-12-15T00:00:00Z", {"evt_offsite0000001"}},
      {"time_max=2026-12-07T09:00:01Z", {"evt_planning000001"}},
      {"time_max=2026-12-07T09:00:00Z", {}},
      {"time_min=2026-12-16T00:00:00Z", {}},
      // Offsets count: 23:00+01:00 is 22:00Z, when dinner ends.
      {"time_min=2026-12-11T23:00:00%2B01:00", {"evt_offsite0000001"}},
      {"time_min=2026-12-11T22:59:59%2B01:00", {"evt_dinner00000001", "evt_offsite0000001"}},
      // With the calendar filter as well.
      {"time_min=2026-12-08T00:00:00Z&time_max=2026-12-12T00:00:00Z&calendar_id=cal_alicePersonal1",
       {"evt_dentist0000001", "evt_dinner00000001"}},
  };
  for (const Case& c : cases) {
    ApiResult res = Api(*client_, "GET", "/v1/events?" + c.query, Alice());
    ASSERT_EQ(res.status, 200) << c.query << " " << res.body.dump();
    EXPECT_EQ(IdSet(res.body["data"]), c.ids) << c.query;
    EXPECT_EQ(res.body["has_more"], false) << c.query;
  }
}

// RES-4
TEST_F(Resources, EventListRefusesBadTimeWindows) {
  struct Case {
    std::string query;
    std::string param;
  };
  const std::vector<Case> cases = {
      {"time_min=tomorrow", "time_min"},
      {"time_min=2026-13-01T00:00:00Z", "time_min"},
      {"time_min=2026-12-07", "time_min"},
      {"time_min=2026-12-07T09:00:00", "time_min"},  // no offset
      {"time_max=2026-12-32T00:00:00Z", "time_max"},
      {"time_max=1733500000", "time_max"},
      {"time_min=2026-12-08T00:00:00Z&time_max=2026-12-07T00:00:00Z", "time_max"},
      {"time_min=2026-12-08T00:00:00Z&time_max=2026-12-08T00:00:00Z", "time_max"},
      {"time_min=2026-12-08T01:00:00%2B01:00&time_max=2026-12-08T00:00:00Z", "time_max"},
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(IsError(Api(*client_, "GET", "/v1/events?" + c.query, Alice()), 400, c.param))
        << c.query;
  }
}

// RES-4: each invalid create is a 400 naming the field, and nothing is created.
TEST_F(Resources, EventCreateValidationNamesTheParamAndCreatesNothing) {
  const std::vector<Json> before = AllEvents(*client_, Alice());
  ASSERT_EQ(before.size(), 5u);
  auto body = [](Json overrides) {
    Json b = {{"calendar_id", kAliceWorkCalendar},
              {"summary", "Test"},
              {"start", "2026-12-20T12:00:00Z"},
              {"end", "2026-12-20T13:00:00Z"}};
    for (auto& [key, value] : overrides.items()) b[key] = value;
    return b;
  };
  auto without = [&](const std::string& field) {
    Json b = body(Json::object());
    b.erase(field);
    return b;
  };
  struct Case {
    Json body;
    std::string param;
    std::string code;
  };
  const std::vector<Case> cases = {
      {without("calendar_id"), "calendar_id", "parameter_missing"},
      {without("start"), "start", "parameter_missing"},
      {without("end"), "end", "parameter_missing"},
      {body({{"calendar_id", kCarolCalendar}}), "calendar_id", ""},
      {body({{"calendar_id", "cal_doesNotExist00"}}), "calendar_id", ""},
      {body({{"calendar_id", 5}}), "calendar_id", "parameter_invalid"},
      {body({{"start", "2026-13-01T00:00:00Z"}}), "start", "parameter_invalid"},
      {body({{"start", "tomorrow"}}), "start", "parameter_invalid"},
      {body({{"start", "2026-02-30T10:00:00Z"}}), "start", "parameter_invalid"},
      {body({{"start", "2026-12-20T25:00:00Z"}}), "start", "parameter_invalid"},
      {body({{"end", "tomorrow"}}), "end", "parameter_invalid"},
      {body({{"start", "2026-12-20"}}), "start", "parameter_invalid"},  // a date, all_day false
      {body({{"end", "2026-12-21"}}), "end", "parameter_invalid"},
      {body({{"all_day", true}}), "start", "parameter_invalid"},  // times, all_day true
      {body({{"all_day", true}, {"start", "2026-12-20"}}), "end", "parameter_invalid"},
      {body({{"start", 1765000000}}), "start", "parameter_invalid"},
      {body({{"end", "2026-12-20T12:00:00Z"}}), "end", "parameter_invalid"},  // == start
      {body({{"end", "2026-12-20T11:59:59Z"}}), "end", "parameter_invalid"},
      {body({{"end", "2026-12-20T12:30:00+01:00"}}), "end", "parameter_invalid"},  // 11:30Z
      {body({{"all_day", true}, {"start", "2026-12-20"}, {"end", "2026-12-20"}}), "end",
       "parameter_invalid"},
      {body({{"summary", std::string(1025, 'x')}}), "summary", "parameter_invalid"},
      {body({{"summary", 5}}), "summary", "parameter_invalid"},
      {body({{"summary", nullptr}}), "summary", "parameter_invalid"},
      {body({{"summary", "line\nbreak"}}), "summary", "parameter_invalid"},
      {body({{"description", 5}}), "description", "parameter_invalid"},
      {body({{"location", Json::array()}}), "location", "parameter_invalid"},
      {body({{"colour", "red"}}), "colour", "parameter_unknown"},
      {body({{"id", "evt_mine"}}), "id", "parameter_unknown"},
      {body({{"all_day", "yes"}}), "all_day", "parameter_invalid"},
      {body({{"all_day", 1}}), "all_day", "parameter_invalid"},
      {body({{"attendees", Json::object()}}), "attendees", "parameter_invalid"},
      {body({{"attendees", "bob@example.com"}}), "attendees", "parameter_invalid"},
      {body({{"attendees", {"bob@example.com"}}}), "attendees[0]", "parameter_invalid"},
      {body({{"attendees", {Json::object()}}}), "attendees[0].email", "parameter_missing"},
      {body({{"attendees", {{{"response_status", "accepted"}}}}}), "attendees[0].email",
       "parameter_missing"},
      {body({{"attendees", {{{"email", "not-an-email"}}}}}), "attendees[0].email",
       "parameter_invalid"},
      {body({{"attendees", {{{"email", "a@b@c"}}}}}), "attendees[0].email", "parameter_invalid"},
      {body({{"attendees", {{{"email", 7}}}}}), "attendees[0].email", "parameter_invalid"},
      {body({{"attendees",
              {{{"email", "bob@example.com"}},
               {{"email", "c@example.com"}, {"response_status", "bogus"}}}}}),
       "attendees[1].response_status", "parameter_invalid"},
      {body({{"attendees", {{{"email", "bob@example.com"}, {"role", "chair"}}}}}),
       "attendees[0].role", "parameter_unknown"},
      {body({{"status", "done"}}), "status", "parameter_invalid"},
      {body({{"status", "Confirmed"}}), "status", "parameter_invalid"},
      {body({{"status", nullptr}}), "status", "parameter_invalid"},
  };
  for (const Case& c : cases) {
    ApiResult res = Api(*client_, "POST", "/v1/events", Alice(), c.body.dump());
    EXPECT_TRUE(IsError(res, 400, c.param, c.code)) << c.body.dump();
  }
  EXPECT_EQ(AllEvents(*client_, Alice()), before);
}

// RES-4: the boundaries of the rules above are accepted.
TEST_F(Resources, EventCreateAcceptsValuesAtTheLimits) {
  Json longest = CreateForAlice(EventBody(std::string(1024, 'x')));
  EXPECT_EQ(longest["summary"].get<std::string>().size(), 1024u);
  // 1024 characters, whatever their UTF-8 length.
  std::string accented;
  for (int i = 0; i < 1024; ++i) accented += "\xC3\xA9";  // é
  Json wide = CreateForAlice(EventBody(accented));
  EXPECT_TRUE(wide["summary"] == accented) << "summary not echoed";
  std::string too_wide = accented + "\xC3\xA9";
  EXPECT_TRUE(
      IsError(Api(*client_, "POST", "/v1/events", Alice(), EventBody(too_wide)), 400, "summary"));
  // A one-second event, fractional seconds, lower-case separators and offsets.
  Json brief = CreateForAlice(Json{{"calendar_id", kAliceWorkCalendar},
                                   {"start", "2026-12-20T12:00:00.250Z"},
                                   {"end", "2026-12-20t13:00:01-01:00"}}
                                  .dump());
  EXPECT_EQ(brief["end"], "2026-12-20t13:00:01-01:00");
  // A one-day all-day event and 29 February of a leap year.
  CreateForAlice(Json{
      {"calendar_id", kAliceWorkCalendar},
      {"all_day", true},
      {"start", "2028-02-29"},
      {"end",
       "2028-03-01"}}.dump());
  for (const std::string status : {"confirmed", "tentative", "cancelled"}) {
    Json b = Json::parse(EventBody());
    b["status"] = status;
    Json e = CreateForAlice(b.dump());
    EXPECT_EQ(e["status"], status);
  }
  for (const std::string rs : {"needsAction", "accepted", "declined", "tentative"}) {
    Json b = Json::parse(EventBody());
    b["attendees"] = {{{"email", "bob@example.com"}, {"response_status", rs}}};
    EXPECT_EQ(CreateForAlice(b.dump())["attendees"][0]["response_status"], rs);
  }
  EXPECT_EQ(AllEvents(*client_, Alice()).size(), 5u + 11u);
}

// RES-4, RES-7: bodies that are not a JSON object of the right size and type.
TEST_F(Resources, EventWriteRefusesBadBodiesWithoutChangingState) {
  const std::vector<Json> before = AllEvents(*client_, Alice());
  const std::string valid = EventBody();
  struct Case {
    std::string name;
    std::string body;
    std::string content_type;
    int status;
  };
  std::string deep_arrays =
      "{\"summary\": " + std::string(1000, '[') + std::string(1000, ']') + "}";
  std::string deep_objects;
  for (int i = 0; i < 1000; ++i) deep_objects += "{\"a\":";
  deep_objects += "1" + std::string(1000, '}');
  std::string bad_utf8 = valid;
  bad_utf8.replace(bad_utf8.find("Lunch"), 5, "Lu\xFF\xFEnch");
  std::string overlong = valid;
  overlong.replace(overlong.find("Lunch"), 5, "\xC0\xAF");
  const std::vector<Case> cases = {
      {"malformed", "{\"calendar_id\": ", "application/json", 400},
      {"trailing garbage", valid + "x", "application/json", 400},
      {"an array", "[" + valid + "]", "application/json", 400},
      {"a string", "\"hello\"", "application/json", 400},
      {"nested arrays 1000 deep", deep_arrays, "application/json", 400},
      {"nested objects 1000 deep", deep_objects, "application/json", 400},
      {"invalid UTF-8", bad_utf8, "application/json", 400},
      {"overlong UTF-8", overlong, "application/json", 400},
      {"text/plain", valid, "text/plain", 415},
      {"form", "calendar_id=cal_aliceWork00001", "application/x-www-form-urlencoded", 415},
      {"no content type", valid, "", 415},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ApiResult created = Raw(*client_, "POST", "/v1/events", Alice(), c.body, c.content_type);
    EXPECT_TRUE(IsError(created, c.status, ""));
    ApiResult patched =
        Raw(*client_, "PATCH", "/v1/events/evt_planning000001", Alice(), c.body, c.content_type);
    EXPECT_TRUE(IsError(patched, c.status, ""));
  }
  // The charset parameter and case do not matter.
  ApiResult with_charset =
      Raw(*client_, "POST", "/v1/events", Alice(), valid, "Application/JSON; charset=utf-8");
  EXPECT_EQ(with_charset.status, 200) << with_charset.body.dump();
  ASSERT_EQ(
      Api(*client_, "DELETE", "/v1/events/" + with_charset.body.value("id", "x"), Alice()).status,
      200);
  EXPECT_EQ(AllEvents(*client_, Alice()), before);
  // The mock is still healthy after the deep bodies.
  EXPECT_EQ(Api(*client_, "GET", "/healthz", {}).status, 200);
}

// RES-4, RES-7
TEST_F(Resources, EventCreateRefusesABodyOverOneMebibyte) {
  const std::vector<Json> before = AllEvents(*client_, Alice());
  // A valid event whose description pads the body to 2 MiB.
  Json big = Json::parse(EventBody());
  big["description"] = std::string(2 << 20, 'd');
  ApiResult res = Api(*client_, "POST", "/v1/events", Alice(), big.dump());
  EXPECT_TRUE(IsError(res, 413, "", "payload_too_large"));
  auto fresh = server_.Client();
  EXPECT_EQ(AllEvents(*fresh, Alice()), before);
}

// ------------------------------------------------------------------------------------------------
// RES-5: lists

// RES-5
TEST_F(Resources, ListLimitDefaultsToTwentyAndIsHonouredUpToOneHundred) {
  for (int i = 0; i < 100; ++i) CreateForAlice(EventBody("Event " + std::to_string(i)));
  // 105 events.
  ApiResult first = Api(*client_, "GET", "/v1/events", Alice());
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["data"].size(), 20u);
  EXPECT_EQ(first.body["has_more"], true);
  for (int limit : {1, 2, 7, 20, 99, 100}) {
    ApiResult res = Api(*client_, "GET", "/v1/events?limit=" + std::to_string(limit), Alice());
    ASSERT_EQ(res.status, 200) << limit;
    EXPECT_EQ(res.body["data"].size(), size_t(limit)) << limit;
    EXPECT_EQ(res.body["has_more"], true) << limit;
  }
  // Exactly the remaining count: has_more is false.
  std::vector<Json> all = AllEvents(*client_, Alice());
  ASSERT_EQ(all.size(), 105u);
  ApiResult last =
      Api(*client_, "GET", "/v1/events?limit=5&starting_after=" + all[99]["id"].get<std::string>(),
          Alice());
  EXPECT_EQ(last.body["data"].size(), 5u);
  EXPECT_EQ(last.body["has_more"], false);
  ApiResult after_last = Api(
      *client_, "GET", "/v1/events?starting_after=" + all.back()["id"].get<std::string>(), Alice());
  ASSERT_EQ(after_last.status, 200);
  EXPECT_EQ(after_last.body["data"], Json::array());
  EXPECT_EQ(after_last.body["has_more"], false);
}

// RES-5
TEST_F(Resources, ListLimitOutsideOneToOneHundredIsRefused) {
  for (const std::string limit : {"0", "101", "abc", "-1", "1.5", "1e2", "%2B5", "%205", "1000",
                                  "99999999999999999999", "0x10"}) {
    for (const std::string path : {"/v1/events", "/v1/calendars", "/v1/provider_connections"}) {
      EXPECT_TRUE(IsError(Api(*client_, "GET", path + "?limit=" + limit, Alice()), 400, "limit",
                          "parameter_invalid"))
          << path << " limit=" << limit;
    }
  }
}

// RES-5: 250 events walked with limit=100 come out once each, in (created, id) order.
TEST_F(Resources, ListStartingAfterWalksEveryEventOnceInStableOrder) {
  std::set<std::string> expected = kWorkEvents;
  expected.insert(kPersonalEvents.begin(), kPersonalEvents.end());
  for (int i = 0; i < 250; ++i) {
    // Ten events per virtual second: both ties on `created` (ordered by id) and distinct times.
    if (i % 10 == 0) server_.Advance(1);
    Json e = CreateForAlice(EventBody("Event " + std::to_string(i),
                                      i % 2 ? kAliceWorkCalendar : kAlicePersonalCalendar));
    expected.insert(e["id"].get<std::string>());
  }
  ASSERT_EQ(expected.size(), 255u);
  std::vector<size_t> sizes;
  std::vector<Json> all = WalkList(*client_, Alice(), "/v1/events", 100, &sizes);
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 55}));
  std::vector<std::string> ids = Ids(all);
  EXPECT_EQ(ids.size(), 255u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);  // no gaps, no duplicates
  EXPECT_TRUE(InListOrder(all));
  // Some events share a `created` second, so the id tie-break was exercised.
  size_t ties = 0;
  for (size_t i = 1; i < all.size(); ++i) ties += all[i]["created"] == all[i - 1]["created"];
  EXPECT_GT(ties, 0u);
  // Another page size walks the same sequence.
  EXPECT_EQ(Ids(WalkList(*client_, Alice(), "/v1/events", 7)), ids);
  // The order does not depend on the credential.
  EXPECT_EQ(Ids(WalkList(*client_, Bearer(kAcmeLiveKey, kAliceAccount), "/v1/events", 33)), ids);
}

// RES-5: events created while a client walks the list show up at its end, never twice.
TEST_F(Resources, ListCursorStaysValidWhileEventsAreAddedAndRemoved) {
  ApiResult first = Api(*client_, "GET", "/v1/events?limit=3", Alice());
  ASSERT_EQ(first.status, 200);
  std::vector<std::string> seen = Ids(first.body["data"].get<std::vector<Json>>());
  server_.Advance(5);
  Json added = CreateForAlice(EventBody("Late"));
  // Delete one not yet seen.
  std::vector<Json> all = AllEvents(*client_, Alice());
  ASSERT_EQ(all.size(), 6u);
  const std::string removed = all[4]["id"].get<std::string>();
  ASSERT_EQ(Api(*client_, "DELETE", "/v1/events/" + removed, Alice()).status, 200);
  ApiResult rest = Api(*client_, "GET", "/v1/events?starting_after=" + seen.back(), Alice());
  ASSERT_EQ(rest.status, 200);
  for (const Json& e : rest.body["data"]) seen.push_back(e["id"].get<std::string>());
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.back(), added["id"]);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), removed), 0);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
}

// RES-5
TEST_F(Resources, ListStartingAfterMustBeAnObjectOfThatList) {
  Json e = CreateForAlice(EventBody());
  const std::string deleted = e["id"].get<std::string>();
  ASSERT_EQ(Api(*client_, "DELETE", "/v1/events/" + deleted, Alice()).status, 200);
  for (const std::string& cursor : {std::string(kCarolEvent), std::string("evt_doesNotExist00"),
                                    deleted, std::string(kAliceWorkCalendar)}) {
    EXPECT_TRUE(IsError(Api(*client_, "GET", "/v1/events?starting_after=" + cursor, Alice()), 400,
                        "starting_after"))
        << cursor;
  }
  EXPECT_TRUE(IsError(
      Api(*client_, "GET", std::string("/v1/calendars?starting_after=") + kCarolCalendar, Alice()),
      400, "starting_after"));
  EXPECT_TRUE(IsError(
      Api(*client_, "GET",
          std::string("/v1/provider_connections?starting_after=") + kCarolConnection, Alice()),
      400, "starting_after"));
  // And carol's own list accepts her cursor.
  EXPECT_EQ(Api(*client_, "GET", std::string("/v1/events?starting_after=") + kCarolEvent,
                Bearer(kGlobexKey, kCarolAccount))
                .status,
            200);
}

// RES-5
TEST_F(Resources, ListRefusesUnknownAndRepeatedQueryParameters) {
  struct Case {
    std::string path;
    std::string param;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"/v1/events?foo=1", "foo", "parameter_unknown"},
      {"/v1/events?limit=5&calendar=cal_aliceWork00001", "calendar", "parameter_unknown"},
      {"/v1/events?ending_before=evt_planning000001", "ending_before", "parameter_unknown"},
      {"/v1/calendars?calendar_id=cal_aliceWork00001", "calendar_id", "parameter_unknown"},
      {"/v1/provider_connections?time_min=2026-12-07T00:00:00Z", "time_min", "parameter_unknown"},
      {"/v1/events?limit=1&limit=2", "limit", "parameter_invalid"},
      {"/v1/events?calendar_id=cal_aliceWork00001&calendar_id=cal_alicePersonal1", "calendar_id",
       "parameter_invalid"},
      {"/v1/calendars?starting_after=cal_aliceWork00001&starting_after=cal_aliceWork00001",
       "starting_after", "parameter_invalid"},
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(IsError(Api(*client_, "GET", c.path, Alice()), 400, c.param, c.code)) << c.path;
  }
  EXPECT_TRUE(IsError(Api(*client_, "GET", "/v1/accounts?foo=1", Bearer(kAcmeLiveKey)), 400, "foo",
                      "parameter_unknown"));
}

// ------------------------------------------------------------------------------------------------
// Concurrency

// RES-4, RES-5, AUTH-5: accounts written in parallel end exactly as their own operations say.
TEST_F(Resources, ParallelWritesOnSeparateAccountsEndInTheStateTheyImply) {
  constexpr int kWorkers = 6;
  constexpr int kEventsPerWorker = 80;
  struct Worker {
    httplib::Headers headers;
    std::string calendar;
    std::map<std::string, std::string> expected;  // id → final summary
    std::map<std::string, std::string> expected_status;
    std::vector<std::string> errors;
    int requests = 0;
  };
  std::vector<Worker> workers(kWorkers);
  for (int w = 0; w < kWorkers - 1; ++w) {
    NewAccount account = Consent(*client_, "worker" + std::to_string(w) + "@example.com");
    workers[w].headers = Bearer(account.token);
    workers[w].calendar = LinkCalendar(*client_, account);
  }
  // The last worker is alice, through the platform key, with her fixture events in place.
  workers.back().headers = Bearer(kAcmeLiveKey, kAliceAccount);
  workers.back().calendar = kAlicePersonalCalendar;
  for (const Json& e : AllEvents(*client_, Alice())) {
    workers.back().expected[e["id"].get<std::string>()] = e["summary"].get<std::string>();
    workers.back().expected_status[e["id"].get<std::string>()] = e["status"].get<std::string>();
  }
  ASSERT_FALSE(HasFailure());

  auto run = [&](int w) {
    Worker& me = workers[w];
    auto client = server_.Client();
    auto call = [&](const std::string& method, const std::string& path,
                    const std::string& body = "") {
      ++me.requests;
      ApiResult res = Api(*client, method, path, me.headers, body);
      if (res.status != 200) {
        me.errors.push_back(method + " " + path + " → " + std::to_string(res.status) + " " +
                            res.body.dump());
      }
      return res;
    };
    // Event i's fate is i % 4: 0 keeps its first summary, 1 is renamed once, 2 renamed twice
    // (and made tentative), 3 renamed once then deleted. Steps interleave with later creates.
    std::vector<std::string> ids;
    const std::string tag = "w" + std::to_string(w) + "-";
    for (int step = 0; step < kEventsPerWorker + 2; ++step) {
      if (step < kEventsPerWorker) {
        const std::string summary = tag + std::to_string(step) + "-v0";
        ApiResult created = call("POST", "/v1/events", EventBody(summary, me.calendar));
        ids.push_back(created.body.value("id", ""));
        me.expected[ids.back()] = summary;
        me.expected_status[ids.back()] = "confirmed";
      }
      if (int i = step - 1; i >= 0 && i % 4 != 0) {
        const std::string summary = tag + std::to_string(i) + "-v1";
        call("PATCH", "/v1/events/" + ids[i], Json{{"summary", summary}}.dump());
        me.expected[ids[i]] = summary;
      }
      if (int i = step - 2; i >= 0 && i % 4 == 2) {
        const std::string summary = tag + std::to_string(i) + "-v2";
        call("PATCH", "/v1/events/" + ids[i],
             Json{{"summary", summary}, {"status", "tentative"}}.dump());
        me.expected[ids[i]] = summary;
        me.expected_status[ids[i]] = "tentative";
      }
      if (int i = step - 2; i >= 0 && i % 4 == 3) {
        call("DELETE", "/v1/events/" + ids[i]);
        me.expected.erase(ids[i]);
        me.expected_status.erase(ids[i]);
      }
      if (step % 8 == 0) {
        ApiResult page = call("GET", "/v1/events?limit=100");
        for (const Json& e : page.body.value("data", Json::array())) {
          if (!me.expected.count(e.value("id", ""))) {
            me.errors.push_back("listed an event this worker does not own: " + e.dump());
          }
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) threads.emplace_back(run, w);
  for (std::thread& t : threads) t.join();

  int total = 0;
  for (int w = 0; w < kWorkers; ++w) {
    SCOPED_TRACE("worker " + std::to_string(w));
    const Worker& me = workers[w];
    total += me.requests;
    EXPECT_TRUE(me.errors.empty()) << me.errors.size() << " failures, first: " << me.errors[0];
    std::map<std::string, std::string> summaries, statuses;
    std::vector<Json> all = AllEvents(*client_, me.headers);
    for (const Json& e : all) {
      summaries[e["id"].get<std::string>()] = e["summary"].get<std::string>();
      statuses[e["id"].get<std::string>()] = e["status"].get<std::string>();
    }
    EXPECT_EQ(summaries.size(), all.size()) << "duplicates in the list";
    EXPECT_EQ(summaries, me.expected);
    EXPECT_EQ(statuses, me.expected_status);
    EXPECT_TRUE(InListOrder(all));
  }
  EXPECT_GT(total, 1000);
}

// Threads sharing one account (through both kinds of credential) lose no write and never see a
// torn list.
// RES-4, RES-5
TEST_F(Resources, ParallelWritesOnOneAccountLoseNothing) {
  constexpr int kThreads = 8;
  constexpr int kEventsPerThread = 150;
  std::map<std::string, std::string> expected;  // id → final summary
  for (const Json& e : AllEvents(*client_, Alice())) {
    expected[e["id"].get<std::string>()] = e["summary"].get<std::string>();
  }
  std::vector<std::map<std::string, std::string>> mine(kThreads);
  std::vector<std::vector<std::string>> errors(kThreads);
  auto run = [&](int t) {
    auto client = server_.Client();
    const httplib::Headers headers = t % 2 ? Alice() : Bearer(kAcmeLiveKey, kAliceAccount);
    auto call = [&](const std::string& method, const std::string& path,
                    const std::string& body = "") {
      ApiResult res = Api(*client, method, path, headers, body);
      if (res.status != 200) {
        errors[t].push_back(method + " " + path + " → " + std::to_string(res.status) + " " +
                            res.body.dump());
      }
      return res;
    };
    for (int i = 0; i < kEventsPerThread; ++i) {
      const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
      const std::string id =
          call("POST", "/v1/events",
               EventBody(name, i % 2 ? kAliceWorkCalendar : kAlicePersonalCalendar))
              .body.value("id", "");
      call("PATCH", "/v1/events/" + id, Json{{"summary", name + "-renamed"}}.dump());
      if (i % 3 == 0) {
        call("DELETE", "/v1/events/" + id);
      } else {
        mine[t][id] = name + "-renamed";
      }
      if (i % 5 == 0) {
        ApiResult page = call("GET", "/v1/events?limit=100");
        std::vector<Json> data = page.body.value("data", Json::array()).get<std::vector<Json>>();
        if (!InListOrder(data)) errors[t].push_back("a page out of order");
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(run, t);
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) {
    EXPECT_TRUE(errors[t].empty()) << errors[t].size() << " failures, first: " << errors[t][0];
    expected.insert(mine[t].begin(), mine[t].end());
  }
  std::vector<Json> all = AllEvents(*client_, Alice());
  std::map<std::string, std::string> summaries;
  for (const Json& e : all) summaries[e["id"].get<std::string>()] = e["summary"].get<std::string>();
  EXPECT_EQ(summaries.size(), all.size()) << "duplicates in the list";
  EXPECT_EQ(summaries, expected);
  EXPECT_EQ(all.size(), 5u + kThreads * (kEventsPerThread - kEventsPerThread / 3));
  EXPECT_TRUE(InListOrder(all));
}

}  // namespace
}  // namespace chronapilot::testing
