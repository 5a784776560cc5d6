// The provider simulation of the control API (SPEC CTRL-6): an end-user links or unlinks Google
// or Microsoft, and events change "at the provider"; each change must show through /v1 exactly
// as the API would show it. All through real HTTP on loopback.
#include <algorithm>
#include <string>
#include <vector>

#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

constexpr char kAliceGoogle[] = "con_aliceGoogle0001";
constexpr char kAliceMicrosoft[] = "con_aliceMsft00001";
constexpr char kCarolEvent[] = "evt_carolStandup01";

httplib::Headers Alice() { return Bearer(kFixtureAccessToken); }

ApiResult Link(httplib::Client& client, const std::string& account, const std::string& body) {
  return Api(client, "POST", "/_mock/accounts/" + account + "/provider_connections", {}, body);
}

ApiResult Unlink(httplib::Client& client, const std::string& connection) {
  return Api(client, "DELETE", "/_mock/provider_connections/" + connection, {});
}

ApiResult ProviderChange(httplib::Client& client, const std::string& account,
                         const std::string& body) {
  return Api(client, "POST", "/_mock/accounts/" + account + "/events", {}, body);
}

// The `data` of a /v1 list the caller sees (limit 100).
Json ListData(httplib::Client& client, const std::string& path,
              const httplib::Headers& auth = Alice()) {
  ApiResult res = Api(client, "GET", path + "?limit=100", auth);
  EXPECT_EQ(res.status, 200) << path << ": " << res.body.dump();
  return res.body.is_object() ? res.body["data"] : Json::array();
}

std::vector<std::string> Ids(const Json& data) {
  std::vector<std::string> ids;
  for (const Json& item : data) ids.push_back(item.value("id", ""));
  return ids;
}

bool Contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

int64_t Now(httplib::Client& client) {
  ApiResult clock = Api(client, "GET", "/_mock/clock", {});
  EXPECT_EQ(clock.status, 200);
  return clock.body.value("now", int64_t(0));
}

void ExpectError(const ApiResult& res, int status, const std::string& param = "") {
  EXPECT_EQ(res.status, status) << res.body.dump();
  ASSERT_TRUE(res.body.is_object() && res.body["error"].is_object()) << res.body.dump();
  EXPECT_EQ(res.body["error"].value("type", ""), "invalid_request_error") << res.body.dump();
  EXPECT_FALSE(res.body["error"].value("message", "").empty()) << res.body.dump();
  if (!param.empty()) {
    EXPECT_EQ(res.body["error"].value("param", ""), param) << res.body.dump();
  }
}

std::string NewEvent(const std::string& summary, const std::string& calendar = kAliceWorkCalendar) {
  return Json{{"calendar_id", calendar},
              {"summary", summary},
              {"start", "2027-02-01T09:00:00Z"},
              {"end", "2027-02-01T09:30:00Z"}}
      .dump();
}

// --- Linking and unlinking providers ------------------------------------------------------------

// CTRL-6, RES-2, RES-3: without `calendars`, the link brings one primary calendar.
TEST(ProviderSim, LinkAddsAnActiveConnectionWithAPrimaryCalendar) {
  MockServer server;
  auto client = server.Client();
  server.Advance(3600);
  const int64_t now = Now(*client);

  ApiResult linked =
      Link(*client, kAliceAccount, R"({"provider": "microsoft", "email": "alice@work.example"})");
  ASSERT_EQ(linked.status, 200) << linked.body.dump();
  const std::string id = linked.body.value("id", "");
  EXPECT_EQ(id.rfind("con_", 0), 0u) << linked.body.dump();
  EXPECT_GE(id.size(), 4u + 11u);  // 64 bits of base62 at least (CONV-2)
  EXPECT_EQ(linked.body["object"], "provider_connection");
  EXPECT_EQ(linked.body["provider"], "microsoft");
  EXPECT_EQ(linked.body["email"], "alice@work.example");
  EXPECT_EQ(linked.body["status"], "active");
  EXPECT_GE(linked.body.value("created", int64_t(0)), now);  // the virtual clock

  // The API shows the same object, in the list and on its own.
  const Json connections = ListData(*client, "/v1/provider_connections");
  std::vector<std::string> ids = Ids(connections);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> expected = {kAliceGoogle, kAliceMicrosoft, id};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);
  ApiResult one = Api(*client, "GET", "/v1/provider_connections/" + id, Alice());
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body, linked.body);

  // One primary calendar named after the linked address.
  std::vector<Json> added;
  for (const Json& cal : ListData(*client, "/v1/calendars")) {
    if (cal["provider_connection_id"] == id) added.push_back(cal);
  }
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0]["id"].get<std::string>().rfind("cal_", 0), 0u);
  EXPECT_EQ(added[0]["object"], "calendar");
  EXPECT_EQ(added[0]["primary"], true);
  EXPECT_EQ(added[0]["name"], "alice@work.example");
  EXPECT_EQ(added[0]["timezone"], "UTC");

  // RES-1: the platform sees the count change.
  ApiResult account =
      Api(*client, "GET", std::string("/v1/accounts/") + kAliceAccount, Bearer(kAcmeLiveKey));
  ASSERT_EQ(account.status, 200) << account.body.dump();
  EXPECT_EQ(account.body["provider_connections"], 3);
}

