// Webhook delivery (SPEC HOOK-3..6, CTRL-2, CTRL-4) end to end: a real mock on loopback sends to a
// real receiver on loopback (Receiver below), and every delivery is checked with a signature
// verifier written here on OpenSSL, independent of the mock's own signing code. The last tests
// drive Webhooks + WebhookDelivery directly with a fake WebhookSender, to count attempts exactly.
//
//   test ──POST /v1/events──▶ mock ──(delivery thread)──POST /hooks──▶ Receiver ──▶ test
//        ◀─GET /_mock/deliveries (synchronous: the mock's record of every attempt)
//
// Retries are driven by advancing the virtual clock, never by sleeping. Real time is used only
// to wait for an asynchronous delivery to arrive (bounded by kWait), never to assert that
// something did not happen: absence is read from GET /_mock/deliveries, where the message's
// state says whether anything is still due.
#include "mock/webhook_delivery.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mock/webhooks.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// How long a test waits for an asynchronous delivery (real time) before it fails.
constexpr milliseconds kWait{5000};

constexpr char kEventBody[] =
    R"({"calendar_id":"cal_aliceWork00001","summary":"Hook","start":"2026-12-10T12:00:00Z",)"
    R"("end":"2026-12-10T13:00:00Z"})";

// Alice through Acme's platform key: it never expires, so the clock can be advanced by days.
httplib::Headers Alice() { return Bearer(kAcmeLiveKey, kAliceAccount); }

// --- An independent Standard Webhooks verifier (OpenSSL only) -----------------------------------

std::string Base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string Unbase64(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return "";
  out.resize(static_cast<size_t>(n));
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) out.pop_back();
  return out;
}

// Whether `signature` ("v1,<base64>") signs "{id}.{timestamp}.{body}" under `secret` (whsec_…).
bool SignatureValid(const std::string& secret, const std::string& id, const std::string& timestamp,
                    const std::string& body, const std::string& signature) {
  if (secret.rfind("whsec_", 0) != 0 || signature.rfind("v1,", 0) != 0) return false;
  const std::string key = Unbase64(secret.substr(6));
  const std::string content = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &len);
  return signature.substr(3) == Base64(std::string(reinterpret_cast<char*>(mac), len));
}

