// The mock as one object: the request pipeline every HTTP request goes through, the world it
// serves, and the services around it (clock, journal, log). http_server.cc feeds it requests;
// tests can too.
//
//   HttpServer (cpp-httplib) ──HttpRequest──▶ Mock::Handle ──▶ Router ──▶ endpoint(RequestContext)
//                                               │ request id, journal, log, JSON errors
//
// Thread safety: Handle() is called concurrently from the HTTP worker threads. world_ is
// guarded by world_mu_: requests hold it shared for their whole duration; Reset() takes it
// exclusively and swaps in a new World, so no request ever sees half a reset. Clock, journal and
// logger are thread-safe on their own.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "mock/clock.h"
#include "mock/events.h"
#include "mock/faults.h"
#include "mock/fixtures.h"
#include "mock/http.h"
#include "mock/idempotency.h"
#include "mock/journal.h"
#include "mock/log.h"
#include "mock/oauth.h"
#include "mock/options.h"
#include "mock/router.h"
#include "mock/store.h"
#include "mock/webhook_delivery.h"
#include "mock/webhook_sender.h"
#include "mock/webhooks.h"

namespace chronapilot {

// Everything /_mock/reset replaces: the data of one run, built from one fixture set.
struct World {
  World(Fixtures fixtures, const Clock& clock, std::shared_ptr<Webhooks> webhooks);

  const Fixtures fixtures;
  const Directory directory;
  // Shared with the delivery threads, which may still finish an attempt after a reset.
  const std::shared_ptr<Webhooks> webhooks;
  EventSink& events;  // where state changes are announced (HOOK-8): *webhooks
  Store store;
  AuthServer auth;
  IdempotencyStore idempotency;
};

class Mock;

// What an endpoint gets: the request, its path parameters, the world (null for endpoints
// registered with holds_world = false) and the mock's services.
struct RequestContext {
  const HttpRequest& request;
  std::vector<std::string> params;
  World* world;
  Mock& mock;
};

class Mock {
 public:
  // Loads the fixtures named by options (or the built-in set). Errors name file, line, field.
  // `sender` sends webhooks (default: HTTP); tests may pass their own, owned by the caller.
  static StatusOr<std::unique_ptr<Mock>> Create(const Options& options, std::FILE* log = stderr,
                                                WebhookSender* sender = nullptr);
  ~Mock();

  // The whole pipeline: request id, routing, the endpoint, errors as JSON, journal, log.
  HttpResponse Handle(HttpRequest request);

  // CTRL-1: back to the start-up fixtures, or to the file `fixtures_path` when non-empty.
  // A file that fails to load changes nothing.
  Status Reset(const std::string& fixtures_path);

  // The OAuth issuer for a request (TOKEN-9): --issuer, else the scheme and Host it came with.
  std::string IssuerFor(const HttpRequest& request) const;
  // Where the server listens ("127.0.0.1:8765"); the issuer when a request has no usable Host.
  void SetListeningAddress(std::string address) { listening_address_ = std::move(address); }

  // Runs `f(World&)` with the world held shared, as a request would (tests, the harness).
  template <typename F>
  auto WithWorld(F&& f) {
    std::shared_lock lock(world_mu_);
    return f(*world_);
  }

  bool AutoConsent(const World& world) const;
  const Options& options() const { return options_; }
  VirtualClock& clock() { return clock_; }
  Journal& journal() { return journal_; }
  FaultInjector& faults() { return faults_; }
  Logger& logger() { return logger_; }

 private:
  Mock(const Options& options, Fixtures fixtures, std::FILE* log, WebhookSender* sender);
  std::unique_ptr<World> MakeWorld(Fixtures fixtures);
  std::shared_ptr<Webhooks> CurrentWebhooks() const;
  HttpResponse Route(HttpRequest& request);
  // CTRL-5: the injected answer for this request, if a fault matches (after its delay).
  std::optional<HttpResponse> InjectFault(const HttpRequest& request);

  const Options options_;
  VirtualClock clock_;
  Journal journal_;
  FaultInjector faults_;
  Logger logger_;
  Router router_;
  std::string listening_address_;  // set before serving

  mutable std::shared_mutex world_mu_;
  std::unique_ptr<World> world_;  // GUARDED_BY(world_mu_)
  const Fixtures startup_fixtures_;

  HttpWebhookSender http_sender_;
  WebhookSender& sender_;
  // Declared last: its threads use the members above, so it stops first.
  std::unique_ptr<WebhookDelivery> delivery_;
};

// Endpoint groups, one file each.
void RegisterOAuthEndpoints(Router& router);    // oauth_endpoints.cc
void RegisterApiEndpoints(Router& router);      // api_endpoints.cc
void RegisterControlEndpoints(Router& router);  // control_endpoints.cc

}  // namespace chronapilot
