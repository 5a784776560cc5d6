// Who receives which webhook (SPEC HOOK-2, HOOK-7, the seed's "Webhook routing"), what a
// delivery carries (HOOK-3), where each event type fires (HOOK-8), and the delivery log of the
// control API (CTRL-4). Real HTTP both ways: the mock on loopback, and a receiver of our own on
// loopback that records what arrives.
//
//   test ──/v1, /oauth, /_mock──▶ MockServer ──webhook POST──▶ Receiver (path = which endpoint)
//
// Waiting for a delivery is the one place these tests use real time (a bounded wait on a
// condition variable). That nothing arrives is never shown by sleeping: /_mock/deliveries records
// every message synchronously when the event is published, before the API call that caused it
// answers, so an empty list there is proof.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mock/crypto.h"
#include "mock/text.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

constexpr char kBobEmail[] = "bob@example.com";
constexpr char kCarolCalendar[] = "cal_carolMain00001";
constexpr auto kDeliveryTimeout = std::chrono::seconds(5);

// One webhook POST as the receiver saw it.
struct Received {
  std::string path;
  httplib::Headers headers;
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  Json json() const { return Json::parse(body, nullptr, false); }
};

// A webhook receiver on 127.0.0.1:<free port>. Each endpoint of a test gets its own path, so the
// path says which endpoint a delivery was for. Paths starting with /fail answer 500. Declare it
// before the MockServer: the mock's delivery threads keep connections to it alive, and stopping
// the receiver while they are open waits out httplib's 5 s keep-alive timeout.
// Thread safety: the server thread appends under mu_; tests read and wait under mu_.
class Receiver {
 public:
  Receiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        received_.push_back({req.path, req.headers, req.body});
      }
      cv_.notify_all();
      res.status = StartsWith(req.path, "/fail") ? 500 : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() only stops a running loop; make sure there is one before anyone may call it.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Waits (real time, bounded) until at least `n` deliveries arrived at `path` ("" = any path).
  bool WaitFor(size_t n, const std::string& path = "") {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeliveryTimeout, [&] { return CountLocked(path) >= n; });
  }

  std::vector<Received> At(const std::string& path) const {
    std::lock_guard lock(mu_);
    std::vector<Received> out;
    for (const Received& r : received_) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
  std::vector<Received> All() const {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  size_t CountLocked(const std::string& path) const {
    size_t n = 0;
    for (const Received& r : received_) n += path.empty() || r.path == path;
    return n;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;  // GUARDED_BY(mu_)
};

httplib::Headers Alice() { return Bearer(kFixtureAccessToken); }
httplib::Headers AcmePlatform() { return Bearer(kAcmeLiveKey); }
httplib::Headers GlobexPlatform() { return Bearer(kGlobexKey); }
httplib::Headers Carol() { return Bearer(kGlobexKey, kCarolAccount); }

// A created endpoint and the secret only create showed.
struct Hook {
  std::string id;
  std::string secret;
  std::string path;
};

Hook CreateHook(httplib::Client& client, const httplib::Headers& auth, const Receiver& receiver,
                const std::string& path, const Json& events = Json::array({"*"}),
                std::optional<bool> connect = std::nullopt) {
  Json body = {{"url", receiver.Url(path)}, {"enabled_events", events}};
  if (connect) body["connect"] = *connect;
  ApiResult res = Api(client, "POST", "/v1/webhook_endpoints", auth, body.dump());
  EXPECT_EQ(res.status, 200) << body.dump() << " -> " << res.body.dump();
  if (res.status != 200) return {};
  return {res.body.value("id", ""), res.body.value("secret", ""), path};
}

std::string EventBody(const std::string& calendar, const std::string& summary) {
  return Json{{"calendar_id", calendar},
              {"summary", summary},
              {"start", "2027-03-01T09:00:00Z"},
              {"end", "2027-03-01T10:00:00Z"}}
      .dump();
}

Json CreateEvent(httplib::Client& client, const httplib::Headers& auth, const std::string& calendar,
                 const std::string& summary) {
  ApiResult res = Api(client, "POST", "/v1/events", auth, EventBody(calendar, summary));
  EXPECT_EQ(res.status, 200) << res.body.dump();
  return res.body;
}

// GET /_mock/deliveries?<query>: the messages, oldest first.
Json Deliveries(httplib::Client& client, const std::string& query = "") {
  ApiResult res = Api(client, "GET", "/_mock/deliveries" + (query.empty() ? "" : "?" + query), {});
  EXPECT_EQ(res.status, 200) << query << ": " << res.body.dump();
  if (!res.body.is_object() || !res.body["data"].is_array()) return Json::array();
  EXPECT_EQ(res.body.value("object", ""), "list");
  return res.body["data"];
}

std::multiset<std::string> Field(const Json& messages, const std::string& name) {
  std::multiset<std::string> out;
  for (const Json& m : messages) out.insert(m.value(name, ""));
  return out;
}

// Polls /_mock/deliveries until message `id` has `attempts` attempts recorded. The receiver sees
// a request before the mock has recorded its outcome, hence the (bounded, real-time) wait.
Json WaitForAttempts(httplib::Client& client, const std::string& id, size_t attempts) {
  const auto deadline = std::chrono::steady_clock::now() + kDeliveryTimeout;
  Json found;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const Json& m : Deliveries(client)) {
      if (m.value("id", "") == id) found = m;
    }
    if (found.is_object() && found["attempts"].size() >= attempts &&
        found.value("state", "") != "sending") {
      return found;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "message " << id << " never got " << attempts << " attempts: " << found.dump();
  return found;
}

// HOOK-4, computed here from the primitives rather than with the mock's own signing code: does
// `webhook-signature` hold v1,base64(HMAC-SHA256(key of `secret`, "{id}.{timestamp}.{body}"))?
bool SignedWith(const Received& r, const std::string& secret) {
  auto key = Base64Decode(std::string_view(secret).substr(secret.find('_') + 1));
  if (!StartsWith(secret, "whsec_") || !key) return false;
  const std::string expected =
      "v1," + Base64Encode(HmacSha256(*key, r.Header("webhook-id") + "." +
                                                r.Header("webhook-timestamp") + "." + r.body));
  for (const std::string& sig : Split(r.Header("webhook-signature"), ' ')) {
    if (sig == expected) return true;
  }
  return false;
}

std::string Account(const TokenResult& tokens) {
  return tokens.body.value("connected_account_id", "");
}

// The id of the account's first calendar (as the account sees it).
std::string FirstCalendar(httplib::Client& client, const httplib::Headers& auth) {
  ApiResult res = Api(client, "GET", "/v1/calendars", auth);
  EXPECT_EQ(res.status, 200) << res.body.dump();
  if (!res.body.is_object() || res.body["data"].empty()) return "";
  return res.body["data"][0].value("id", "");
}

// bob@example.com connects to Acme by consent and links Google (so he has a calendar).
struct Bob {
  std::string account;
  std::string token;
  std::string calendar;
};

Bob ConnectBob(httplib::Client& client) {
  TokenResult tokens = PublicClientTokens(client, kBobEmail);
  EXPECT_EQ(tokens.status, 200) << tokens.body.dump();
  Bob bob{Account(tokens), tokens.body.value("access_token", ""), ""};
  ApiResult link = Api(client, "POST", "/_mock/accounts/" + bob.account + "/provider_connections",
                       {}, R"({"provider": "google", "email": "bob@gmail.example"})");
  EXPECT_EQ(link.status, 200) << link.body.dump();
  bob.calendar = FirstCalendar(client, Bearer(bob.token));
  return bob;
}

// --- Routing (HOOK-2, HOOK-7) -------------------------------------------------------------------

// HOOK-2, HOOK-7: the whole matrix. An account's event goes to that account's endpoints and to
// its platform's connect endpoints, nowhere else: not to a connect:false platform endpoint, not to
// another account's endpoint, never across platforms.
TEST(WebhookRouting, EachEventReachesItsAccountsEndpointsAndItsPlatformsConnectEndpoints) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Bob bob = ConnectBob(*client);
  ASSERT_FALSE(bob.calendar.empty());

  const Hook alice_hook = CreateHook(*client, Alice(), receiver, "/alice");
  const Hook bob_hook = CreateHook(*client, Bearer(bob.token), receiver, "/bob");
  const Hook acme_connect =
      CreateHook(*client, AcmePlatform(), receiver, "/acme-connect", {"*"}, true);
  const Hook acme_plain =
      CreateHook(*client, AcmePlatform(), receiver, "/acme-plain", {"*"}, false);
  const Hook globex_connect =
      CreateHook(*client, GlobexPlatform(), receiver, "/globex-connect", {"*"}, true);
  const std::vector<Hook> hooks = {alice_hook, bob_hook, acme_connect, acme_plain, globex_connect};

  const Json alice_event = CreateEvent(*client, Alice(), kAliceWorkCalendar, "Alice's");
  const Json bob_event = CreateEvent(*client, Bearer(bob.token), bob.calendar, "Bob's");
  const Json carol_event = CreateEvent(*client, Carol(), kCarolCalendar, "Carol's");

  // Who got a message, recorded when the events were published.
  using Set = std::multiset<std::string>;
  EXPECT_EQ(Field(Deliveries(*client, "account=" + std::string(kAliceAccount)), "endpoint"),
            (Set{alice_hook.id, acme_connect.id}));
  EXPECT_EQ(Field(Deliveries(*client, "account=" + bob.account), "endpoint"),
            (Set{bob_hook.id, acme_connect.id}));
  EXPECT_EQ(Field(Deliveries(*client, "account=" + std::string(kCarolAccount)), "endpoint"),
            (Set{globex_connect.id}));
  EXPECT_TRUE(Deliveries(*client, "endpoint=" + acme_plain.id).empty());
  const Json all = Deliveries(*client);
  EXPECT_EQ(all.size(), 5u) << all.dump(2);
  EXPECT_EQ(Field(all, "type"), (Set{"event.created", "event.created", "event.created",
                                     "event.created", "event.created"}));

  // What arrived, one delivery per message.
  ASSERT_TRUE(receiver.WaitFor(5)) << "deliveries: " << receiver.All().size();
  EXPECT_EQ(receiver.At("/alice").size(), 1u);
  EXPECT_EQ(receiver.At("/bob").size(), 1u);
  EXPECT_EQ(receiver.At("/acme-connect").size(), 2u);
  EXPECT_EQ(receiver.At("/acme-plain").size(), 0u);
  EXPECT_EQ(receiver.At("/globex-connect").size(), 1u);

  const std::map<std::string, std::string> event_of_account = {
      {kAliceAccount, alice_event.value("id", "")},
      {bob.account, bob_event.value("id", "")},
      {kCarolAccount, carol_event.value("id", "")}};
  std::set<std::string> message_ids;
  for (const Hook& hook : hooks) {
    for (const Received& r : receiver.At(hook.path)) {
      SCOPED_TRACE(hook.path + ": " + r.body);
      Json body = r.json();
      ASSERT_TRUE(body.is_object());
      const std::string account = body.value("account", "");
      ASSERT_EQ(event_of_account.count(account), 1u);
      EXPECT_EQ(body["data"].value("id", ""), event_of_account.at(account));
      // Each endpoint has its own message: own id, signed with its own secret only.
      EXPECT_EQ(r.Header("webhook-id"), body.value("id", ""));
      EXPECT_TRUE(message_ids.insert(r.Header("webhook-id")).second) << "repeated message id";
      EXPECT_TRUE(SignedWith(r, hook.secret));
      for (const Hook& other : hooks) {
        if (other.id != hook.id) {
          EXPECT_FALSE(SignedWith(r, other.secret)) << other.path;
        }
      }
    }
  }
  EXPECT_EQ(message_ids.size(), 5u);
  std::set<std::string> account_on_connect;
  for (const Received& r : receiver.At("/acme-connect")) {
    account_on_connect.insert(r.json().value("account", ""));
  }
  EXPECT_EQ(account_on_connect, (std::set<std::string>{kAliceAccount, bob.account}));
}

// HOOK-2, HOOK-7: one event reaches two endpoints of the account and a connect endpoint as three
// messages: the same data, each with its own message id and signed with its endpoint's secret.
TEST(WebhookRouting, FanOutGivesEachEndpointItsOwnMessageOfTheSameEvent) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook own = CreateHook(*client, Alice(), receiver, "/own");
  const Hook second = CreateHook(*client, Alice(), receiver, "/second");
  const Hook connect = CreateHook(*client, AcmePlatform(), receiver, "/connect", {"*"}, true);
  const Json event = CreateEvent(*client, Alice(), kAliceWorkCalendar, "Fan-out");

  ASSERT_TRUE(receiver.WaitFor(3));
  std::set<std::string> ids;
  Json data;
  for (const Hook& hook : {own, second, connect}) {
    auto got = receiver.At(hook.path);
    ASSERT_EQ(got.size(), 1u) << hook.path;
    Json body = got[0].json();
    EXPECT_TRUE(SignedWith(got[0], hook.secret)) << hook.path;
    ids.insert(body.value("id", ""));
    if (data.is_null()) data = body["data"];
    EXPECT_EQ(body["data"], data);
    EXPECT_EQ(body["data"].value("id", ""), event.value("id", ""));
  }
  EXPECT_EQ(ids.size(), 3u);
  // And the log agrees: one message per endpoint.
  const Json messages = Deliveries(*client, "type=event.created");
  EXPECT_EQ(Field(messages, "endpoint"),
            (std::multiset<std::string>{own.id, second.id, connect.id}));
  EXPECT_EQ(Field(messages, "id"), std::multiset<std::string>(ids.begin(), ids.end()));
}

