// Webhook delivery figures (issue targets, SPEC HOOK-5): latency from the API's answer to the
// signed delivery arriving, sustained deliveries per second to a fast receiver, and what keeping
// a message for a receiver that is down costs per event. The mock runs in this process on
// 127.0.0.1 port 0, the receiver is a cpp-httplib server in this process too, so both sides read
// the same clock. (bench/run.sh measures the API's throughput with a receiver down, with wrk.)
//
// Usage: chronapilot-bench-webhooks [SECONDS]   (make bench runs it)
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mock/http_server.h"
#include "mock/json.h"
#include "mock/mock.h"
#include "mock/webhooks.h"

using namespace chronapilot;
using Steady = std::chrono::steady_clock;

namespace {

constexpr char kToken[] = "cat_1abc2def3ghi4jkl";
constexpr char kPlatform[] = "plt_acme";
constexpr char kAccount[] = "cpa_alice";
// An event as GET /v1/events/{id} renders it.
constexpr char kEventJson[] =
    R"({"id":"evt_3kTMd9qpWx7ZbN2c","object":"event","calendar_id":"cal_aliceWork00001",)"
    R"("summary":"Bench","description":null,"location":null,"start":"2026-12-10T12:00:00Z",)"
    R"("end":"2026-12-10T13:00:00Z","all_day":false,"status":"confirmed","attendees":[],)"
    R"("created":1796428800,"updated":1796428800})";
constexpr char kEventBody[] =
    R"({"calendar_id":"cal_aliceWork00001","summary":"Bench","start":"2026-12-10T12:00:00Z",)"
    R"("end":"2026-12-10T13:00:00Z"})";

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

struct Served {
  std::unique_ptr<Mock> mock;
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  int port = 0;
  ~Served() {
    server->Stop();
    thread.join();
  }
};

std::unique_ptr<Served> ServeMock() {
  Options options;
  options.port = 0;
  options.quiet = true;
  auto out = std::make_unique<Served>();
  out->mock = std::move(Mock::Create(options).value());
  out->server = std::make_unique<HttpServer>(*out->mock, options);
  out->port = out->server->Bind().value();
  out->thread = std::thread([s = out.get()] { s->server->Serve(); });
  return out;
}

httplib::Headers Auth() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

void CreateEndpoint(httplib::Client& api, int receiver_port) {
  const std::string body = "{\"url\":\"http://127.0.0.1:" + std::to_string(receiver_port) +
                           "/hooks\",\"enabled_events\":[\"event.created\"]}";
  auto res = api.Post("/v1/webhook_endpoints", Auth(), body, "application/json");
  if (!res || res->status != 200) {
    std::fprintf(stderr, "could not create the webhook endpoint\n");
    std::exit(1);
  }
}

// Creates events from `threads` keep-alive connections for `seconds`; returns requests/s.
double CreateEvents(int port, int threads, double seconds) {
  std::atomic<long> done{0};
  std::vector<std::thread> workers;
  const auto until = Steady::now() + std::chrono::duration<double>(seconds);
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      httplib::Client api("127.0.0.1", port);
      api.set_keep_alive(true);
      api.set_tcp_nodelay(true);
      while (Steady::now() < until) {
        auto res = api.Post("/v1/events", Auth(), kEventBody, "application/json");
        if (res && res->status == 200) ++done;
      }
    });
  }
  for (auto& w : workers) w.join();
  return double(done) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5;

  // The receiver: records when each event's delivery arrives, by event id.
  std::mutex mu;
  std::unordered_map<std::string, Steady::time_point> arrived;
  std::atomic<long> deliveries{0};
  httplib::Server receiver;
  receiver.new_task_queue = [] { return new httplib::ThreadPool(16); };
  receiver.set_keep_alive_max_count(1000000);
  receiver.set_tcp_nodelay(true);
  receiver.Post("/hooks", [&](const httplib::Request& req, httplib::Response& res) {
    const auto now = Steady::now();
    ++deliveries;
    Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_discarded()) {
      std::lock_guard lock(mu);
      arrived.emplace(body["data"]["id"].get<std::string>(), now);
    }
    res.status = 204;
  });
  const int receiver_port = receiver.bind_to_any_port("127.0.0.1");
  std::thread receiver_thread([&] { receiver.listen_after_bind(); });

  // 1. Latency: one event at a time, from the API's answer to the delivery's arrival.
  {
    auto served = ServeMock();
    httplib::Client api("127.0.0.1", served->port);
    api.set_keep_alive(true);
    api.set_tcp_nodelay(true);
    CreateEndpoint(api, receiver_port);
    std::vector<std::pair<std::string, Steady::time_point>> answered;
    for (int i = 0; i < 2000; ++i) {
      // Timed from just before the POST is sent: the delivery may arrive before the client has
      // read the answer, so this is an upper bound of "answer → delivery".
      const auto sent = Steady::now();
      auto res = api.Post("/v1/events", Auth(), kEventBody, "application/json");
      answered.emplace_back(Json::parse(res->body)["id"].get<std::string>(), sent);
      // Wait for this delivery, so each measurement sees an idle system.
      for (int spin = 0; spin < 100000; ++spin) {
        std::lock_guard lock(mu);
        if (arrived.count(answered.back().first)) break;
        std::this_thread::yield();
      }
    }
    std::vector<double> ms;
    {
      std::lock_guard lock(mu);
      for (const auto& [id, at] : answered) {
        auto it = arrived.find(id);
        if (it != arrived.end()) {
          ms.push_back(std::chrono::duration<double, std::milli>(it->second - at).count());
        }
      }
    }
    std::printf(
        "POST /v1/events sent → signed delivery at a loopback receiver: p50 %.2f ms, "
        "p99 %.2f ms "
        "(%zu of %zu delivered)\n",
        Percentile(ms, 0.5), Percentile(ms, 0.99), ms.size(), answered.size());
  }

  // 2. Sustained deliveries per second to a fast receiver.
  {
    auto served = ServeMock();
    httplib::Client api("127.0.0.1", served->port);
    api.set_tcp_nodelay(true);
    CreateEndpoint(api, receiver_port);
    const long before = deliveries;
    const auto start = Steady::now();
    const double created = CreateEvents(served->port, 4, seconds);
    const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
    const long during = deliveries - before;
    // Let the queue drain, then count what arrived.
    const long expected = long(created * seconds);
    for (int i = 0; i < 200 && deliveries - before < expected; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const double drained = std::chrono::duration<double>(Steady::now() - start).count();
    std::printf(
        "deliveries to a fast receiver: %.0f/s while creating %.0f events/s "
        "(%ld of %ld delivered after %.1f s)\n",
        double(during) / elapsed, created, long(deliveries - before), expected, drained);
  }

  // 3. What a receiver that is down costs the request that creates an event: Publish() keeps a
  // message for it (HOOK-6). Measured on the Webhooks object alone, against no endpoint; the
  // API's throughput in both cases is measured by bench/run.sh with wrk.
  {
    const int events = 100000;
    double micros[2] = {0, 0};
    for (int down = 0; down < 2; ++down) {
      VirtualClock clock;
      Webhooks hooks(
          WebhookConfig{}, clock, [] {}, [](const std::string&) {});
      if (down) {
        const bool created = hooks
                                 .CreateEndpoint(kPlatform, kAccount,
                                                 Json{{"url", "http://127.0.0.1:9/hooks"},
                                                      {"enabled_events", {"event.created"}}})
                                 .ok();
        hooks.Publish({kPlatform, kAccount, "event.created", kEventJson});
        const auto due = hooks.TakeDue();
        if (!created || !due) {
          std::fprintf(stderr, "could not set up a receiver that is down\n");
          return 1;
        }
        hooks.RecordAttempt(due->message_id, DeliveryAttempt{}, WebhookResult{});  // no answer
      }
      const auto start = Steady::now();
      for (int i = 0; i < events; ++i) {
        hooks.Publish({kPlatform, kAccount, "event.created", kEventJson});
      }
      micros[down] =
          std::chrono::duration<double, std::micro>(Steady::now() - start).count() / events;
      // Every event made a message, and all still wait (the probe among them).
      if (down && hooks.Deliveries({"", "", "", "pending"}).size() != size_t(events) + 1) {
        std::fprintf(stderr, "the events did not all wait for the receiver\n");
        return 1;
      }
    }
    std::printf(
        "Webhooks::Publish per event: %.2f µs with a receiver down, %.2f µs without "
        "endpoints (%d events)\n",
        micros[1], micros[0], events);
  }

  receiver.stop();
  receiver_thread.join();
  return 0;
}