std::vector<std::string> SplitSignatures(const std::string& header) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    const size_t space = header.find(' ', start);
    const size_t end = space == std::string::npos ? header.size() : space;
    out.push_back(header.substr(start, end - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out;
}

// --- A receiver on loopback ---------------------------------------------------------------------

struct Received {
  std::string method;
  std::string path;
  httplib::Headers headers;
  std::string body;

  std::string Header(const std::string& name) const {
    auto it = headers.find(name);  // httplib::Headers compare names without case
    return it == headers.end() ? "" : it->second;
  }
  std::string Id() const { return Header("webhook-id"); }
  std::string Timestamp() const { return Header("webhook-timestamp"); }
  std::string Signature() const { return Header("webhook-signature"); }
  Json BodyJson() const { return Json::parse(body, nullptr, false); }
};

// How the receiver answers one request.
struct Reply {
  int status = 204;
  std::string retry_after;  // Retry-After header, when not empty
  std::string location;     // Location header, when not empty
  int delay_ms = 0;         // real time to hang before answering (cut short by Release())
};

Reply Answer(int status) {
  Reply r;
  r.status = status;
  return r;
}

Reply AnswerWithRetryAfter(int status, std::string retry_after) {
  Reply r = Answer(status);
  r.retry_after = std::move(retry_after);
  return r;
}

// Any status with a Location header: a redirect, when it is a 3xx.
Reply AnswerWithLocation(int status, std::string location) {
  Reply r = Answer(status);
  r.location = std::move(location);
  return r;
}

// 204 after `delay_ms` of real time.
Reply HangThen204(int delay_ms) {
  Reply r;
  r.delay_ms = delay_ms;
  return r;
}

// An HTTP server on 127.0.0.1 that records every request and answers as scripted per request
// number. Stop() closes it (connections are refused) and Start(port) brings it back.
//
// Thread safety: everything recorded is guarded by mu_; cv_ signals each arrival.
class Receiver {
 public:
  Receiver() {
    signal(SIGPIPE, SIG_IGN);  // answering a sender that gave up must not kill the test
    Start(0);
  }
  ~Receiver() { Stop(); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Listens on `port`, or on a free port when 0.
  void Start(int port) {
    auto server = std::make_unique<httplib::Server>();
    // Keep-alive like a real receiver (and because httplib's listen backlog of 5 drops SYNs when
    // 8 delivery threads connect at once, which costs a 1 s retransmit). An idle keep-alive
    // connection holds Stop() up to this timeout, so tests declare the receiver before the mock:
    // the mock stops first and closes its connections.
    server->set_keep_alive_timeout(1);
    server->Post(".*",
                 [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    if (port == 0) {
      port_ = server->bind_to_any_port("127.0.0.1");
    } else {
      port_ = server->bind_to_port("127.0.0.1", port) ? port : -1;
    }
    ASSERT_GT(port_, 0) << "the receiver could not bind";
    {
      std::lock_guard lock(mu_);
      releasing_ = false;
    }
    server_ = std::move(server);
    thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
    // httplib's stop() does nothing before the listen loop runs.
    const auto until = Steady::now() + kWait;
    while (!server_->is_running() && Steady::now() < until) std::this_thread::yield();
    ASSERT_TRUE(server_->is_running());
  }

  // Requests hanging in a delay are answered at once, and later ones do not hang.
  void Release() {
    {
      std::lock_guard lock(mu_);
      releasing_ = true;
    }
    cv_.notify_all();
  }

  // Closes the port (connections are refused); hanging requests are answered first.
  void Stop() {
    if (!server_) return;
    Release();
    server_->stop();
    thread_.join();
    server_.reset();
  }

  int port() const { return port_; }
  std::string Url(const std::string& path = "/hooks") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // The answer to the `n`th request (1-based); others get the default.
  void Script(size_t n, Reply reply) {
    std::lock_guard lock(mu_);
    script_[n] = std::move(reply);
  }
  void SetDefault(Reply reply) {
    std::lock_guard lock(mu_);
    default_ = std::move(reply);
  }

  // Waits (real time) until `n` requests have arrived.
  bool WaitFor(size_t n, milliseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }
  // Waits until the bodies named `n` distinct events (data.id).
  bool WaitForDistinctEvents(size_t n, milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return event_ids_.size() >= n; });
  }

  std::vector<Received> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    return received_.size();
  }
  std::set<std::string> event_ids() const {
    std::lock_guard lock(mu_);
    return event_ids_;
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    Reply reply;
    {
      std::unique_lock lock(mu_);
      received_.push_back({req.method, req.path, req.headers, req.body});
      Json body = Json::parse(req.body, nullptr, false);
      if (body.is_object() && body["data"].is_object() && body["data"]["id"].is_string()) {
        event_ids_.insert(body["data"]["id"].get<std::string>());
      }
      auto it = script_.find(received_.size());
      reply = it != script_.end() ? it->second : default_;
      cv_.notify_all();
      if (reply.delay_ms > 0) {
        cv_.wait_for(lock, milliseconds(reply.delay_ms), [&] { return releasing_; });
      }
    }
    res.status = reply.status;
    if (!reply.retry_after.empty()) res.set_header("Retry-After", reply.retry_after);
    if (!reply.location.empty()) res.set_header("Location", reply.location);
    if (reply.status != 204 && reply.status != 304) res.set_content("answer", "text/plain");
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Received> received_;   // GUARDED_BY(mu_)
  std::set<std::string> event_ids_;  // GUARDED_BY(mu_)
  std::map<size_t, Reply> script_;   // GUARDED_BY(mu_)
  Reply default_;                    // GUARDED_BY(mu_)
  bool releasing_ = false;           // GUARDED_BY(mu_)
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// --- The mock and the calls the tests make ------------------------------------------------------

struct Endpoint {
  std::string id;
  std::string secret;
};

// A mock on loopback plus the few API and control calls every test needs.
class Scene {
 public:
  explicit Scene(Options options = Options()) : server_(std::move(options)) {}

  MockServer& server() { return server_; }
  httplib::Client& client() { return *client_; }

  // Registers an endpoint for alice (HOOK-1) that wants `event.created`.
  Endpoint CreateEndpoint(const std::string& url) {
    ApiResult res = Api(*client_, "POST", "/v1/webhook_endpoints", Alice(),
                        Json{{"url", url}, {"enabled_events", {"event.created"}}}.dump());
    EXPECT_EQ(res.status, 200) << res.body.dump();
    return {res.body.value("id", ""), res.body.value("secret", "")};
  }

  // Creates an event for alice; returns its id.
  std::string CreateEvent() {
    ApiResult res = Api(*client_, "POST", "/v1/events", Alice(), kEventBody);
    EXPECT_EQ(res.status, 200) << res.body.dump();
    return res.body.value("id", "");
  }

  // GET /_mock/deliveries?endpoint=… (CTRL-4): the endpoint's messages, oldest first.
  Json Messages(const std::string& endpoint_id) {
    ApiResult res = Api(*client_, "GET", "/_mock/deliveries?endpoint=" + endpoint_id, {});
    EXPECT_EQ(res.status, 200) << res.body.dump();
    return res.body.is_object() ? res.body["data"] : Json::array();
  }

  // Polls GET /_mock/deliveries until `done(messages)` or kWait; returns the last answer. For
  // waiting on an attempt's outcome, which is recorded just after the receiver has answered.
  Json WaitForMessages(const std::string& endpoint_id, const std::function<bool(const Json&)>& done,
                       milliseconds timeout = kWait) {
    const auto until = Steady::now() + timeout;
    Json messages = Messages(endpoint_id);
    while (!done(messages) && Steady::now() < until) {
      std::this_thread::sleep_for(milliseconds(5));
      messages = Messages(endpoint_id);
    }
    return messages;
  }

  // Waits until the only message of the endpoint has `attempts` recorded attempts and is no
  // longer being sent; returns it.
  Json WaitForAttempts(const std::string& endpoint_id, size_t attempts) {
    Json messages = WaitForMessages(endpoint_id, [&](const Json& m) {
      return m.size() == 1 && m[0].value("attempts", Json::array()).size() == attempts &&
             m[0].value("state", "") != "sending";
    });
    EXPECT_EQ(messages.size(), 1u) << messages.dump();
    EXPECT_EQ(messages.empty() ? 0 : messages[0]["attempts"].size(), attempts) << messages.dump();
    return messages.empty() ? Json::object() : messages[0];
  }

  Json GetEndpoint(const std::string& id) {
    ApiResult res = Api(*client_, "GET", "/v1/webhook_endpoints/" + id, Alice());
    EXPECT_EQ(res.status, 200) << res.body.dump();
    return res.body;
  }

 private:
  MockServer server_;
  std::unique_ptr<httplib::Client> client_ = server_.Client();
};

int64_t Int(const Json& j) { return j.is_number_integer() ? j.get<int64_t>() : -1; }

// Checks one delivery as a Standard Webhooks receiver would (HOOK-4, HOOK-5).
::testing::AssertionResult VerifiesWith(const Received& d, const std::string& secret) {
  if (d.method != "POST") return ::testing::AssertionFailure() << "method " << d.method;
  if (d.Header("Content-Type").rfind("application/json", 0) != 0) {
    return ::testing::AssertionFailure() << "Content-Type " << d.Header("Content-Type");
  }
  if (d.Id().rfind("msg_", 0) != 0) return ::testing::AssertionFailure() << "webhook-id " << d.Id();
  if (d.Timestamp().empty() || d.Timestamp().find_first_not_of("0123456789") != std::string::npos) {
    return ::testing::AssertionFailure() << "webhook-timestamp " << d.Timestamp();
  }
  for (const std::string& signature : SplitSignatures(d.Signature())) {
    if (SignatureValid(secret, d.Id(), d.Timestamp(), d.body, signature)) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no signature in '" << d.Signature() << "' verifies for "
                                       << d.Id() << "." << d.Timestamp() << "." << d.body;
}

// Seconds between the real wall clock and a webhook-timestamp.
int64_t SecondsFromNow(const std::string& timestamp) {
  return std::llabs(static_cast<long long>(time(nullptr)) - std::stoll(timestamp));
}

// Waits (real time, under 0.6 s) until the wall clock is 50-500 ms into a second.
void WaitUntilEarlyInAWallClockSecond() {
  for (;;) {
    const auto ms = std::chrono::duration_cast<milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count() %
                    1000;
    if (ms >= 50 && ms <= 500) return;
    std::this_thread::sleep_for(milliseconds(ms < 50 ? 50 - ms : 1050 - ms));
  }
}

// Waits (real time) until the wall clock's second is past `timestamp`, so that the next attempt
// gets a different webhook-timestamp.
void WaitForWallClockPast(const std::string& timestamp) {
  const int64_t after = std::stoll(timestamp);
  while (static_cast<int64_t>(time(nullptr)) <= after) {
    std::this_thread::sleep_for(milliseconds(20));
  }
}

// ------------------------------------------------------------------------------------------------
// Signing and the request itself

// HOOK-3, HOOK-4, HOOK-5
TEST(WebhookDelivery, EveryDeliveryVerifiesWithAnIndependentImplementation) {
  Receiver receiver;
  Scene scene;
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  ASSERT_EQ(endpoint.secret.rfind("whsec_", 0), 0u) << endpoint.secret;
  std::set<std::string> events;
  for (int i = 0; i < 3; ++i) events.insert(scene.CreateEvent());
  ASSERT_TRUE(receiver.WaitFor(3));

  std::set<std::string> ids, seen_events;
  for (const Received& d : receiver.received()) {
    EXPECT_TRUE(VerifiesWith(d, endpoint.secret));
    EXPECT_FALSE(VerifiesWith(d, "whsec_" + Base64(std::string(32, 'x'))));
    EXPECT_EQ(d.path, "/hooks");
    EXPECT_EQ(d.Header("Content-Type"), "application/json");
    EXPECT_EQ(SplitSignatures(d.Signature()).size(), 1u) << d.Signature();
    EXPECT_LE(SecondsFromNow(d.Timestamp()), 5) << d.Timestamp();
    Json body = d.BodyJson();
    ASSERT_TRUE(body.is_object()) << d.body;
    EXPECT_EQ(body["id"], d.Id());  // HOOK-3: the body's id is the webhook-id
    EXPECT_EQ(body["account"], kAliceAccount);
    EXPECT_EQ(body["type"], "event.created");
    EXPECT_TRUE(body["created"].is_number_integer()) << d.body;
    EXPECT_EQ(body["data"]["object"], "event");
    ids.insert(d.Id());
    seen_events.insert(body["data"].value("id", ""));
  }
  EXPECT_EQ(ids.size(), 3u);  // one message per event
  EXPECT_EQ(seen_events, events);

  // CTRL-4: each message succeeded, its attempt recorded with what was sent.
  Json messages = scene.WaitForMessages(endpoint.id, [](const Json& m) {
    return m.size() == 3 && std::all_of(m.begin(), m.end(), [](const Json& x) {
             return x.value("state", "") == "succeeded";
           });
  });
  ASSERT_EQ(messages.size(), 3u) << messages.dump();
  for (Json& m : messages) {
    EXPECT_EQ(m["state"], "succeeded") << m.dump();
    ASSERT_EQ(m["attempts"].size(), 1u) << m.dump();
    EXPECT_EQ(m["attempts"][0]["status"], 204);
    EXPECT_TRUE(m["attempts"][0]["error"].is_null());
    EXPECT_TRUE(ids.count(m["id"].get<std::string>())) << m.dump();
  }
}

// HOOK-4, CTRL-2: webhook-timestamp is the real wall clock, not the advanced virtual clock, so a
// receiver's 5-minute replay tolerance still accepts it.
TEST(WebhookDelivery, TimestampIsTheRealWallClockAfterTheVirtualClockMovedByDays) {
  Receiver receiver;
  Scene scene;
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  ApiResult advanced =
      Api(scene.client(), "POST", "/_mock/clock/advance", {}, Json{{"seconds", 3 * 86400}}.dump());
  ASSERT_EQ(advanced.status, 200) << advanced.body.dump();
  const int64_t virtual_now = scene.server().mock().clock().NowSeconds();
  ASSERT_GE(virtual_now - static_cast<int64_t>(time(nullptr)), 3 * 86400 - 5);

  scene.CreateEvent();
  ASSERT_TRUE(receiver.WaitFor(1));
  const Received d = receiver.received()[0];
  EXPECT_TRUE(VerifiesWith(d, endpoint.secret));
  EXPECT_LE(SecondsFromNow(d.Timestamp()), 5) << d.Timestamp();
  // The body's `created` is the mock's (virtual) time, like every other object's.
  EXPECT_GE(Int(d.BodyJson()["created"]), virtual_now) << d.body;

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  Json& attempt = message["attempts"][0];
  EXPECT_EQ(std::to_string(Int(attempt["webhook_timestamp"])), d.Timestamp());
  EXPECT_EQ(attempt["webhook_signature"], d.Signature());
  EXPECT_GE(Int(attempt["time"]), virtual_now);  // the attempt's record is on the mock's clock
}

// ------------------------------------------------------------------------------------------------
// Retries on the virtual clock

// HOOK-5, CLI-1
TEST(WebhookDelivery, DefaultRetryScheduleIsTheSpecs) {
  const std::vector<int64_t> spec = {5, 300, 1800, 7200, 18000, 36000, 36000};
  EXPECT_EQ(Options().retry_schedule, spec);
  EXPECT_EQ(WebhookConfig().retry_schedule, spec);
  EXPECT_EQ(Options().webhook_timeout_ms, 10000);
}

// HOOK-4, HOOK-5, HOOK-6, CTRL-2, CTRL-4: the default schedule, step by step.
TEST(WebhookDelivery, FailedTwiceThenSucceedsKeepsOneIdAndFreshSignatures) {
  Receiver receiver;
  Scene scene;  // default Options: retries after 5 s, 5 min, ...
  receiver.Script(1, Answer(500));
  receiver.Script(2, Answer(500));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  // The first attempt early in a wall-clock second: its retry, which real time alone brings one
  // second after the 4 s advance below, then carries the next second's webhook-timestamp.
  WaitUntilEarlyInAWallClockSecond();
  scene.CreateEvent();

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  EXPECT_EQ(message["state"], "pending") << message.dump();
  EXPECT_EQ(message["attempts"][0]["status"], 500);
  const int64_t first = Int(message["attempts"][0]["time"]);
  EXPECT_GE(Int(message["next_attempt_at"]) - first, 5);
  EXPECT_LE(Int(message["next_attempt_at"]) - first, 6);

  // 4 s is not enough: still one attempt, the retry still ahead on the mock's clock.
  scene.server().Advance(4);
  message = scene.Messages(endpoint.id)[0];
  EXPECT_EQ(message["attempts"].size(), 1u) << message.dump();
  EXPECT_GT(Int(message["next_attempt_at"]), scene.server().mock().clock().NowSeconds() - 1);

  ASSERT_EQ(receiver.count(), 1u);
  WaitForWallClockPast(receiver.received()[0].Timestamp());
  scene.server().Advance(2);  // past 5 s
  ASSERT_TRUE(receiver.WaitFor(2));
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "pending") << message.dump();
  const int64_t second = Int(message["attempts"][1]["time"]);
  EXPECT_GE(second - first, 5);
  EXPECT_GE(Int(message["next_attempt_at"]) - second, 300);
  EXPECT_LE(Int(message["next_attempt_at"]) - second, 301);

  // 290 s of the 5 min: nothing; 20 s more: the third attempt, long before 5 real minutes.
  WaitForWallClockPast(receiver.received()[1].Timestamp());
  scene.server().Advance(290);
  message = scene.Messages(endpoint.id)[0];
  EXPECT_EQ(message["attempts"].size(), 2u) << message.dump();
  EXPECT_EQ(receiver.count(), 2u);
  scene.server().Advance(20);
  ASSERT_TRUE(receiver.WaitFor(3, milliseconds(3000)));
  message = scene.WaitForAttempts(endpoint.id, 3);
  EXPECT_EQ(message["state"], "succeeded") << message.dump();
  EXPECT_TRUE(message["next_attempt_at"].is_null());
  EXPECT_GE(Int(message["attempts"][2]["time"]) - second, 300);

  const std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 3u);
  std::set<std::string> signatures, timestamps;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].Id(), message["id"]);  // one webhook-id for every attempt
    EXPECT_EQ(got[i].body, got[0].body);    // the same bytes every time
    EXPECT_TRUE(VerifiesWith(got[i], endpoint.secret)) << i;
    EXPECT_LE(SecondsFromNow(got[i].Timestamp()), 10);
    signatures.insert(got[i].Signature());
    timestamps.insert(got[i].Timestamp());
    Json& attempt = message["attempts"][i];
    EXPECT_EQ(attempt["webhook_signature"], got[i].Signature());
    EXPECT_EQ(std::to_string(Int(attempt["webhook_timestamp"])), got[i].Timestamp());
    EXPECT_EQ(attempt["status"], i < 2 ? 500 : 204);
  }
  EXPECT_EQ(timestamps.size(), 3u);  // a fresh timestamp per attempt...
  EXPECT_EQ(signatures.size(), 3u);  // ...so a fresh signature
}