// HOOK-2: routing follows the account, not the credential: an endpoint registered with a platform
// key and Chronapilot-Account gets the account's events made with its token and vice versa.
TEST(WebhookRouting, AccountEndpointGetsTheAccountsEventsWhicheverCredentialMadeThem) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook via_key =
      CreateHook(*client, Bearer(kAcmeLiveKey, kAliceAccount), receiver, "/via-key");
  const Hook via_token = CreateHook(*client, Alice(), receiver, "/via-token");
  const Hook carol = CreateHook(*client, Carol(), receiver, "/carol");
  CreateEvent(*client, Alice(), kAliceWorkCalendar, "With the token");
  CreateEvent(*client, Bearer(kAcmeTestKey, kAliceAccount), kAliceWorkCalendar, "With the key");
  CreateEvent(*client, Carol(), kCarolCalendar, "Carol's");

  ASSERT_TRUE(receiver.WaitFor(2, "/via-key"));
  ASSERT_TRUE(receiver.WaitFor(2, "/via-token"));
  ASSERT_TRUE(receiver.WaitFor(1, "/carol"));
  for (const char* path : {"/via-key", "/via-token"}) {
    std::multiset<std::string> summaries;
    for (const Received& r : receiver.At(path)) {
      EXPECT_EQ(r.json().value("account", ""), kAliceAccount);
      summaries.insert(r.json()["data"].value("summary", ""));
    }
    EXPECT_EQ(summaries, (std::multiset<std::string>{"With the token", "With the key"})) << path;
  }
  EXPECT_EQ(receiver.At("/carol")[0].json().value("account", ""), kCarolAccount);
  EXPECT_TRUE(SignedWith(receiver.At("/carol")[0], carol.secret));
  EXPECT_EQ(Deliveries(*client, "endpoint=" + via_key.id).size(), 2u);
  EXPECT_EQ(Deliveries(*client, "endpoint=" + via_token.id).size(), 2u);
  EXPECT_EQ(Deliveries(*client, "endpoint=" + carol.id).size(), 1u);
}

