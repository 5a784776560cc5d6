#include "mock/mock.h"

#include <chrono>
#include <exception>
#include <mutex>
#include <thread>

#include "mock/crypto.h"
#include "mock/text.h"

namespace chronapilot {
namespace {

// The control plane is not client traffic: the journal would only echo the harness itself.
bool IsJournaled(const std::string& path) {
  return !StartsWith(path, "/_mock/") && path != "/_mock" && path != "/healthz";
}

// A Host header usable in a URL: a host name, IPv4 or [IPv6] literal, and an optional port.
bool IsUsableHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

World::World(Fixtures fx, const Clock& clock, std::shared_ptr<Webhooks> hooks)
    : fixtures(std::move(fx)),
      directory(fixtures),
      webhooks(std::move(hooks)),
      events(*webhooks),
      store(fixtures),
      auth(fixtures, directory, store, clock, events) {}

StatusOr<std::unique_ptr<Mock>> Mock::Create(const Options& options, std::FILE* log,
                                             WebhookSender* sender) {
  const int64_t now = VirtualClock::SystemMicros() / 1000000;
  auto fixtures =
      options.fixtures.empty() ? LoadDefaultFixtures(now) : LoadFixturesFile(options.fixtures, now);
  if (!fixtures.ok()) return fixtures.status();
  return std::unique_ptr<Mock>(new Mock(options, std::move(fixtures).value(), log, sender));
}

Mock::Mock(const Options& options, Fixtures fixtures, std::FILE* log, WebhookSender* sender)
    : options_(options),
      journal_(options.journal_limit),
      logger_(options.log_format, options.quiet, log),
      listening_address_(options.host + ":" + std::to_string(options.port)),
      startup_fixtures_(std::move(fixtures)),
      sender_(sender ? *sender : http_sender_) {
  world_ = MakeWorld(startup_fixtures_);
  RegisterOAuthEndpoints(router_);
  RegisterApiEndpoints(router_);
  RegisterControlEndpoints(router_);
  delivery_ =
      std::make_unique<WebhookDelivery>(clock_, sender_, [this] { return CurrentWebhooks(); });
  // HOOK-5: advancing the clock makes retries due.
  clock_.SetOnAdvance([this] { delivery_->WakeAll(); });
}

Mock::~Mock() { delivery_.reset(); }

std::unique_ptr<World> Mock::MakeWorld(Fixtures fixtures) {
  WebhookConfig config;
  config.retry_schedule = options_.retry_schedule;
  config.timeout_ms = options_.webhook_timeout_ms;
  auto webhooks = std::make_shared<Webhooks>(
      config, clock_,
      [this] {
        if (delivery_) delivery_->Wake();
      },
      [this](const std::string& message) { logger_.Warn(message); });
  return std::make_unique<World>(std::move(fixtures), clock_, std::move(webhooks));
}

std::shared_ptr<Webhooks> Mock::CurrentWebhooks() const {
  std::shared_lock lock(world_mu_);
  return world_->webhooks;
}

Status Mock::Reset(const std::string& fixtures_path) {
  Fixtures fixtures = startup_fixtures_;
  if (!fixtures_path.empty()) {
    auto loaded = LoadFixturesFile(fixtures_path, clock_.NowSeconds());
    if (!loaded.ok()) return loaded.status();
    fixtures = std::move(loaded).value();
  }
  auto world = MakeWorld(std::move(fixtures));
  {
    std::unique_lock lock(world_mu_);
    world_.swap(world);
  }
  faults_.Clear();
  delivery_->WakeAll();
  return Status();  // the old world is destroyed here, outside the lock
}

bool Mock::AutoConsent(const World& world) const {
  return options_.auto_consent || world.fixtures.auto_consent;
}

std::string Mock::IssuerFor(const HttpRequest& request) const {
  if (!options_.issuer.empty()) return options_.issuer;
  const std::string scheme = request.tls ? "https://" : "http://";
  auto host = request.Header("Host");
  if (host && request.HeaderCount("Host") == 1 && IsUsableHost(*host)) return scheme + *host;
  return scheme + listening_address_;
}

HttpResponse Mock::Handle(HttpRequest request) {
  const auto started = std::chrono::steady_clock::now();
  const int64_t received_ms = clock_.NowMicros() / 1000;
  request.request_id = NewId("req_");
  HttpResponse response;
  try {
    auto injected = IsJournaled(request.path) ? InjectFault(request) : std::nullopt;
    response = injected ? std::move(*injected) : Route(request);
  } catch (const std::exception& e) {
    // A bug, not a client error; the client still gets the documented error body.
    logger_.Warn("internal error on " + request.method + " " + request.path + ": " + e.what());
    response = ErrorResponseForPath(request.path, Status::Internal("internal error in the mock"));
  }
  response.SetHeader("Request-Id", request.request_id);  // CONV-4
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  // CTRL-5 drop_connection: no status line goes out, so the journal and the log say 0.
  const int answered_status = response.drop_connection ? 0 : response.status;
  if (IsJournaled(request.path)) {
    JournalEntry entry;
    entry.time = clock_.NowSeconds();
    entry.time_ms = received_ms;
    entry.request_id = request.request_id;
    entry.method = request.method;
    entry.path = request.path;
    entry.query = request.query;
    entry.headers = request.headers;
    // Only what the journal keeps is copied: a copy cut down later would keep its whole
    // allocation (std::string::resize does not give memory back).
    entry.body_truncated = request.body.size() > kJournalMaxRequestBody;
    entry.body.assign(request.body, 0, kJournalMaxRequestBody);
    entry.status = answered_status;
    entry.response_body.assign(response.body, 0, kJournalMaxResponseBody);
    entry.duration_ms = ms;
    journal_.Record(std::move(entry));
  }
  logger_.LogRequest(request.method, request.path, answered_status, ms, request.request_id);
  return response;
}

std::optional<HttpResponse> Mock::InjectFault(const HttpRequest& request) {
  auto fault = faults_.Take(request.method, request.path);
  if (!fault) return std::nullopt;
  // Real time, not virtual: the point is a slow answer the client has to wait for.
  if (fault->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
  if (fault->drop_connection) {
    HttpResponse dropped;
    dropped.drop_connection = true;
    return dropped;
  }
  if (!fault->status) return std::nullopt;  // only a delay: serve the request normally
  HttpResponse res;
  res.status = *fault->status;
  for (const auto& [name, value] : fault->headers) {
    if (EqualsIgnoreCase(name, "Content-Type")) {
      res.content_type = value;
    } else {
      res.SetHeader(name, value);
    }
  }
  res.body = fault->body;
  if (!res.body.empty() && res.content_type.empty()) {
    res.content_type = "application/json; charset=utf-8";
  } else if (res.body.empty() && res.status >= 400) {
    // The documented error body for the status, so SDKs parse an injected error like a real one.
    // ERR-1's type for the status: 401, 403 and 409 have their own types too.
    const ErrorKind kind = res.status == 429   ? ErrorKind::kRateLimited
                           : res.status >= 500 ? ErrorKind::kUnavailable
                           : res.status == 401 ? ErrorKind::kUnauthenticated
                           : res.status == 403 ? ErrorKind::kPermissionDenied
                           : res.status == 409 ? ErrorKind::kConflict
                                               : ErrorKind::kInvalidRequest;
    HttpResponse error = ErrorResponseForPath(
        request.path, Status::Injected(kind, "injected fault (POST /_mock/faults)"));
    res.body = std::move(error.body);
    res.content_type = std::move(error.content_type);
  }
  return res;
}

HttpResponse Mock::Route(HttpRequest& request) {
  // RES-7: the edge stops reading at the limit and says so.
  if (request.body_too_large || request.body.size() > kMaxBodyBytes) {
    return ErrorResponseForPath(request.path,
                                Status::PayloadTooLarge("the request body is larger than 1 MiB"));
  }
  if (request.body_incomplete) {
    return ErrorResponseForPath(
        request.path, Status::InvalidRequest("invalid_request", "the request body ended early"));
  }
  Router::Match match = router_.Find(request.method, request.path);
  if (match.result == Router::Match::kNotFound) {
    return ErrorResponseForPath(
        request.path,
        Status::NotFound("resource_missing", "Unrecognized request URL (" + request.method + ": " +
                                                 request.path + ")."));
  }
  if (match.result == Router::Match::kMethodNotAllowed) {
    HttpResponse res = ErrorResponseForPath(
        request.path, Status::MethodNotAllowed(request.method + " is not allowed on " +
                                               request.path + "; allowed: " + match.allow));
    res.SetHeader("Allow", match.allow);
    return res;
  }
  RequestContext ctx{request, std::move(match.params), nullptr, *this};
  if (!match.options.holds_world) return (*match.handler)(ctx);
  std::shared_lock lock(world_mu_);
  ctx.world = world_.get();
  return (*match.handler)(ctx);
}

}  // namespace chronapilot