// HOOK-5, CLI-1 (--retry-schedule), CTRL-4
TEST(WebhookDelivery, CustomRetryScheduleEndsFailedAfterItsLastStep) {
  Options options;
  options.retry_schedule = {1, 2};
  Receiver receiver;
  Scene scene(options);
  receiver.SetDefault(Answer(500));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  EXPECT_EQ(message["state"], "pending");
  scene.server().Advance(2);
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "pending");
  scene.server().Advance(3);
  message = scene.WaitForAttempts(endpoint.id, 3);
  EXPECT_EQ(message["state"], "failed") << message.dump();
  EXPECT_TRUE(message["next_attempt_at"].is_null());
  EXPECT_TRUE(message["outcome"].is_string()) << message.dump();

  // Nothing is due any more: a day later it is still three attempts.
  scene.server().Advance(86400);
  ApiResult failed =
      Api(scene.client(), "GET", "/_mock/deliveries?state=failed&endpoint=" + endpoint.id, {});
  ASSERT_EQ(failed.status, 200);
  ASSERT_EQ(failed.body["data"].size(), 1u) << failed.body.dump();
  EXPECT_EQ(failed.body["data"][0]["attempts"].size(), 3u);
  EXPECT_EQ(receiver.count(), 3u);
}

class RetryAfter : public ::testing::TestWithParam<int> {};