// HOOK-1, HOOK-2: a deleted endpoint is routed nothing more; the others carry on.
TEST(WebhookRouting, DeletedEndpointReceivesNothingMore) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook doomed = CreateHook(*client, Alice(), receiver, "/doomed");
  const Hook kept = CreateHook(*client, Alice(), receiver, "/kept");
  CreateEvent(*client, Alice(), kAliceWorkCalendar, "Before");
  ASSERT_TRUE(receiver.WaitFor(1, "/doomed"));
  ASSERT_EQ(Api(*client, "DELETE", "/v1/webhook_endpoints/" + doomed.id, Alice()).status, 200);

  CreateEvent(*client, Alice(), kAliceWorkCalendar, "After");
  EXPECT_EQ(Deliveries(*client, "endpoint=" + doomed.id).size(), 1u);
  EXPECT_EQ(Deliveries(*client, "endpoint=" + kept.id).size(), 2u);
  ASSERT_TRUE(receiver.WaitFor(2, "/kept"));
  EXPECT_EQ(receiver.At("/doomed").size(), 1u);
}

// --- The body (HOOK-3) --------------------------------------------------------------------------

// HOOK-3, HOOK-5: the body is exactly {id, account, type, created, data}, data being the event as
// GET /v1/events/{id} shows it, `created` on the virtual clock; sent as JSON, and recorded
// byte for byte in the delivery log.
TEST(WebhookRouting, BodyIsTheMessageEnvelopeAroundTheEventObject) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  server.Advance(86400 * 10);  // `created` must be the mock's time, not the wall clock's
  const Hook hook = CreateHook(*client, Alice(), receiver, "/hook");
  ApiResult clock = Api(*client, "GET", "/_mock/clock", {});
  const int64_t before = clock.body.value("now", int64_t(0));
  const Json event = CreateEvent(*client, Alice(), kAliceWorkCalendar, "Envelope");
  clock = Api(*client, "GET", "/_mock/clock", {});
  const int64_t after = clock.body.value("now", int64_t(0));

  ASSERT_TRUE(receiver.WaitFor(1, "/hook"));
  const Received r = receiver.At("/hook")[0];
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  Json body = r.json();
  ASSERT_TRUE(body.is_object()) << r.body;
  std::set<std::string> keys;
  for (const auto& [key, value] : body.items()) keys.insert(key);
  EXPECT_EQ(keys, (std::set<std::string>{"id", "account", "type", "created", "data"})) << r.body;
  ASSERT_TRUE(body["id"].is_string());
  EXPECT_TRUE(StartsWith(body["id"].get<std::string>(), "msg_")) << r.body;
  EXPECT_EQ(body["account"], kAliceAccount);
  EXPECT_EQ(body["type"], "event.created");
  ASSERT_TRUE(body["created"].is_number_integer()) << r.body;
  EXPECT_GE(body["created"].get<int64_t>(), before);
  EXPECT_LE(body["created"].get<int64_t>(), after);

  ApiResult got = Api(*client, "GET", "/v1/events/" + event.value("id", ""), Alice());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(body["data"], got.body);
  EXPECT_EQ(body["data"], event);

  const Json logged = Deliveries(*client, "endpoint=" + hook.id);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0]["body"], body);
  EXPECT_EQ(logged[0]["id"], body["id"]);
}