// CTRL-6: the calendars given are the ones that arrive, and they are usable at once.
TEST(ProviderSim, LinkWithCalendarsAddsExactlyThoseCalendars) {
  MockServer server;
  auto client = server.Client();
  ApiResult linked = Link(*client, kAliceAccount, R"({"provider": "google",
      "email": "alice.team@gmail.example",
      "calendars": [{"name": "Team", "timezone": "Europe/Paris", "primary": true},
                    {"name": "Holidays"}]})");
  ASSERT_EQ(linked.status, 200) << linked.body.dump();
  const std::string id = linked.body["id"];

  std::vector<Json> added;
  for (const Json& cal : ListData(*client, "/v1/calendars")) {
    if (cal["provider_connection_id"] == id) added.push_back(cal);
  }
  ASSERT_EQ(added.size(), 2u);
  std::sort(added.begin(), added.end(),
            [](const Json& a, const Json& b) { return a["name"] > b["name"]; });
  EXPECT_EQ(added[0]["name"], "Team");
  EXPECT_EQ(added[0]["timezone"], "Europe/Paris");
  EXPECT_EQ(added[0]["primary"], true);
  EXPECT_EQ(added[1]["name"], "Holidays");
  EXPECT_EQ(added[1]["timezone"], "UTC");
  EXPECT_EQ(added[1]["primary"], false);
  const std::string team = added[0]["id"];
  EXPECT_EQ(Api(*client, "GET", "/v1/calendars/" + team, Alice()).body, added[0]);

  // The API accepts events in the new calendar.
  ApiResult created = Api(*client, "POST", "/v1/events", Alice(), NewEvent("Team sync", team));
  EXPECT_EQ(created.status, 200) << created.body.dump();
  EXPECT_EQ(created.body["calendar_id"], team);

  // An empty list links an account without calendars.
  ApiResult bare = Link(*client, kAliceAccount, R"({"provider": "google", "email": "a@x.example",
                                       "calendars": []})");
  ASSERT_EQ(bare.status, 200) << bare.body.dump();
  for (const Json& cal : ListData(*client, "/v1/calendars")) {
    EXPECT_NE(cal["provider_connection_id"], bare.body["id"]);
  }
}

// CTRL-6, AUTH-5: a link shows only on its own account.
TEST(ProviderSim, LinkIsVisibleOnlyToItsAccount) {
  MockServer server;
  auto client = server.Client();
  ApiResult linked =
      Link(*client, kCarolAccount, R"({"provider": "microsoft", "email": "carol@work.example"})");
  ASSERT_EQ(linked.status, 200) << linked.body.dump();
  const std::string id = linked.body["id"];
  EXPECT_TRUE(Contains(
      Ids(ListData(*client, "/v1/provider_connections", Bearer(kGlobexKey, kCarolAccount))), id));
  EXPECT_FALSE(Contains(Ids(ListData(*client, "/v1/provider_connections")), id));
  EXPECT_EQ(Api(*client, "GET", "/v1/provider_connections/" + id, Alice()).status, 404);
}