// HOOK-5: a Retry-After longer than the schedule's step is honoured on 429 and 503.
TEST_P(RetryAfter, LongerThanTheScheduleDelaysTheRetry) {
  Receiver receiver;
  Scene scene;
  receiver.Script(1, AnswerWithRetryAfter(GetParam(), "60"));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  EXPECT_EQ(message["attempts"][0]["status"], GetParam());
  const int64_t first = Int(message["attempts"][0]["time"]);
  EXPECT_GE(Int(message["next_attempt_at"]) - first, 60) << message.dump();
  EXPECT_LE(Int(message["next_attempt_at"]) - first, 61) << message.dump();

  scene.server().Advance(6);  // the 5 s step alone would fire now
  message = scene.Messages(endpoint.id)[0];
  EXPECT_EQ(message["attempts"].size(), 1u) << message.dump();
  EXPECT_EQ(message["state"], "pending");

  scene.server().Advance(60);
  ASSERT_TRUE(receiver.WaitFor(2));
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "succeeded") << message.dump();
  EXPECT_GE(Int(message["attempts"][1]["time"]) - first, 60);
}

// HOOK-5: a shorter Retry-After does not shorten the schedule's 5 s.
TEST_P(RetryAfter, ShorterThanTheScheduleDoesNotShortenIt) {
  Receiver receiver;
  Scene scene;
  receiver.Script(1, AnswerWithRetryAfter(GetParam(), "1"));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  const int64_t first = Int(message["attempts"][0]["time"]);
  EXPECT_GE(Int(message["next_attempt_at"]) - first, 5) << message.dump();
  EXPECT_LE(Int(message["next_attempt_at"]) - first, 6) << message.dump();
  scene.server().Advance(2);
  message = scene.Messages(endpoint.id)[0];
  EXPECT_EQ(message["attempts"].size(), 1u) << message.dump();

  scene.server().Advance(4);
  ASSERT_TRUE(receiver.WaitFor(2));
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "succeeded") << message.dump();
}

INSTANTIATE_TEST_SUITE_P(WebhookDelivery, RetryAfter, ::testing::Values(429, 503));

// HOOK-5: a Retry-After on another status is not a reason to wait longer (the code's choice: the
// SPEC names 429 and 503 only).
TEST(WebhookDelivery, RetryAfterOnA500IsIgnored) {
  Receiver receiver;
  Scene scene;
  receiver.Script(1, AnswerWithRetryAfter(500, "60"));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();
  Json message = scene.WaitForAttempts(endpoint.id, 1);
  EXPECT_LE(Int(message["next_attempt_at"]) - Int(message["attempts"][0]["time"]), 6)
      << message.dump();
}

// ------------------------------------------------------------------------------------------------
// What counts as success

class SuccessStatus : public ::testing::TestWithParam<int> {};

// HOOK-5: any 2xx is success, after one attempt.
TEST_P(SuccessStatus, EndsTheMessageAfterOneAttempt) {
  Receiver receiver;
  Scene scene;
  receiver.SetDefault(Answer(GetParam()));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();
  Json message = scene.WaitForAttempts(endpoint.id, 1);
  EXPECT_EQ(message["state"], "succeeded") << message.dump();
  EXPECT_EQ(message["attempts"][0]["status"], GetParam());
}

INSTANTIATE_TEST_SUITE_P(WebhookDelivery, SuccessStatus,
                         ::testing::Values(200, 201, 202, 204, 299));

class FailureStatus : public ::testing::TestWithParam<int> {};

// HOOK-5: 3xx, 4xx and 5xx are failures, retried with the same id; redirects are not followed
// (the target of the Location never hears of the message).
TEST_P(FailureStatus, IsRetriedAndRedirectsAreNotFollowed) {
  Receiver target;
  Receiver receiver;
  Scene scene;
  receiver.SetDefault(AnswerWithLocation(GetParam(), target.Url("/elsewhere")));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  EXPECT_EQ(message["state"], "pending") << message.dump();
  EXPECT_EQ(message["attempts"][0]["status"], GetParam());
  EXPECT_TRUE(message["next_attempt_at"].is_number_integer());
  scene.server().Advance(6);
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "pending") << message.dump();
  EXPECT_EQ(message["attempts"][1]["status"], GetParam());

  const std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].Id(), got[1].Id());
  EXPECT_EQ(got[1].path, "/hooks");
  // A sender that followed would have reached the target before the attempt was recorded.
  EXPECT_EQ(target.count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(WebhookDelivery, FailureStatus,
                         ::testing::Values(301, 302, 303, 307, 308, 400, 401, 404, 500, 502));

// HOOK-5: 410 Gone disables the endpoint for good.
TEST(WebhookDelivery, GoneDisablesTheEndpointAndFailsTheMessage) {
  Receiver receiver;
  Scene scene;
  receiver.Script(1, Answer(410));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  EXPECT_EQ(scene.GetEndpoint(endpoint.id)["status"], "enabled");
  scene.CreateEvent();

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  EXPECT_EQ(message["state"], "failed") << message.dump();
  EXPECT_EQ(message["attempts"][0]["status"], 410);
  EXPECT_TRUE(message["next_attempt_at"].is_null());
  EXPECT_EQ(scene.GetEndpoint(endpoint.id)["status"], "disabled");

  // Later events make no message for it; nothing is due, however far the clock goes.
  scene.CreateEvent();
  scene.server().Advance(86400);
  Json messages = scene.Messages(endpoint.id);
  EXPECT_EQ(messages.size(), 1u) << messages.dump();
  EXPECT_EQ(messages[0]["attempts"].size(), 1u);
  EXPECT_EQ(receiver.count(), 1u);
}

// HOOK-5, HOOK-6: a receiver that hangs past the timeout: an attempt without status, with the
// error, then a retry.
TEST(WebhookDelivery, HangingReceiverTimesOutRecordsAnErrorAndIsRetried) {
  Options options;
  options.webhook_timeout_ms = 300;
  Receiver receiver;
  Scene scene(options);
  receiver.Script(1, HangThen204(3000));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  const auto started = Steady::now();
  scene.CreateEvent();

  Json message = scene.WaitForAttempts(endpoint.id, 1);
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(Steady::now() - started).count();
  EXPECT_LT(elapsed_ms, 2500);  // gave up well before the receiver's 3 s
  EXPECT_EQ(message["state"], "pending") << message.dump();
  Json& attempt = message["attempts"][0];
  EXPECT_TRUE(attempt["status"].is_null()) << attempt.dump();
  EXPECT_TRUE(attempt["error"].is_string() && !attempt["error"].get<std::string>().empty())
      << attempt.dump();
  EXPECT_GE(attempt["duration_ms"].get<double>(), 250) << attempt.dump();
  EXPECT_LT(attempt["duration_ms"].get<double>(), 2500) << attempt.dump();

  scene.server().Advance(6);
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "succeeded") << message.dump();
  EXPECT_EQ(message["attempts"][1]["status"], 204);
  const std::vector<Received> got = receiver.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].Id(), got[1].Id());
}