// --- Event types (HOOK-8) -----------------------------------------------------------------------

// Waits for `n` deliveries at `path` and returns their bodies keyed by type.
std::map<std::string, Json> ByType(Receiver& receiver, const std::string& path, size_t n) {
  EXPECT_TRUE(receiver.WaitFor(n, path)) << path;
  std::map<std::string, Json> out;
  for (const Received& r : receiver.At(path)) {
    Json body = r.json();
    EXPECT_TRUE(out.emplace(body.value("type", ""), body).second) << "twice: " << r.body;
  }
  return out;
}

// HOOK-8, RES-4: creating, updating and deleting an event through /v1 fire event.created,
// event.updated and event.deleted, each carrying the object as the API answered it.
TEST(WebhookRouting, ApiEventChangesFireCreatedUpdatedDeleted) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  CreateHook(*client, Alice(), receiver, "/alice");
  const Json created = CreateEvent(*client, Alice(), kAliceWorkCalendar, "Lifecycle");
  const std::string id = created.value("id", "");
  server.Advance(60);
  ApiResult updated = Api(*client, "PATCH", "/v1/events/" + id, Alice(), R"({"summary": "Moved"})");
  ASSERT_EQ(updated.status, 200) << updated.body.dump();
  ApiResult deleted = Api(*client, "DELETE", "/v1/events/" + id, Alice());
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();

  auto got = ByType(receiver, "/alice", 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got["event.created"]["data"], created);
  EXPECT_EQ(got["event.updated"]["data"], updated.body);
  EXPECT_EQ(got["event.updated"]["data"]["summary"], "Moved");
  // The deleted event as it was last, so the receiver knows what went.
  EXPECT_EQ(got["event.deleted"]["data"], updated.body);
}