// CTRL-6: unlinking takes the connection's calendars and their events with it, and nothing else.
TEST(ProviderSim, UnlinkRemovesTheConnectionItsCalendarsAndTheirEvents) {
  MockServer server;
  auto client = server.Client();
  ApiResult removed = Unlink(*client, kAliceMicrosoft);
  ASSERT_EQ(removed.status, 200) << removed.body.dump();
  EXPECT_EQ(removed.body,
            Json({{"id", kAliceMicrosoft}, {"object", "provider_connection"}, {"deleted", true}}));

  EXPECT_EQ(Ids(ListData(*client, "/v1/provider_connections")),
            std::vector<std::string>{kAliceGoogle});
  ExpectError(
      Api(*client, "GET", std::string("/v1/provider_connections/") + kAliceMicrosoft, Alice()),
      404);
  EXPECT_EQ(Ids(ListData(*client, "/v1/calendars")), std::vector<std::string>{kAliceWorkCalendar});
  ExpectError(Api(*client, "GET", std::string("/v1/calendars/") + kAlicePersonalCalendar, Alice()),
              404);
  for (const char* gone : {"evt_dentist0000001", "evt_dinner00000001"}) {
    SCOPED_TRACE(gone);
    ExpectError(Api(*client, "GET", std::string("/v1/events/") + gone, Alice()), 404);
  }
  // The Google calendar's three events remain.
  const std::vector<std::string> events = Ids(ListData(*client, "/v1/events"));
  EXPECT_EQ(events.size(), 3u);
  EXPECT_TRUE(Contains(events, "evt_planning000001"));
  // The removed calendar takes no new events.
  ExpectError(Api(*client, "POST", "/v1/events", Alice(), NewEvent("x", kAlicePersonalCalendar)),
              400, "calendar_id");

  // Unlinking twice: the connection is gone.
  ExpectError(Unlink(*client, kAliceMicrosoft), 404);
  ApiResult account =
      Api(*client, "GET", std::string("/v1/accounts/") + kAliceAccount, Bearer(kAcmeLiveKey));
  EXPECT_EQ(account.body["provider_connections"], 1);
}

// CTRL-6: a linked connection can be unlinked again, events created through the API included.
TEST(ProviderSim, UnlinkingANewLinkRemovesEventsCreatedInIt) {
  MockServer server;
  auto client = server.Client();
  ApiResult linked =
      Link(*client, kAliceAccount, R"({"provider": "google", "email": "n@x.example"})");
  ASSERT_EQ(linked.status, 200) << linked.body.dump();
  const std::string connection = linked.body["id"];
  std::string calendar;
  for (const Json& cal : ListData(*client, "/v1/calendars")) {
    if (cal["provider_connection_id"] == connection) calendar = cal["id"];
  }
  ASSERT_FALSE(calendar.empty());
  ApiResult created = Api(*client, "POST", "/v1/events", Alice(), NewEvent("In new", calendar));
  ASSERT_EQ(created.status, 200) << created.body.dump();
  const std::string event = created.body["id"];

  ASSERT_EQ(Unlink(*client, connection).status, 200);
  ExpectError(Api(*client, "GET", "/v1/events/" + event, Alice()), 404);
  ExpectError(Api(*client, "GET", "/v1/calendars/" + calendar, Alice()), 404);
  EXPECT_EQ(ListData(*client, "/v1/events").size(), 5u);
  EXPECT_EQ(ListData(*client, "/v1/calendars").size(), 2u);
}

// CTRL-6
TEST(ProviderSim, UnlinkUnknownConnectionIs404) {
  MockServer server;
  auto client = server.Client();
  ExpectError(Unlink(*client, "con_doesNotExist0001"), 404);
  ExpectError(Unlink(*client, kAliceWorkCalendar), 404);  // an id of another kind
  EXPECT_EQ(ListData(*client, "/v1/provider_connections").size(), 2u);
}

// --- Event changes at the provider --------------------------------------------------------------