// HOOK-5: a receiver that hangs never slows the API request that caused the event.
TEST(WebhookDelivery, ApiAnswersQuicklyWhileTheReceiverHangs) {
  Options options;
  options.webhook_timeout_ms = 4000;
  Receiver receiver;
  Scene scene(options);
  receiver.SetDefault(HangThen204(4000));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  for (int i = 0; i < 6; ++i) {
    const auto started = Steady::now();
    ApiResult res = Api(scene.client(), "POST", "/v1/events", Alice(), kEventBody);
    const double ms = std::chrono::duration<double, std::milli>(Steady::now() - started).count();
    EXPECT_EQ(res.status, 200);
    EXPECT_LT(ms, 500) << "POST /v1/events took " << ms << " ms while deliveries hung";
    if (i == 0) {
      ASSERT_TRUE(receiver.WaitFor(1));  // from now on a delivery is hanging
    }
  }
  // The deliveries were (and still are) in flight while the API answered.
  EXPECT_TRUE(receiver.WaitFor(2));
  Json messages = scene.Messages(endpoint.id);
  ASSERT_EQ(messages.size(), 6u);
  EXPECT_EQ(messages[0]["state"], "sending") << messages[0].dump();
  EXPECT_TRUE(messages[0]["attempts"].empty());
  receiver.Release();  // so that the mock's threads finish before it stops
}

// ------------------------------------------------------------------------------------------------
// At-least-once