// HOOK-8, CTRL-6: an event changed "at the provider" fires the same webhooks as through the API,
// to the account's endpoints and its platform's connect endpoints.
TEST(WebhookRouting, ProviderSideEventChangesFireEventWebhooks) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  CreateHook(*client, Alice(), receiver, "/alice");
  CreateHook(*client, AcmePlatform(), receiver, "/connect", {"*"}, true);
  const std::string path = "/_mock/accounts/" + std::string(kAliceAccount) + "/events";

  ApiResult created = Api(
      *client, "POST", path, {},
      Json{{"action", "create"}, {"event", Json::parse(EventBody(kAliceWorkCalendar, "External"))}}
          .dump());
  ASSERT_EQ(created.status, 200) << created.body.dump();
  const std::string id = created.body.value("id", "");
  ApiResult updated =
      Api(*client, "POST", path, {},
          Json{{"action", "update"}, {"id", id}, {"event", {{"location", "Elsewhere"}}}}.dump());
  ASSERT_EQ(updated.status, 200) << updated.body.dump();
  ApiResult removed = Api(*client, "POST", path, {}, Json{{"action", "delete"}, {"id", id}}.dump());
  ASSERT_EQ(removed.status, 200) << removed.body.dump();

  for (const char* hook : {"/alice", "/connect"}) {
    SCOPED_TRACE(hook);
    auto got = ByType(receiver, hook, 3);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got["event.created"]["data"], created.body);
    EXPECT_EQ(got["event.updated"]["data"], updated.body);
    EXPECT_EQ(got["event.updated"]["data"]["location"], "Elsewhere");
    EXPECT_EQ(got["event.deleted"]["data"].value("id", ""), id);
    for (auto& [type, body] : got) EXPECT_EQ(body["account"], kAliceAccount) << type;
  }
}

// HOOK-8, CTRL-6: linking and unlinking a provider fire provider_connection.created and
// provider_connection.deleted (the connection, then marked revoked).
TEST(WebhookRouting, LinkingAndUnlinkingAProviderFireProviderConnectionEvents) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  CreateHook(*client, Alice(), receiver, "/alice");
  CreateHook(*client, AcmePlatform(), receiver, "/connect", {"*"}, true);
  const Hook globex = CreateHook(*client, GlobexPlatform(), receiver, "/globex", {"*"}, true);

  ApiResult linked = Api(*client, "POST",
                         "/_mock/accounts/" + std::string(kAliceAccount) + "/provider_connections",
                         {}, R"({"provider": "microsoft", "email": "alice@work.example"})");
  ASSERT_EQ(linked.status, 200) << linked.body.dump();
  const std::string id = linked.body.value("id", "");
  ApiResult unlinked = Api(*client, "DELETE", "/_mock/provider_connections/" + id, {});
  ASSERT_EQ(unlinked.status, 200) << unlinked.body.dump();

  for (const char* hook : {"/alice", "/connect"}) {
    SCOPED_TRACE(hook);
    auto got = ByType(receiver, hook, 2);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got["provider_connection.created"]["data"], linked.body);
    EXPECT_EQ(got["provider_connection.created"]["data"]["provider"], "microsoft");
    Json gone = linked.body;
    gone["status"] = "revoked";
    EXPECT_EQ(got["provider_connection.deleted"]["data"], gone);
    EXPECT_EQ(got["provider_connection.deleted"]["account"], kAliceAccount);
  }
  EXPECT_TRUE(Deliveries(*client, "endpoint=" + globex.id).empty());
}