// CTRL-6, RES-4: an event created at the provider is an ordinary event to the API.
TEST(ProviderSim, CreatedEventShowsThroughTheApi) {
  MockServer server;
  auto client = server.Client();
  server.Advance(120);
  const int64_t now = Now(*client);
  ApiResult created = ProviderChange(*client, kAliceAccount,
                                     Json{{"action", "create"},
                                          {"event",
                                           {{"calendar_id", kAlicePersonalCalendar},
                                            {"summary", "Booked in Outlook"},
                                            {"location", "Online"},
                                            {"start", "2027-03-01T08:00:00Z"},
                                            {"end", "2027-03-01T08:30:00Z"},
                                            {"attendees", {{{"email", "dave@example.com"}}}}}}}
                                         .dump());
  ASSERT_EQ(created.status, 200) << created.body.dump();
  const std::string id = created.body.value("id", "");
  EXPECT_EQ(id.rfind("evt_", 0), 0u);
  EXPECT_EQ(created.body["object"], "event");
  EXPECT_EQ(created.body["calendar_id"], kAlicePersonalCalendar);
  EXPECT_EQ(created.body["summary"], "Booked in Outlook");
  EXPECT_EQ(created.body["status"], "confirmed");
  EXPECT_EQ(created.body["attendees"][0]["email"], "dave@example.com");
  EXPECT_EQ(created.body["attendees"][0]["response_status"], "needsAction");
  EXPECT_GE(created.body.value("created", int64_t(0)), now);

  ApiResult got = Api(*client, "GET", "/v1/events/" + id, Alice());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, created.body);
  const Json list = ListData(*client, "/v1/events");
  EXPECT_EQ(list.size(), 6u);
  EXPECT_TRUE(Contains(Ids(list), id));
  // The platform key sees the same.
  EXPECT_EQ(Api(*client, "GET", "/v1/events/" + id, Bearer(kAcmeLiveKey, kAliceAccount)).body,
            created.body);
}

// CTRL-6, RES-4: an update at the provider changes only the fields it names.
TEST(ProviderSim, UpdatedEventShowsThroughTheApi) {
  MockServer server;
  auto client = server.Client();
  ApiResult before = Api(*client, "GET", "/v1/events/evt_planning000001", Alice());
  ASSERT_EQ(before.status, 200);
  server.Advance(600);
  const int64_t now = Now(*client);

  ApiResult updated = ProviderChange(*client, kAliceAccount, R"json({"action": "update",
      "id": "evt_planning000001",
      "event": {"summary": "Weekly planning (moved)", "start": "2026-12-07T11:00:00Z",
                "end": "2026-12-07T12:00:00Z", "status": "tentative"}})json");
  ASSERT_EQ(updated.status, 200) << updated.body.dump();

  Json expected = before.body;
  expected["summary"] = "Weekly planning (moved)";
  expected["start"] = "2026-12-07T11:00:00Z";
  expected["end"] = "2026-12-07T12:00:00Z";
  expected["status"] = "tentative";
  expected["updated"] = updated.body["updated"];
  EXPECT_EQ(updated.body, expected);
  EXPECT_GE(updated.body.value("updated", int64_t(0)), now);
  EXPECT_EQ(updated.body["created"], before.body["created"]);
  EXPECT_EQ(Api(*client, "GET", "/v1/events/evt_planning000001", Alice()).body, updated.body);
}

// CTRL-6, RES-4: a deletion at the provider: the API answers 404 for it from then on.
TEST(ProviderSim, DeletedEventIsGoneFromTheApi) {
  MockServer server;
  auto client = server.Client();
  ApiResult deleted =
      ProviderChange(*client, kAliceAccount, R"({"action": "delete", "id": "evt_review00000001"})");
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  // Answered as DELETE /v1/events/{id} answers.
  EXPECT_EQ(deleted.body,
            (Json{{"id", "evt_review00000001"}, {"object", "event"}, {"deleted", true}}));
  ExpectError(Api(*client, "GET", "/v1/events/evt_review00000001", Alice()), 404);
  const Json list = ListData(*client, "/v1/events");
  EXPECT_EQ(list.size(), 4u);
  EXPECT_FALSE(Contains(Ids(list), "evt_review00000001"));
  // Deleting it again: it is gone.
  ExpectError(
      ProviderChange(*client, kAliceAccount, R"({"action": "delete", "id": "evt_review00000001"})"),
      404);
}