// HOOK-5, HOOK-6, CTRL-4: a receiver that is down while 1,000 events are created from 8 threads:
// the API answers every one, only a probe keeps trying, and once the receiver is back every event
// is delivered.
TEST(WebhookDelivery, DownReceiverLosesNoneOfAThousandEventsCreatedConcurrently) {
  Receiver receiver;
  Scene scene;
  const int port = receiver.port();
  receiver.Stop();  // connection refused from now on
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());

  constexpr int kThreads = 8;
  constexpr int kPerThread = 125;
  std::mutex mu;
  std::set<std::string> created;
  std::vector<int> statuses;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, port = scene.server().port()] {
      httplib::Client api("127.0.0.1", port);
      api.set_keep_alive(true);
      api.set_tcp_nodelay(true);  // else Nagle and delayed ACKs cost 40 ms a request
      for (int i = 0; i < kPerThread; ++i) {
        auto res = api.Post("/v1/events", Alice(), kEventBody, "application/json");
        std::lock_guard lock(mu);
        statuses.push_back(res ? res->status : 0);
        if (res && res->status == 200) {
          created.insert(Json::parse(res->body, nullptr, false).value("id", ""));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(statuses.size(), size_t(kThreads * kPerThread));
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kThreads * kPerThread);
  ASSERT_EQ(created.size(), size_t(kThreads * kPerThread));

  // Every event has its message; none succeeded; the receiver cost a few attempts, not 1,000.
  Json messages = scene.Messages(endpoint.id);
  ASSERT_EQ(messages.size(), created.size());
  size_t attempts = 0;
  for (Json& m : messages) {
    EXPECT_NE(m["state"], "succeeded");
    attempts += m["attempts"].size();
  }
  EXPECT_GE(attempts, 1u);
  EXPECT_LT(attempts, 100u) << "a receiver that is down should be probed, not flooded";

  receiver.Start(port);
  scene.server().Advance(3600);  // past the probe's next step, whichever it is
  ASSERT_TRUE(receiver.WaitForDistinctEvents(created.size(), milliseconds(15000)))
      << receiver.event_ids().size() << " of " << created.size() << " events delivered";
  EXPECT_EQ(receiver.event_ids(), created);

  messages = scene.WaitForMessages(endpoint.id, [&](const Json& m) {
    return std::all_of(m.begin(), m.end(),
                       [](const Json& x) { return x.value("state", "") == "succeeded"; });
  });
  ApiResult succeeded =
      Api(scene.client(), "GET", "/_mock/deliveries?state=succeeded&endpoint=" + endpoint.id, {});
  EXPECT_EQ(succeeded.body["data"].size(), created.size());
  for (const Received& d : receiver.received()) {
    EXPECT_TRUE(VerifiesWith(d, endpoint.secret));
  }
}

// HOOK-6, CTRL-4: deleting an endpoint ends its pending messages as cancelled, visibly, and
// nothing more goes to it.
TEST(WebhookDelivery, DeletedEndpointCancelsPendingMessages) {
  Receiver receiver;
  Scene scene;
  receiver.SetDefault(Answer(500));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();
  scene.CreateEvent();
  Json messages = scene.WaitForMessages(endpoint.id, [](const Json& m) {
    return m.size() == 2 && std::all_of(m.begin(), m.end(), [](const Json& x) {
             return x.value("attempts", Json::array()).size() == 1 &&
                    x.value("state", "") == "pending";
           });
  });
  ASSERT_EQ(messages.size(), 2u) << messages.dump();

  ApiResult deleted =
      Api(scene.client(), "DELETE", "/v1/webhook_endpoints/" + endpoint.id, Alice());
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  // At once, not when their retries come due.
  messages = scene.Messages(endpoint.id);
  ASSERT_EQ(messages.size(), 2u) << messages.dump();
  for (Json& m : messages) EXPECT_EQ(m["state"], "cancelled") << m.dump();

  scene.CreateEvent();
  scene.server().Advance(86400);

  messages = scene.Messages(endpoint.id);
  ASSERT_EQ(messages.size(), 2u) << messages.dump();  // none for the event after the deletion
  for (Json& m : messages) {
    EXPECT_EQ(m["state"], "cancelled") << m.dump();
    EXPECT_TRUE(m["outcome"].is_string()) << m.dump();
    EXPECT_TRUE(m["next_attempt_at"].is_null());
    EXPECT_EQ(m["attempts"].size(), 1u);
  }
  EXPECT_EQ(receiver.count(), 2u);
  // CTRL-4: nothing left to redeliver to.
  ApiResult retry = Api(scene.client(), "POST",
                        "/_mock/deliveries/" + messages[0]["id"].get<std::string>() + "/retry", {});
  EXPECT_EQ(retry.status, 400) << retry.body.dump();
}

// HOOK-6, CTRL-4: messages waiting for a receiver that is down (no attempt of their own yet) are
// cancelled too when the endpoint is deleted, not left pending forever.
TEST(WebhookDelivery, DeletedEndpointCancelsMessagesWaitingForADownReceiver) {
  Receiver receiver;
  Scene scene;
  receiver.Stop();  // connection refused
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();
  Json messages = scene.WaitForMessages(endpoint.id, [](const Json& m) {
    return m.size() == 1 && m[0].value("attempts", Json::array()).size() == 1 &&
           m[0].value("state", "") == "pending";
  });
  ASSERT_EQ(messages.size(), 1u) << messages.dump();
  scene.CreateEvent();  // the receiver is known to be down: these wait without an attempt
  scene.CreateEvent();
  messages = scene.Messages(endpoint.id);
  ASSERT_EQ(messages.size(), 3u) << messages.dump();
  EXPECT_TRUE(messages[1]["attempts"].empty()) << messages[1].dump();
  EXPECT_TRUE(messages[2]["attempts"].empty()) << messages[2].dump();

  ApiResult deleted =
      Api(scene.client(), "DELETE", "/v1/webhook_endpoints/" + endpoint.id, Alice());
  ASSERT_EQ(deleted.status, 200) << deleted.body.dump();
  scene.server().Advance(86400);
  messages = scene.Messages(endpoint.id);
  ASSERT_EQ(messages.size(), 3u) << messages.dump();
  for (Json& m : messages) {
    EXPECT_EQ(m["state"], "cancelled") << m.dump();
    EXPECT_TRUE(m["next_attempt_at"].is_null()) << m.dump();
  }
  EXPECT_EQ(messages[0]["attempts"].size(), 1u);
  EXPECT_TRUE(messages[1]["attempts"].empty());
}

// ------------------------------------------------------------------------------------------------
// Secret rotation

// HOOK-4: during the 24 h after a rotation, both secrets sign; then only the new one.
TEST(WebhookDelivery, RotatedSecretSignsWithBothForTwentyFourHours) {
  Receiver receiver;
  Scene scene;
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  ApiResult rotated = Api(scene.client(), "POST",
                          "/v1/webhook_endpoints/" + endpoint.id + "/rotate_secret", Alice());
  ASSERT_EQ(rotated.status, 200) << rotated.body.dump();
  const std::string fresh = rotated.body.value("secret", "");
  EXPECT_EQ(fresh.rfind("whsec_", 0), 0u) << fresh;
  EXPECT_EQ(Unbase64(fresh.substr(6)).size(), 32u) << fresh;
  EXPECT_NE(fresh, endpoint.secret);
  EXPECT_EQ(rotated.body["id"], endpoint.id);

  // Just before the overlap ends: two signatures, one per secret.
  scene.server().Advance(86400 - 60);
  scene.CreateEvent();
  ASSERT_TRUE(receiver.WaitFor(1));
  Received d = receiver.received()[0];
  std::vector<std::string> signatures = SplitSignatures(d.Signature());
  ASSERT_EQ(signatures.size(), 2u) << d.Signature();
  EXPECT_EQ(std::count_if(signatures.begin(), signatures.end(),
                          [&](const std::string& s) {
                            return SignatureValid(fresh, d.Id(), d.Timestamp(), d.body, s);
                          }),
            1);
  EXPECT_EQ(std::count_if(signatures.begin(), signatures.end(),
                          [&](const std::string& s) {
                            return SignatureValid(endpoint.secret, d.Id(), d.Timestamp(), d.body,
                                                  s);
                          }),
            1);

  // 24 h + 1 s after the rotation: the new secret alone.
  scene.server().Advance(61);
  scene.CreateEvent();
  ASSERT_TRUE(receiver.WaitFor(2));
  d = receiver.received()[1];
  signatures = SplitSignatures(d.Signature());
  ASSERT_EQ(signatures.size(), 1u) << d.Signature();
  EXPECT_TRUE(SignatureValid(fresh, d.Id(), d.Timestamp(), d.body, signatures[0]));
  EXPECT_FALSE(SignatureValid(endpoint.secret, d.Id(), d.Timestamp(), d.body, signatures[0]));
}

// ------------------------------------------------------------------------------------------------
// CTRL-4: redelivery

// CTRL-4: a message that already succeeded is delivered again at once, with the same webhook-id.
TEST(WebhookDelivery, RetryEndpointRedeliversASucceededMessageNow) {
  Receiver receiver;
  Scene scene;
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();
  Json message = scene.WaitForAttempts(endpoint.id, 1);
  ASSERT_EQ(message["state"], "succeeded") << message.dump();
  const std::string id = message["id"];

  ApiResult retry = Api(scene.client(), "POST", "/_mock/deliveries/" + id + "/retry", {});
  ASSERT_EQ(retry.status, 200) << retry.body.dump();
  EXPECT_EQ(retry.body["id"], id);
  ASSERT_TRUE(receiver.WaitFor(2));
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "succeeded") << message.dump();
  const std::vector<Received> got = receiver.received();
  EXPECT_EQ(got[1].Id(), id);
  EXPECT_EQ(got[1].body, got[0].body);
  EXPECT_TRUE(VerifiesWith(got[1], endpoint.secret));
}

// CTRL-4: a pending message whose retry is an hour away goes now.
TEST(WebhookDelivery, RetryEndpointDeliversAPendingMessageWithoutWaitingForItsStep) {
  Options options;
  options.retry_schedule = {3600};
  Receiver receiver;
  Scene scene(options);
  receiver.Script(1, Answer(500));
  const Endpoint endpoint = scene.CreateEndpoint(receiver.Url());
  scene.CreateEvent();
  Json message = scene.WaitForAttempts(endpoint.id, 1);
  ASSERT_EQ(message["state"], "pending") << message.dump();

  ApiResult retry = Api(scene.client(), "POST",
                        "/_mock/deliveries/" + message["id"].get<std::string>() + "/retry", {});
  ASSERT_EQ(retry.status, 200) << retry.body.dump();
  ASSERT_TRUE(receiver.WaitFor(2, milliseconds(3000)));
  message = scene.WaitForAttempts(endpoint.id, 2);
  EXPECT_EQ(message["state"], "succeeded") << message.dump();
  EXPECT_EQ(receiver.received()[1].Id(), message["id"]);
}

// CTRL-4
TEST(WebhookDelivery, RetryEndpointAnswers404ForAnUnknownMessage) {
  Scene scene;
  ApiResult retry = Api(scene.client(), "POST", "/_mock/deliveries/msg_doesNotExist0000/retry", {});
  EXPECT_EQ(retry.status, 404) << retry.body.dump();
  EXPECT_EQ(retry.body["error"]["type"], "invalid_request_error") << retry.body.dump();
}

// ------------------------------------------------------------------------------------------------
// Webhooks + WebhookDelivery with a fake sender: exact attempt counts.