// HOOK-8, AUTHZ-4: a new user's first consent creates the account and fires account.authorized to
// the platform's connect endpoints, with the account object as data; consenting again while the
// account is authorized fires nothing more.
TEST(WebhookRouting, FirstConsentOfANewUserFiresAccountAuthorized) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook connect =
      CreateHook(*client, AcmePlatform(), receiver, "/connect", {"account.authorized"}, true);
  const Hook globex = CreateHook(*client, GlobexPlatform(), receiver, "/globex", {"*"}, true);
  const Hook plain = CreateHook(*client, AcmePlatform(), receiver, "/plain", {"*"}, false);

  TokenResult dave = PublicClientTokens(*client, "dave@example.com");
  ASSERT_EQ(dave.status, 200) << dave.body.dump();
  const std::string account = Account(dave);
  ASSERT_TRUE(StartsWith(account, "cpa_")) << dave.body.dump();

  ASSERT_TRUE(receiver.WaitFor(1, "/connect"));
  Json body = receiver.At("/connect")[0].json();
  EXPECT_EQ(body["type"], "account.authorized");
  EXPECT_EQ(body["account"], account);
  ApiResult shown = Api(*client, "GET", "/v1/accounts/" + account, AcmePlatform());
  ASSERT_EQ(shown.status, 200) << shown.body.dump();
  EXPECT_EQ(body["data"], shown.body);
  EXPECT_EQ(body["data"]["email"], "dave@example.com");

  // Dave again, and alice (connected by the fixtures): no new authorization.
  ASSERT_EQ(PublicClientTokens(*client, "dave@example.com").status, 200);
  ASSERT_EQ(PublicClientTokens(*client, "alice@example.com").status, 200);
  EXPECT_EQ(Deliveries(*client, "type=account.authorized").size(), 1u);
  EXPECT_TRUE(Deliveries(*client, "endpoint=" + globex.id).empty());
  EXPECT_TRUE(Deliveries(*client, "endpoint=" + plain.id).empty());
  EXPECT_EQ(Deliveries(*client, "endpoint=" + connect.id).size(), 1u);

  // Dave connecting to Globex is another account, on another platform: Globex hears of it, Acme
  // does not.
  Pkce pkce = Pkce::Make();
  const char kGlobexRedirect[] = "https://globex.example/cb";
  const std::string location = AuthorizeAndApprove(
      *client,
      AuthorizeParams(pkce, {{"client_id", kGlobexClient}, {"redirect_uri", kGlobexRedirect}}),
      "dave@example.com");
  TokenResult at_globex = PostToken(*client, {{"grant_type", "authorization_code"},
                                              {"code", QueryParam(location, "code")},
                                              {"redirect_uri", kGlobexRedirect},
                                              {"code_verifier", pkce.verifier},
                                              {"client_id", kGlobexClient}});
  ASSERT_EQ(at_globex.status, 200) << location << " " << at_globex.body.dump();
  const std::string globex_account = Account(at_globex);
  EXPECT_NE(globex_account, account);
  const Json at_globex_messages = Deliveries(*client, "endpoint=" + globex.id);
  ASSERT_EQ(at_globex_messages.size(), 1u);
  EXPECT_EQ(at_globex_messages[0]["type"], "account.authorized");
  EXPECT_EQ(at_globex_messages[0]["account"], globex_account);
  EXPECT_EQ(Deliveries(*client, "endpoint=" + connect.id).size(), 1u);
  ASSERT_TRUE(receiver.WaitFor(1, "/globex"));
  EXPECT_EQ(receiver.At("/globex")[0].json()["data"]["email"], "dave@example.com");
  EXPECT_EQ(receiver.At("/connect").size(), 1u);
}