// CTRL-6, RES-4: provider changes are validated like API writes, and a refused one changes
// nothing.
TEST(ProviderSim, InvalidEventChangesAre400AndChangeNothing) {
  MockServer server;
  auto client = server.Client();
  const Json events_before = ListData(*client, "/v1/events");
  const std::string long_summary(1025, 's');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"action": "create", "event": {"calendar_id": "cal_aliceWork00001",
           "start": "2027-03-01T09:00:00Z", "end": "2027-03-01T08:00:00Z"}})",
       "end"},
      {R"({"action": "create", "event": {"calendar_id": "cal_aliceWork00001",
           "start": "tomorrow", "end": "2027-03-01T08:00:00Z"}})",
       "start"},
      {R"({"action": "create", "event": {"start": "2027-03-01T08:00:00Z",
           "end": "2027-03-01T09:00:00Z"}})",
       "calendar_id"},
      {R"({"action": "create", "event": {"calendar_id": "cal_carolMain00001",
           "start": "2027-03-01T08:00:00Z", "end": "2027-03-01T09:00:00Z"}})",
       "calendar_id"},
      {R"({"action": "create", "event": {"calendar_id": "cal_aliceWork00001",
           "start": "2027-03-01T08:00:00Z", "end": "2027-03-01T09:00:00Z", "color": "red"}})",
       "color"},
      {Json{{"action", "update"},
            {"id", "evt_planning000001"},
            {"event", {{"summary", long_summary}}}}
           .dump(),
       "summary"},
      {R"({"action": "update", "id": "evt_planning000001",
           "event": {"end": "2026-12-07T08:00:00Z"}})",
       "end"},
      {R"({"action": "update", "id": "evt_planning000001",
           "event": {"calendar_id": "cal_carolMain00001"}})",
       "calendar_id"},
      {R"({"action": "update", "id": "evt_planning000001", "event": {"status": "maybe"}})",
       "status"},
      {R"({"action": "update", "id": "evt_planning000001", "event": {"id": "evt_other"}})", "id"},
  };
  for (const auto& [body, param] : cases) {
    SCOPED_TRACE(body);
    ExpectError(ProviderChange(*client, kAliceAccount, body), 400, param);
  }
  EXPECT_EQ(ListData(*client, "/v1/events"), events_before);
}

// CTRL-6, AUTH-5: update and delete find only the account's own events.
TEST(ProviderSim, ChangesToUnknownOrOtherAccountsEventsAre404) {
  MockServer server;
  auto client = server.Client();
  for (const char* action : {"update", "delete"}) {
    SCOPED_TRACE(action);
    for (const std::string& id : {std::string("evt_doesNotExist01"), std::string(kCarolEvent)}) {
      ExpectError(
          ProviderChange(
              *client, kAliceAccount,
              Json{{"action", action}, {"id", id}, {"event", {{"summary", "hijacked"}}}}.dump()),
          404);
    }
  }
  ApiResult carols = Api(*client, "GET", std::string("/v1/events/") + kCarolEvent,
                         Bearer(kGlobexKey, kCarolAccount));
  ASSERT_EQ(carols.status, 200);
  EXPECT_EQ(carols.body["summary"], "Globex stand-up");
}

// CTRL-6: an account that does not exist is a 404 on every provider endpoint.
TEST(ProviderSim, UnknownAccountIs404) {
  MockServer server;
  auto client = server.Client();
  ExpectError(
      Link(*client, "cpa_doesNotExist01", R"({"provider": "google", "email": "x@example.com"})"),
      404);
  ExpectError(ProviderChange(*client, "cpa_doesNotExist01",
                             R"({"action": "delete", "id": "evt_planning000001"})"),
              404);
  ExpectError(
      ProviderChange(*client, "cpa_doesNotExist01",
                     Json{{"action", "create"}, {"event", Json::parse(NewEvent("x"))}}.dump()),
      404);
  // Nothing happened to alice.
  EXPECT_EQ(ListData(*client, "/v1/events").size(), 5u);
  EXPECT_EQ(ListData(*client, "/v1/provider_connections").size(), 2u);
}