// A WebhookSender that answers from a function and counts what it was asked to send.
class FakeSender : public WebhookSender {
 public:
  explicit FakeSender(std::function<WebhookResult(const std::string& id, int attempt)> answer)
      : answer_(std::move(answer)) {}

  WebhookResult Send(const WebhookRequest& request) override {
    std::string id;
    for (const auto& [name, value] : request.headers) {
      if (name == "webhook-id") id = value;
    }
    int attempt = 0;
    {
      std::lock_guard lock(mu_);
      attempt = ++sent_[id];
      ++total_;
      peak_ = std::max(peak_, ++in_flight_);
    }
    cv_.notify_all();
    WebhookResult result = answer_(id, attempt);
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    return result;
  }

  bool WaitForTotal(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return total_ >= n; });
  }
  std::map<std::string, int> sent() const {
    std::lock_guard lock(mu_);
    return sent_;
  }
  size_t total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  int peak() const {
    std::lock_guard lock(mu_);
    return peak_;
  }

 private:
  const std::function<WebhookResult(const std::string&, int)> answer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> sent_;  // GUARDED_BY(mu_), attempts by webhook-id
  size_t total_ = 0;                 // GUARDED_BY(mu_)
  int in_flight_ = 0;                // GUARDED_BY(mu_)
  int peak_ = 0;                     // GUARDED_BY(mu_)
};

WebhookResult Answered(int status) {
  WebhookResult r;
  r.status = status;
  return r;
}

WebhookResult Refused() {
  WebhookResult r;
  r.error = "Could not establish connection";
  return r;
}

// Webhooks and 8 delivery threads on a virtual clock, wired as Mock wires them.
class Pipeline {
 public:
  explicit Pipeline(WebhookSender& sender, WebhookConfig config = WebhookConfig())
      : webhooks_(std::make_shared<Webhooks>(
            std::move(config), clock_,
            [this] {
              if (delivery_) delivery_->Wake();
            },
            [](const std::string&) {})) {
    delivery_ = std::make_unique<WebhookDelivery>(
        clock_, sender, [this] { return webhooks_; }, 8);
    clock_.SetOnAdvance([this] { delivery_->WakeAll(); });
    auto endpoint = webhooks_->CreateEndpoint(
        "plt_1", "cpa_1", Json{{"url", "http://127.0.0.1:9/hooks"}, {"enabled_events", {"*"}}});
    EXPECT_TRUE(endpoint.ok());
  }
  ~Pipeline() { delivery_.reset(); }

  void Publish(int n) {
    webhooks_->Publish({"plt_1", "cpa_1", "event.created",
                        "{\"id\":\"evt_" + std::to_string(n) + "\",\"object\":\"event\"}"});
  }
  void Advance(int64_t seconds) { clock_.Advance(seconds * 1000000); }
  Webhooks& webhooks() { return *webhooks_; }

  std::vector<WebhookMessage> Messages() const { return webhooks_->Deliveries({}); }
  // Polls until `done(messages)` or kWait.
  std::vector<WebhookMessage> WaitFor(
      const std::function<bool(const std::vector<WebhookMessage>&)>& done) const {
    const auto until = Steady::now() + kWait;
    std::vector<WebhookMessage> messages = Messages();
    while (!done(messages) && Steady::now() < until) {
      std::this_thread::sleep_for(milliseconds(2));
      messages = Messages();
    }
    return messages;
  }

 private:
  VirtualClock clock_;
  std::unique_ptr<WebhookDelivery> delivery_;  // set once, before anything is published
  std::shared_ptr<Webhooks> webhooks_;
};

bool AllIn(const std::vector<WebhookMessage>& messages, WebhookMessage::State state) {
  return std::all_of(messages.begin(), messages.end(),
                     [&](const WebhookMessage& m) { return m.state == state; });
}

bool All(const std::vector<WebhookMessage>& messages, WebhookMessage::State state,
         size_t attempts) {
  return std::all_of(messages.begin(), messages.end(), [&](const WebhookMessage& m) {
    return m.state == state && m.attempts.size() == attempts;
  });
}

// HOOK-5, HOOK-6, CTRL-2: 200 retries due at the same instant, 8 threads: each message gets
// exactly one more attempt, none twice.
TEST(WebhookDeliveryThreads, ManyDueAtOnceGetExactlyOneAttemptEach) {
  FakeSender sender([](const std::string&, int attempt) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));  // let the threads overlap
    return Answered(attempt == 1 ? 500 : 200);
  });
  Pipeline pipeline(sender);
  constexpr int kMessages = 200;
  for (int i = 0; i < kMessages; ++i) pipeline.Publish(i);
  auto messages = pipeline.WaitFor([](const auto& m) {
    return m.size() == kMessages && All(m, WebhookMessage::State::kPending, 1);
  });
  ASSERT_TRUE(All(messages, WebhookMessage::State::kPending, 1));
  ASSERT_EQ(sender.total(), size_t(kMessages));

  pipeline.Advance(6);  // every retry is due now
  messages =
      pipeline.WaitFor([](const auto& m) { return All(m, WebhookMessage::State::kSucceeded, 2); });
  ASSERT_EQ(messages.size(), size_t(kMessages));
  EXPECT_TRUE(All(messages, WebhookMessage::State::kSucceeded, 2));
  EXPECT_EQ(sender.total(), size_t(2 * kMessages));
  const auto sent = sender.sent();
  EXPECT_EQ(sent.size(), size_t(kMessages));
  for (const auto& [id, n] : sent) EXPECT_EQ(n, 2) << id;
  EXPECT_GT(sender.peak(), 1) << "the delivery threads never overlapped";
}

// HOOK-5, HOOK-6: a receiver that gives no answer is probed by one message on its schedule; the
// others wait without attempts and all go as soon as it answers.
TEST(WebhookDeliveryThreads, DownReceiverIsProbedByOneMessageWhileOthersWait) {
  std::atomic<bool> up{false};
  FakeSender sender([&](const std::string&, int) { return up ? Answered(200) : Refused(); });
  Pipeline pipeline(sender);
  pipeline.Publish(0);
  auto messages = pipeline.WaitFor([](const auto& m) { return m[0].attempts.size() == 1; });
  ASSERT_EQ(messages[0].attempts.size(), 1u);
  EXPECT_EQ(messages[0].attempts[0].status, 0);
  EXPECT_FALSE(messages[0].attempts[0].error.empty());
  const std::string probe = messages[0].id;

  for (int i = 1; i <= 100; ++i) pipeline.Publish(i);
  pipeline.Advance(6);  // the probe's 5 s step
  messages = pipeline.WaitFor([](const auto& m) { return m[0].attempts.size() == 2; });
  ASSERT_EQ(messages.size(), 101u);
  EXPECT_EQ(messages[0].attempts.size(), 2u);
  for (size_t i = 1; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].state, WebhookMessage::State::kPending);
    EXPECT_TRUE(messages[i].attempts.empty()) << messages[i].id;
  }
  EXPECT_EQ(sender.total(), 2u);

  up = true;
  pipeline.Advance(300);  // the probe's next step: it answers, and everything goes
  messages =
      pipeline.WaitFor([](const auto& m) { return AllIn(m, WebhookMessage::State::kSucceeded); });
  for (const WebhookMessage& m : messages) {
    EXPECT_EQ(m.state, WebhookMessage::State::kSucceeded) << m.id;
    EXPECT_EQ(m.attempts.size(), m.id == probe ? 3u : 1u) << m.id;
  }
  EXPECT_EQ(sender.total(), 103u);
}