// HOOK-8, TOKEN-8: account.deauthorized fires when the account's last grant is revoked, not
// before; its data is the account object.
TEST(WebhookRouting, RevokingTheLastGrantFiresAccountDeauthorized) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook connect =
      CreateHook(*client, AcmePlatform(), receiver, "/connect", {"account.deauthorized"}, true);
  TokenResult first = PublicClientTokens(*client, "dave@example.com");
  TokenResult second = PublicClientTokens(*client, "dave@example.com");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  const std::string account = Account(first);
  ASSERT_EQ(Account(second), account);
  ApiResult shown = Api(*client, "GET", "/v1/accounts/" + account, AcmePlatform());
  ASSERT_EQ(shown.status, 200) << shown.body.dump();

  auto revoke = [&](const std::string& token) {
    auto res = PostForm(*client, "/oauth/revoke", {{"token", token}, {"client_id", kPublicClient}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  };
  revoke(first.body.value("refresh_token", ""));
  EXPECT_TRUE(Deliveries(*client, "type=account.deauthorized").empty()) << "dave still has a grant";

  revoke(second.body.value("access_token", ""));
  const Json messages = Deliveries(*client, "type=account.deauthorized");
  ASSERT_EQ(messages.size(), 1u) << messages.dump();
  EXPECT_EQ(messages[0]["endpoint"], connect.id);
  ASSERT_TRUE(receiver.WaitFor(1, "/connect"));
  Json body = receiver.At("/connect")[0].json();
  EXPECT_EQ(body["type"], "account.deauthorized");
  EXPECT_EQ(body["account"], account);
  EXPECT_EQ(body["data"], shown.body);

  // Revoking again changes nothing.
  revoke(second.body.value("refresh_token", ""));
  EXPECT_EQ(Deliveries(*client, "type=account.deauthorized").size(), 1u);
}

// HOOK-8, TOKEN-8, FIX-4: revoking alice's fixture grant deauthorizes her, and her own endpoint
// hears it too.
TEST(WebhookRouting, RevokingTheFixtureTokenDeauthorizesAlice) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook own = CreateHook(*client, Alice(), receiver, "/alice", {"account.deauthorized"});
  const Hook connect = CreateHook(*client, AcmePlatform(), receiver, "/connect", {"*"}, true);
  auto res = PostForm(*client, "/oauth/revoke",
                      {{"token", kFixtureAccessToken}, {"client_id", kPublicClient}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(Field(Deliveries(*client, "type=account.deauthorized"), "endpoint"),
            (std::multiset<std::string>{own.id, connect.id}));
  ASSERT_TRUE(receiver.WaitFor(1, "/alice"));
  ASSERT_TRUE(receiver.WaitFor(1, "/connect"));
  EXPECT_EQ(receiver.At("/alice")[0].json()["data"].value("id", ""), kAliceAccount);
  EXPECT_EQ(receiver.At("/connect")[0].json()["type"], "account.deauthorized");
}

// HOOK-1, HOOK-8: enabled_events filters: ["event.deleted"] gets only deletions, a list gets what
// it lists, ["*"] gets everything.
TEST(WebhookRouting, EnabledEventsChooseWhatAnEndpointReceives) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook deletions = CreateHook(*client, Alice(), receiver, "/deleted", {"event.deleted"});
  const Hook writes =
      CreateHook(*client, Alice(), receiver, "/writes", {"event.created", "event.updated"});
  const Hook everything = CreateHook(*client, Alice(), receiver, "/all", {"*"});
  const Hook connections = CreateHook(*client, AcmePlatform(), receiver, "/connections",
                                      {"provider_connection.created"}, true);

  const std::string id =
      CreateEvent(*client, Alice(), kAliceWorkCalendar, "Filter").value("id", "");
  ASSERT_EQ(Api(*client, "PATCH", "/v1/events/" + id, Alice(), R"({"summary": "F"})").status, 200);
  ASSERT_EQ(Api(*client, "DELETE", "/v1/events/" + id, Alice()).status, 200);
  ApiResult linked = Api(*client, "POST",
                         "/_mock/accounts/" + std::string(kAliceAccount) + "/provider_connections",
                         {}, R"({"provider": "google", "email": "alice2@gmail.example"})");
  ASSERT_EQ(linked.status, 200) << linked.body.dump();

  using Set = std::multiset<std::string>;
  EXPECT_EQ(Field(Deliveries(*client, "endpoint=" + deletions.id), "type"), Set{"event.deleted"});
  EXPECT_EQ(Field(Deliveries(*client, "endpoint=" + writes.id), "type"),
            (Set{"event.created", "event.updated"}));
  EXPECT_EQ(
      Field(Deliveries(*client, "endpoint=" + everything.id), "type"),
      (Set{"event.created", "event.updated", "event.deleted", "provider_connection.created"}));
  EXPECT_EQ(Field(Deliveries(*client, "endpoint=" + connections.id), "type"),
            Set{"provider_connection.created"});

  ASSERT_TRUE(receiver.WaitFor(8));
  EXPECT_EQ(receiver.All().size(), 8u);
  ASSERT_EQ(receiver.At("/deleted").size(), 1u);
  EXPECT_EQ(receiver.At("/deleted")[0].json()["type"], "event.deleted");
  EXPECT_EQ(receiver.At("/writes").size(), 2u);
  EXPECT_EQ(receiver.At("/all").size(), 4u);
  EXPECT_EQ(receiver.At("/connections").size(), 1u);
}

// --- The delivery log (CTRL-4) ------------------------------------------------------------------

// CTRL-4, HOOK-6: every message is listed with its endpoint, account, type, state and attempts
// (time on the virtual clock, status, duration, the signature that was sent).
TEST(WebhookRouting, DeliveryLogShowsEachMessageWithItsAttempts) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  server.Advance(3600);
  const Hook hook = CreateHook(*client, Alice(), receiver, "/hook", {"event.created"});
  const int64_t before = Api(*client, "GET", "/_mock/clock", {}).body.value("now", int64_t(0));
  CreateEvent(*client, Alice(), kAliceWorkCalendar, "Logged");

  // Listed at once, before any attempt.
  Json listed = Deliveries(*client, "endpoint=" + hook.id);
  ASSERT_EQ(listed.size(), 1u);
  const std::string id = listed[0].value("id", "");
  EXPECT_TRUE(StartsWith(id, "msg_")) << listed.dump();

  ASSERT_TRUE(receiver.WaitFor(1, "/hook"));
  const Received r = receiver.At("/hook")[0];
  Json m = WaitForAttempts(*client, id, 1);
  const int64_t after = Api(*client, "GET", "/_mock/clock", {}).body.value("now", int64_t(0));
  EXPECT_EQ(m["endpoint"], hook.id);
  EXPECT_EQ(m["account"], kAliceAccount);
  EXPECT_EQ(m["type"], "event.created");
  EXPECT_EQ(m["state"], "succeeded");
  ASSERT_EQ(m["attempts"].size(), 1u) << m.dump();
  const Json& attempt = m["attempts"][0];
  ASSERT_TRUE(attempt["time"].is_number_integer()) << m.dump();
  EXPECT_GE(attempt["time"].get<int64_t>(), before);
  EXPECT_LE(attempt["time"].get<int64_t>(), after);
  EXPECT_EQ(attempt["status"], 200);
  ASSERT_TRUE(attempt["duration_ms"].is_number()) << m.dump();
  EXPECT_GE(attempt["duration_ms"].get<double>(), 0.0);
  EXPECT_EQ(attempt["webhook_signature"], r.Header("webhook-signature"));
  EXPECT_TRUE(SignedWith(r, hook.secret));
}