// CTRL-6: bad link bodies are 400s naming the field.
TEST(ProviderSim, BadLinkBodiesAre400) {
  MockServer server;
  auto client = server.Client();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"provider": "yahoo", "email": "a@x.example"})", "provider"},
      {R"({"provider": "Google", "email": "a@x.example"})", "provider"},
      {R"({"email": "a@x.example"})", "provider"},
      {R"({"provider": "google"})", "email"},
      {R"({"provider": "google", "email": "not-an-address"})", "email"},
      {R"({"provider": "google", "email": 7})", "email"},
      {R"({"provider": "google", "email": "a@x.example\r\nX: y"})", "email"},
      {R"({"provider": "google", "email": "a@x.example", "calendars": {"name": "x"}})",
       "calendars"},
      {R"({"provider": "google", "email": "a@x.example", "calendars": [{}]})", "calendars[0]"},
      {R"({"provider": "google", "email": "a@x.example",
           "calendars": [{"name": "ok"}, {"name": "x", "color": "red"}]})",
       "calendars[1]"},
      {R"({"provider": "google", "email": "a@x.example",
           "calendars": [{"name": "x", "primary": "yes"}]})",
       "calendars[0]"},
      {R"({"provider": "google", "email": "a@x.example", "calendars": [{"name": ""}]})",
       "calendars[0]"},
      {R"({"provider": "google", "email": "a@x.example", "calendars": [{"name": "a\nb"}]})",
       "calendars[0]"},
      {R"({"provider": "google", "email": "a@x.example",
           "calendars": [{"name": "x", "timezone": ""}]})",
       "calendars[0]"},
      {R"({"provider": "google", "email": "a@x.example", "status": "active"})", "status"},
  };
  for (const auto& [body, param] : cases) {
    SCOPED_TRACE(body);
    ExpectError(Link(*client, kAliceAccount, body), 400, param);
  }
  ExpectError(Link(*client, kAliceAccount, R"({"provider": "google", )"), 400);
  ExpectError(Link(*client, kAliceAccount, "[]"), 400);
  EXPECT_EQ(ListData(*client, "/v1/provider_connections").size(), 2u);
  EXPECT_EQ(ListData(*client, "/v1/calendars").size(), 2u);
}

// CTRL-6: bad event-change bodies are 400s naming the field.
TEST(ProviderSim, BadEventChangeBodiesAre400) {
  MockServer server;
  auto client = server.Client();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"id": "evt_planning000001"})", "action"},
      {R"({"action": "move", "id": "evt_planning000001"})", "action"},
      {R"({"action": "update", "event": {"summary": "x"}})", "id"},
      {R"({"action": "delete"})", "id"},
      {R"({"action": "delete", "id": 12})", "id"},
      {R"({"action": "create", "event": "summary"})", "event"},
      {R"({"action": "delete", "id": "evt_planning000001", "force": true})", "force"},
  };
  for (const auto& [body, param] : cases) {
    SCOPED_TRACE(body);
    ExpectError(ProviderChange(*client, kAliceAccount, body), 400, param);
  }
  ExpectError(ProviderChange(*client, kAliceAccount, "{"), 400);
  auto empty = client->Post((std::string("/_mock/accounts/") + kAliceAccount + "/events").c_str(),
                            "", "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400) << empty->body;
  EXPECT_EQ(ListData(*client, "/v1/events").size(), 5u);
}

// CTRL-6, CTRL-1: a reset undoes simulated provider changes.
TEST(ProviderSim, ResetUndoesProviderChanges) {
  MockServer server;
  auto client = server.Client();
  ASSERT_EQ(Unlink(*client, kAliceGoogle).status, 200);
  ASSERT_EQ(
      Link(*client, kAliceAccount, R"({"provider": "google", "email": "a@x.example"})").status,
      200);
  ASSERT_EQ(Api(*client, "POST", "/_mock/reset", {}).status, 200);
  EXPECT_EQ(Ids(ListData(*client, "/v1/provider_connections")),
            (std::vector<std::string>{kAliceGoogle, kAliceMicrosoft}));
  EXPECT_EQ(ListData(*client, "/v1/events").size(), 5u);
}

}  // namespace
}  // namespace chronapilot::testing