// HOOK-6: when the probe reaches the end of its schedule, the next waiting message takes over as
// the probe; nothing waits forever.
TEST(WebhookDeliveryThreads, WhenTheProbeGivesUpTheNextWaitingMessageProbes) {
  std::atomic<bool> up{false};
  FakeSender sender([&](const std::string&, int) { return up ? Answered(200) : Refused(); });
  WebhookConfig config;
  config.retry_schedule = {5};
  Pipeline pipeline(sender, config);
  pipeline.Publish(0);
  auto messages = pipeline.WaitFor([](const auto& m) { return m[0].attempts.size() == 1; });
  ASSERT_EQ(messages[0].attempts.size(), 1u);
  for (int i = 1; i <= 10; ++i) pipeline.Publish(i);

  pipeline.Advance(6);  // the first probe's last step fails: it is failed, message 1 probes next
  messages = pipeline.WaitFor(
      [](const auto& m) { return m[0].state == WebhookMessage::State::kFailed && m.size() == 11; });
  ASSERT_EQ(messages[0].state, WebhookMessage::State::kFailed);
  EXPECT_EQ(messages[0].attempts.size(), 2u);

  up = true;
  pipeline.Advance(6);
  messages = pipeline.WaitFor([](const auto& m) {
    return std::all_of(m.begin() + 1, m.end(), [](const WebhookMessage& x) {
      return x.state == WebhookMessage::State::kSucceeded;
    });
  });
  for (size_t i = 1; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].state, WebhookMessage::State::kSucceeded) << i;
    EXPECT_EQ(messages[i].attempts.size(), 1u) << i;
  }
  EXPECT_EQ(sender.total(), 12u);
}

// HOOK-6: a probe that gives up while nothing waits must not leave the receiver marked down with
// no probe: the next event is attempted (and delivered once the receiver answers).
TEST(WebhookDeliveryThreads, EventAfterTheLastProbeGaveUpIsStillDelivered) {
  std::atomic<bool> up{false};
  FakeSender sender([&](const std::string&, int) { return up ? Answered(200) : Refused(); });
  WebhookConfig config;
  config.retry_schedule = {5};
  Pipeline pipeline(sender, config);
  pipeline.Publish(0);
  auto messages = pipeline.WaitFor([](const auto& m) { return m[0].attempts.size() == 1; });
  ASSERT_EQ(messages[0].attempts.size(), 1u);
  pipeline.Advance(6);
  messages =
      pipeline.WaitFor([](const auto& m) { return m[0].state == WebhookMessage::State::kFailed; });
  ASSERT_EQ(messages[0].state, WebhookMessage::State::kFailed);

  up = true;
  pipeline.Publish(1);
  pipeline.Advance(3600);
  messages = pipeline.WaitFor([](const auto& m) {
    return m.size() == 2 && m[1].state == WebhookMessage::State::kSucceeded;
  });
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[1].state, WebhookMessage::State::kSucceeded);
  EXPECT_EQ(messages[1].attempts.size(), 1u);
}

// CTRL-4: a retry asked for while an attempt is in flight is made after it, even if that attempt
// succeeds.
TEST(WebhookDeliveryThreads, RetryAskedDuringAnAttemptInFlightIsMadeAfterIt) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  FakeSender sender([&](const std::string&, int attempt) {
    if (attempt == 1) {
      std::unique_lock lock(mu);
      cv.wait_for(lock, kWait, [&] { return release; });
    }
    return Answered(200);
  });
  Pipeline pipeline(sender);
  pipeline.Publish(0);
  ASSERT_TRUE(sender.WaitForTotal(1));  // the first attempt is in flight
  const std::string id = pipeline.Messages()[0].id;
  auto asked = pipeline.webhooks().Redeliver(id);
  ASSERT_TRUE(asked.ok()) << asked.status().ToString();
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  auto messages = pipeline.WaitFor([](const auto& m) {
    return m[0].attempts.size() == 2 && m[0].state == WebhookMessage::State::kSucceeded;
  });
  EXPECT_EQ(messages[0].attempts.size(), 2u);
  EXPECT_EQ(messages[0].state, WebhookMessage::State::kSucceeded);
  EXPECT_EQ(sender.sent()[id], 2);
}

// CTRL-4
TEST(WebhookDeliveryThreads, RedeliverOfAnUnknownMessageIsNotFound) {
  FakeSender sender([](const std::string&, int) { return Answered(200); });
  Pipeline pipeline(sender);
  auto asked = pipeline.webhooks().Redeliver("msg_nope");
  ASSERT_FALSE(asked.ok());
  EXPECT_EQ(HttpStatusFor(asked.status().kind()), 404);
}

bool IsNotFound(Webhooks& webhooks, const std::string& id) {
  auto asked = webhooks.Redeliver(id);
  return !asked.ok() && HttpStatusFor(asked.status().kind()) == 404;
}

// CONV-2, CTRL-4: a message id is msg_, its creation index in 6 base62 digits, then 16 random
// ones; so ids sort in creation order, and a message is found from its id without a map. Only
// the exact id finds it: the right index with other random digits does not.
TEST(WebhookMessages, IdsSortInCreationOrderAndOnlyTheExactIdIsFound) {
  FakeSender sender([](const std::string&, int) { return Answered(200); });
  Pipeline pipeline(sender);
  constexpr size_t kMessages = 70;  // past 62, so the index takes two digits
  for (size_t i = 0; i < kMessages; ++i) pipeline.Publish(int(i));
  const std::vector<WebhookMessage> messages = pipeline.Messages();
  ASSERT_EQ(messages.size(), kMessages);
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string& id = messages[i].id;
    ASSERT_EQ(id.size(), 4u + 6u + 16u) << id;
    EXPECT_EQ(id.rfind("msg_", 0), 0u) << id;
    EXPECT_EQ(
        id.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 4),
        std::string::npos)
        << id;
    if (i > 0) {
      EXPECT_LT(messages[i - 1].id, id) << "ids out of creation order";
    }
  }
  const std::string first = messages.front().id;
  const std::string last = messages.back().id;
  EXPECT_EQ(last.substr(4, 6), "000017");  // index 69 = 1 * 62 + 7

  auto found = pipeline.webhooks().Redeliver(last);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->id, last);

  std::string other_random = last;
  other_random.back() = last.back() == 'a' ? 'b' : 'a';
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), other_random));
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), first.substr(0, 10) + last.substr(10)));
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), last.substr(0, 10)));
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), "msg_000100" + last.substr(10)));  // past the end
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), "msg_zzzzzz" + last.substr(10)));
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), "evt_" + last.substr(4)));
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), std::string("msg_00\0"
                                                          "017",
                                                          10) +
                                                  last.substr(10)));
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), "msg_00-017" + last.substr(10)));
  EXPECT_TRUE(IsNotFound(pipeline.webhooks(), ""));
}

}  // namespace
}  // namespace chronapilot::testing