// CTRL-4: the filters (endpoint, account, type, state) narrow the list, alone and together; an
// unknown filter is a 400 naming it.
TEST(WebhookRouting, DeliveryLogFilters) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook alice = CreateHook(*client, Alice(), receiver, "/alice");
  const Hook failing = CreateHook(*client, Alice(), receiver, "/fail", {"event.created"});
  const Hook carol = CreateHook(*client, Carol(), receiver, "/carol");
  const std::string id = CreateEvent(*client, Alice(), kAliceWorkCalendar, "F").value("id", "");
  ASSERT_EQ(Api(*client, "DELETE", "/v1/events/" + id, Alice()).status, 200);
  CreateEvent(*client, Carol(), kCarolCalendar, "C");
  // alice: created + deleted; failing: created; carol: created.

  ASSERT_TRUE(receiver.WaitFor(4));
  std::string failing_message;
  for (const Json& m : Deliveries(*client)) {
    const Json done = WaitForAttempts(*client, m.value("id", ""), 1);
    if (done.value("endpoint", "") == failing.id) failing_message = done.value("id", "");
  }

  using Set = std::multiset<std::string>;
  EXPECT_EQ(Deliveries(*client).size(), 4u);
  EXPECT_EQ(Field(Deliveries(*client, "endpoint=" + alice.id), "type"),
            (Set{"event.created", "event.deleted"}));
  EXPECT_EQ(Field(Deliveries(*client, "account=" + std::string(kAliceAccount)), "endpoint"),
            (Set{alice.id, alice.id, failing.id}));
  EXPECT_EQ(Field(Deliveries(*client, "account=" + std::string(kCarolAccount)), "endpoint"),
            Set{carol.id});
  EXPECT_EQ(Field(Deliveries(*client, "type=event.created"), "endpoint"),
            (Set{alice.id, failing.id, carol.id}));
  EXPECT_EQ(Field(Deliveries(*client, "type=event.deleted"), "endpoint"), Set{alice.id});
  // The 500 leaves its message pending a retry; the others succeeded.
  const Json pending = Deliveries(*client, "state=pending");
  ASSERT_EQ(pending.size(), 1u) << pending.dump();
  EXPECT_EQ(pending[0]["id"], failing_message);
  EXPECT_EQ(pending[0]["attempts"][0]["status"], 500);
  EXPECT_EQ(Field(Deliveries(*client, "state=succeeded"), "endpoint"),
            (Set{alice.id, alice.id, carol.id}));
  EXPECT_TRUE(Deliveries(*client, "state=failed").empty());
  EXPECT_EQ(Field(Deliveries(*client, "account=" + std::string(kAliceAccount) +
                                          "&type=event.created&state=succeeded"),
                  "endpoint"),
            Set{alice.id});
  EXPECT_TRUE(Deliveries(*client, "endpoint=we_nothing0000000001").empty());

  ApiResult unknown = Api(*client, "GET", "/_mock/deliveries?status=pending", {});
  EXPECT_EQ(unknown.status, 400) << unknown.body.dump();
  EXPECT_EQ(unknown.body["error"].value("type", ""), "invalid_request_error");
  EXPECT_EQ(unknown.body["error"].value("param", ""), "status");
  ApiResult bogus = Api(*client, "GET", "/_mock/deliveries?state=bogus", {});
  EXPECT_EQ(bogus.status, 400) << bogus.body.dump();
  EXPECT_EQ(bogus.body["error"].value("param", ""), "state");
}

// CTRL-4, HOOK-6: POST /_mock/deliveries/{msg}/retry sends the message again now, with the same
// webhook-id and body, and records the second attempt; an unknown message is a 404.
TEST(WebhookRouting, RetryRedeliversTheSameMessage) {
  Receiver receiver;
  MockServer server;
  auto client = server.Client();
  const Hook hook = CreateHook(*client, Alice(), receiver, "/hook");
  CreateEvent(*client, Alice(), kAliceWorkCalendar, "Again");
  ASSERT_TRUE(receiver.WaitFor(1, "/hook"));
  const std::string id = receiver.At("/hook")[0].Header("webhook-id");
  WaitForAttempts(*client, id, 1);

  ApiResult retry = Api(*client, "POST", "/_mock/deliveries/" + id + "/retry", {});
  ASSERT_EQ(retry.status, 200) << retry.body.dump();
  EXPECT_EQ(retry.body["id"], id);
  ASSERT_TRUE(receiver.WaitFor(2, "/hook"));
  const auto got = receiver.At("/hook");
  EXPECT_EQ(got[1].Header("webhook-id"), id);
  EXPECT_EQ(got[1].body, got[0].body);
  EXPECT_TRUE(SignedWith(got[1], hook.secret));
  Json m = WaitForAttempts(*client, id, 2);
  EXPECT_EQ(m["attempts"].size(), 2u);
  EXPECT_EQ(m["state"], "succeeded");
  EXPECT_EQ(Deliveries(*client).size(), 1u) << "a retry is no new message";

  ApiResult missing = Api(*client, "POST", "/_mock/deliveries/msg_nothing000000001/retry", {});
  EXPECT_EQ(missing.status, 404) << missing.body.dump();
}

}  // namespace
}  // namespace chronapilot::testing
