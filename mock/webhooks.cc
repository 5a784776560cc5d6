#include "mock/webhooks.h"

#include <algorithm>
#include <cstring>

#include "mock/crypto.h"
#include "mock/json_body.h"
#include "mock/text.h"
#include "mock/url.h"
#include "mock/webhook_signature.h"

namespace chronapilot {
namespace {

constexpr Micros kSecond = 1000000;

Status Invalid(const std::string& param, const std::string& message) {
  return Status::InvalidRequest("parameter_invalid", message, param);
}

Status EndpointNotFound(std::string_view id) {
  return Status::NotFound("resource_missing", "No such webhook_endpoint: '" + std::string(id) + "'",
                          "id");
}

const char* StateName(WebhookMessage::State state) {
  switch (state) {
    case WebhookMessage::State::kPending:
      return "pending";
    case WebhookMessage::State::kSending:
      return "sending";
    case WebhookMessage::State::kSucceeded:
      return "succeeded";
    case WebhookMessage::State::kFailed:
      return "failed";
    case WebhookMessage::State::kCancelled:
      return "cancelled";
  }
  return "pending";
}

// A message id is `msg_`, its index in creation order as 6 base62 digits, then 16 random base62
// characters (95 bits, CONV-2). Like the KSUID-based ids of hosted webhook services, ids sort in
// creation order; and a message is found from its id without a map, which would cost every
// event a receiver that is down keeps waiting (1 µs per insertion, most of it rehashing).
constexpr size_t kIndexDigits = 6;  // 62^6: 56 billion messages

std::string MessageId(size_t index) {
  char digits[kIndexDigits];
  for (size_t i = kIndexDigits; i-- > 0; index /= 62) digits[i] = kBase62Digits[index % 62];
  return NewId("msg_" + std::string(digits, kIndexDigits));
}

// The index a well-formed message id carries, or nullopt.
std::optional<size_t> MessageIndex(std::string_view id) {
  if (!StartsWith(id, "msg_") || id.size() < 4 + kIndexDigits) return std::nullopt;
  size_t index = 0;
  for (char c : id.substr(4, kIndexDigits)) {
    const char* digit = std::strchr(kBase62Digits, c);
    if (c == '\0' || !digit) return std::nullopt;
    index = index * 62 + size_t(digit - kBase62Digits);
  }
  return index;
}

bool IsLoopbackHost(const std::string& host) {
  if (EqualsIgnoreCase(host, "localhost") || host == "[::1]") return true;
  // 127.0.0.0/8 as an IPv4 literal only: "127.example.com" is a name like any other.
  return StartsWith(host, "127.") && host.find_first_not_of("0123456789.") == std::string::npos;
}

}  // namespace

const std::vector<std::string>& WebhookEventTypes() {
  static const std::vector<std::string> kTypes = {"event.created",
                                                  "event.updated",
                                                  "event.deleted",
                                                  "provider_connection.created",
                                                  "provider_connection.deleted",
                                                  "account.authorized",
                                                  "account.deauthorized"};
  return kTypes;
}

bool WebhookEndpoint::Wants(const std::string& type) const {
  for (const std::string& e : enabled_events) {
    if (e == "*" || e == type) return true;
  }
  return false;
}

Json WebhookEndpoint::ToJson() const {
  return Json{{"id", id},
              {"object", "webhook_endpoint"},
              {"url", url},
              {"enabled_events", enabled_events},
              {"connect", connect},
              {"account", account_id.empty() ? Json() : Json(account_id)},
              {"status", enabled ? "enabled" : "disabled"},
              {"description", description.empty() ? Json() : Json(description)},
              {"created", created}};
}

std::string WebhookMessage::Body() const {
  // Assembled as a string: `data` is already the object's JSON.
  std::string body;
  body.reserve(64 + id.size() + account_id.size() + type.size() + data.size());
  body += "{\"id\":\"";
  body += id;
  body += "\",\"account\":\"";
  body += account_id;
  body += "\",\"type\":\"";
  body += type;
  body += "\",\"created\":";
  body += std::to_string(created);
  body += ",\"data\":";
  body += data.empty() ? "null" : data;
  body += '}';
  return body;
}

Json WebhookMessage::ToJson() const {
  Json attempts_json = Json::array();
  for (const DeliveryAttempt& a : attempts) {
    attempts_json.push_back({{"time", a.time},
                             {"webhook_timestamp", a.timestamp},
                             {"webhook_signature", a.signature},
                             {"status", a.status == 0 ? Json() : Json(a.status)},
                             {"duration_ms", a.duration_ms},
                             {"error", a.error.empty() ? Json() : Json(a.error)}});
  }
  Json out = {
      {"id", id},
      {"object", "webhook_message"},
      {"endpoint", endpoint_id},
      {"account", account_id},
      {"type", type},
      {"created", created},
      {"state", StateName(state)},
      {"next_attempt_at", state == State::kPending ? Json(next_attempt_at / kSecond) : Json()},
      {"outcome", outcome.empty() ? Json() : Json(outcome)},
      {"attempts", attempts_json},
      {"body", Json::parse(Body())}};
  return out;
}

Webhooks::Webhooks(WebhookConfig config, const Clock& clock, std::function<void()> wake,
                   std::function<void(const std::string&)> warn)
    : config_(std::move(config)),
      clock_(clock),
      wake_(std::move(wake)),
      warn_(std::move(warn)),
      routes_(std::make_shared<const std::vector<WebhookEndpoint>>()) {}

void Webhooks::UpdateRoutesLocked() {
  std::vector<WebhookEndpoint> routes;
  endpoints_.ForEach([&](const WebhookEndpoint& endpoint) {
    if (endpoint.enabled) routes.push_back(endpoint);
  });
  std::atomic_store(&routes_,
                    std::make_shared<const std::vector<WebhookEndpoint>>(std::move(routes)));
}

// --- Routing ------------------------------------------------------------------------------------

void Webhooks::Publish(DomainEvent event) {
  // Many HTTP threads create events, so Publish() takes mu_ once, and briefly: the endpoints
  // that want the event are found in the routes_ snapshot, without mu_, and the messages are
  // built outside it; only the id, which carries the message's index, is made under it. Each
  // event a receiver that is down keeps waiting costs its request about 1 µs
  // (bench/webhook_bench.cc): no map insertion, no copy of the object's JSON (the last message
  // takes the event's own).
  const std::shared_ptr<const std::vector<WebhookEndpoint>> routes = std::atomic_load(&routes_);
  std::vector<std::string> targets;
  for (const WebhookEndpoint& endpoint : *routes) {
    // HOOK-2: the account's own endpoints, and the platform's endpoints that elected to
    // receive Connect events. Never another platform's.
    if (endpoint.platform_id != event.platform_id || !endpoint.Wants(event.type)) continue;
    const bool routed =
        endpoint.account_id.empty() ? endpoint.connect : endpoint.account_id == event.account_id;
    if (routed) targets.push_back(endpoint.id);
  }
  if (targets.empty()) return;

  const Micros now = clock_.NowMicros();
  std::vector<std::unique_ptr<WebhookMessage>> messages(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) {
    // HOOK-7: one message per endpoint, with its own id, secret and history.
    auto message = std::make_unique<WebhookMessage>();
    message->endpoint_id = std::move(targets[i]);
    message->platform_id = event.platform_id;
    message->account_id = event.account_id;
    message->type = event.type;
    message->created = now / kSecond;
    message->data = i + 1 == targets.size() ? std::move(event.data) : event.data;
    message->data.shrink_to_fit();  // it may wait long: not the 512 bytes EventJson reserves
    messages[i] = std::move(message);
  }

  bool enqueued = false;
  {
    std::lock_guard lock(mu_);
    for (std::unique_ptr<WebhookMessage>& built : messages) {
      // Deleted or disabled since the snapshot: as if the event had come just after.
      const WebhookEndpoint* endpoint = endpoints_.Find(built->endpoint_id);
      if (!endpoint || !endpoint->enabled) continue;
      WebhookMessage& message = *built;
      message.index = messages_.size();
      message.id = MessageId(message.index);
      messages_.push_back(std::move(built));
      Health& health = health_[message.endpoint_id];
      if (health.down) {
        ParkLocked(message, health);  // no attempt while the receiver does not answer
      } else {
        ScheduleLocked(message, now);
        enqueued = true;
      }
    }
  }
  if (enqueued) wake_();
}

// --- Endpoints ----------------------------------------------------------------------------------

StatusOr<WebhookEndpoint> Webhooks::CreateEndpoint(const std::string& platform_id,
                                                   const std::string& account_id,
                                                   const Json& body) {
  if (Status s = RejectUnknownFields(body, {"url", "enabled_events", "connect", "description"});
      !s.ok()) {
    return s;
  }
  WebhookEndpoint e;
  if (!body.contains("url")) {
    return Status::InvalidRequest("parameter_missing", "Missing required param: url.", "url");
  }
  if (!body["url"].is_string()) return Invalid("url", "url must be a string");
  e.url = body["url"].get<std::string>();
  auto uri = ParseUri(e.url);
  if (!uri || (uri->scheme != "http" && uri->scheme != "https")) {
    return Invalid("url", "url must be an absolute http:// or https:// URL");
  }
  if (!uri->userinfo.empty()) {
    return Invalid("url", "url must not carry credentials (user:password@)");
  }
  if (uri->has_fragment) return Invalid("url", "url must not have a fragment");
  if (e.url.size() > 2048) return Invalid("url", "url must be at most 2048 characters");

  if (!body.contains("enabled_events")) {
    return Status::InvalidRequest("parameter_missing", "Missing required param: enabled_events.",
                                  "enabled_events");
  }
  const Json& events = body["enabled_events"];
  if (!events.is_array() || events.empty()) {
    return Invalid("enabled_events",
                   "enabled_events must be a non-empty list of event types, or [\"*\"]");
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string param = "enabled_events[" + std::to_string(i) + "]";
    if (!events[i].is_string()) return Invalid(param, param + " must be a string");
    const std::string type = events[i].get<std::string>();
    const auto& known = WebhookEventTypes();
    if (type != "*" && std::find(known.begin(), known.end(), type) == known.end()) {
      return Invalid(
          param, "unknown event type \"" + type + "\"; known: " + Join(known, ", ") + ", or \"*\"");
    }
    if (std::find(e.enabled_events.begin(), e.enabled_events.end(), type) ==
        e.enabled_events.end()) {
      e.enabled_events.push_back(type);
    }
  }
  if (body.contains("connect")) {
    if (!body["connect"].is_boolean()) return Invalid("connect", "connect must be true or false");
    e.connect = body["connect"].get<bool>();
    if (e.connect && !account_id.empty()) {
      return Invalid("connect",
                     "connect applies to platform-level endpoints (a platform key without "
                     "Chronapilot-Account); an account's endpoint gets that account's events");
    }
  }
  if (body.contains("description") && !body["description"].is_null()) {
    if (!body["description"].is_string() || body["description"].get<std::string>().size() > 1024 ||
        HasControlChars(body["description"].get<std::string>())) {
      return Invalid("description", "description must be one line of at most 1024 characters");
    }
    e.description = body["description"].get<std::string>();
  }
  e.id = NewId("we_");
  e.platform_id = platform_id;
  e.account_id = account_id;
  e.created = clock_.NowSeconds();
  e.secret = NewWebhookSecret();
  if (!IsLoopbackHost(uri->host)) {
    warn_("webhook endpoint " + e.id + " delivers to a non-loopback host: " + uri->host);
  }
  std::lock_guard lock(mu_);
  endpoints_.Insert(e);
  UpdateRoutesLocked();
  return e;
}

StatusOr<WebhookEndpoint*> Webhooks::FindOwnedLocked(const std::string& platform_id,
                                                     const std::string& account_id,
                                                     std::string_view id) {
  WebhookEndpoint* e = endpoints_.FindMutable(id);
  // Another owner's endpoint answers exactly like a missing one (AUTH-5).
  if (!e || e->platform_id != platform_id || e->account_id != account_id) {
    return EndpointNotFound(id);
  }
  return e;
}

StatusOr<Page<WebhookEndpoint>> Webhooks::ListEndpoints(const std::string& platform_id,
                                                        const std::string& account_id,
                                                        const ListParams& params) const {
  std::lock_guard lock(mu_);
  // Endpoints of every owner share one index, so a foreign cursor is refused here (AUTH-5).
  const WebhookEndpoint* cursor =
      params.starting_after.empty() ? nullptr : endpoints_.Find(params.starting_after);
  if (cursor && (cursor->platform_id != platform_id || cursor->account_id != account_id)) {
    return CursorNotInList(params.starting_after);
  }
  return PageOf<WebhookEndpoint>(endpoints_, params, [&](const WebhookEndpoint& e) {
    return e.platform_id == platform_id && e.account_id == account_id;
  });
}

StatusOr<WebhookEndpoint> Webhooks::GetEndpoint(const std::string& platform_id,
                                                const std::string& account_id,
                                                std::string_view id) const {
  std::lock_guard lock(mu_);
  const WebhookEndpoint* e = endpoints_.Find(id);
  if (!e || e->platform_id != platform_id || e->account_id != account_id) {
    return EndpointNotFound(id);
  }
  return *e;
}

StatusOr<WebhookEndpoint> Webhooks::DeleteEndpoint(const std::string& platform_id,
                                                   const std::string& account_id,
                                                   std::string_view id) {
  std::lock_guard lock(mu_);
  auto found = FindOwnedLocked(platform_id, account_id, id);
  if (!found.ok()) return found.status();
  WebhookEndpoint removed = **found;
  EndPendingLocked(removed.id, WebhookMessage::State::kCancelled, "the endpoint was deleted");
  health_.erase(removed.id);
  endpoints_.Erase(id);
  UpdateRoutesLocked();
  return removed;
}

StatusOr<WebhookEndpoint> Webhooks::RotateSecret(const std::string& platform_id,
                                                 const std::string& account_id,
                                                 std::string_view id) {
  std::lock_guard lock(mu_);
  auto found = FindOwnedLocked(platform_id, account_id, id);
  if (!found.ok()) return found.status();
  WebhookEndpoint& e = **found;
  e.previous_secret = e.secret;
  e.previous_secret_expires = clock_.NowSeconds() + kSecretRotationOverlapSeconds;
  e.secret = NewWebhookSecret();
  return e;
}

// --- Delivery bookkeeping -----------------------------------------------------------------------

void Webhooks::ScheduleLocked(WebhookMessage& message, Micros at) {
  message.state = WebhookMessage::State::kPending;
  message.parked = false;
  message.next_attempt_at = at;
  due_.emplace(at, message.index);
}

void Webhooks::ParkLocked(WebhookMessage& message, Health& health) {
  message.state = WebhookMessage::State::kPending;
  message.parked = true;
  health.parked.push_back(message.index);
}

void Webhooks::UnparkAllLocked(Health& health, Micros at) {
  for (size_t index : health.parked) {
    WebhookMessage& message = *messages_[index];
    if (message.state == WebhookMessage::State::kPending && message.parked) {
      ScheduleLocked(message, at);
    }
  }
  health.parked.clear();
}

void Webhooks::EndLocked(WebhookMessage& message, WebhookMessage::State state,
                         std::string outcome) {
  if (message.state == WebhookMessage::State::kPending && !message.parked) {
    due_.erase({message.next_attempt_at, message.index});
  }
  message.parked = false;
  message.state = state;
  message.outcome = std::move(outcome);
}

void Webhooks::EndPendingLocked(const std::string& endpoint_id, WebhookMessage::State state,
                                const std::string& outcome) {
  for (const std::unique_ptr<WebhookMessage>& message : messages_) {
    if (message->endpoint_id == endpoint_id && message->state == WebhookMessage::State::kPending) {
      EndLocked(*message, state, outcome);
    }
  }
}

std::optional<DueAttempt> Webhooks::TakeDue() {
  std::lock_guard lock(mu_);
  const Micros now = clock_.NowMicros();
  while (!due_.empty() && due_.begin()->first <= now) {
    WebhookMessage& message = *messages_[due_.begin()->second];
    due_.erase(due_.begin());
    const WebhookEndpoint* endpoint = endpoints_.Find(message.endpoint_id);
    if (!endpoint) {
      EndLocked(message, WebhookMessage::State::kCancelled, "the endpoint was deleted");
      continue;
    }
    Health& health = health_[endpoint->id];
    if (health.down) {
      // One probe at a time to a receiver that does not answer; the rest wait for its outcome.
      if (health.probing) {
        ParkLocked(message, health);
        continue;
      }
      health.probing = true;
    }
    message.state = WebhookMessage::State::kSending;
    DueAttempt attempt;
    attempt.message_id = message.id;
    attempt.id = message.id;
    attempt.request.url = endpoint->url;
    attempt.request.body = message.Body();
    attempt.request.timeout_ms = config_.timeout_ms;
    attempt.secrets.push_back(endpoint->secret);
    if (!endpoint->previous_secret.empty() &&
        clock_.NowSeconds() < endpoint->previous_secret_expires) {
      attempt.secrets.push_back(endpoint->previous_secret);
    }
    return attempt;
  }
  return std::nullopt;
}

std::optional<Micros> Webhooks::NextDue() const {
  std::lock_guard lock(mu_);
  if (due_.empty()) return std::nullopt;
  return due_.begin()->first;
}

void Webhooks::RecordAttempt(const std::string& message_id, const DeliveryAttempt& attempt,
                             const WebhookResult& result) {
  bool rescheduled = false;
  {
    std::lock_guard lock(mu_);
    WebhookMessage* found = FindMessageLocked(message_id);
    if (!found) return;
    WebhookMessage& message = *found;
    message.attempts.push_back(attempt);
    WebhookEndpoint* endpoint = endpoints_.FindMutable(message.endpoint_id);
    const bool redeliver = message.redeliver_requested;
    message.redeliver_requested = false;
    const Micros now = clock_.NowMicros();
    if (endpoint) {
      Health& health = health_[endpoint->id];
      health.probing = false;
      health.down = result.status == 0;
      // It answers again: whatever waited for it goes now.
      if (!health.down && !health.parked.empty()) {
        UnparkAllLocked(health, now);
        rescheduled = true;
      }
    }
    if (result.status >= 200 && result.status < 300) {
      message.state = WebhookMessage::State::kSucceeded;
      message.outcome.clear();
      if (redeliver && endpoint) {  // CTRL-4 asked for one more attempt while this one was out
        ScheduleLocked(message, now);
        rescheduled = true;
      }
    } else if (!endpoint) {
      message.state = WebhookMessage::State::kCancelled;
      message.outcome = "the endpoint was deleted";
    } else if (result.status == 410) {
      // HOOK-5: the receiver says it is gone for good.
      endpoint->enabled = false;
      UpdateRoutesLocked();
      message.state = WebhookMessage::State::kFailed;
      message.outcome = "the endpoint answered 410 Gone and was disabled";
      EndPendingLocked(endpoint->id, WebhookMessage::State::kCancelled,
                       "the endpoint was disabled (410)");
    } else if (redeliver) {
      ScheduleLocked(message, now);
      rescheduled = true;
    } else if (message.retries_scheduled < config_.retry_schedule.size()) {
      int64_t delay = config_.retry_schedule[message.retries_scheduled++];
      // A Retry-After on 429/503 is honoured when it asks for longer.
      if ((result.status == 429 || result.status == 503) && result.retry_after_seconds &&
          *result.retry_after_seconds > delay) {
        delay = *result.retry_after_seconds;
      }
      ScheduleLocked(message, now + delay * kSecond);
      rescheduled = true;
    } else {
      message.state = WebhookMessage::State::kFailed;
      message.outcome = "every attempt of the retry schedule failed";
      // The probe gave up: the next waiting message starts its own schedule as the new probe.
      Health& health = health_[endpoint->id];
      bool promoted = false;
      while (health.down && !health.parked.empty()) {
        WebhookMessage& next = *messages_[health.parked.front()];
        health.parked.erase(health.parked.begin());
        if (next.state != WebhookMessage::State::kPending || !next.parked) continue;
        ScheduleLocked(next, now + config_.retry_schedule.front() * kSecond);
        rescheduled = true;
        promoted = true;
        break;
      }
      // Nothing waited, so no probe is left: forget that the receiver was down, or the next
      // message would be parked for a probe that never comes (HOOK-6). It is sent at once and
      // probes by itself.
      if (!promoted) health.down = false;
    }
  }
  if (rescheduled) wake_();
}

// --- CTRL-4 -------------------------------------------------------------------------------------

std::vector<WebhookMessage> Webhooks::Deliveries(const DeliveryFilter& filter) const {
  std::lock_guard lock(mu_);
  std::vector<WebhookMessage> out;
  for (const std::unique_ptr<WebhookMessage>& message : messages_) {
    const WebhookMessage& m = *message;
    if ((!filter.endpoint_id.empty() && m.endpoint_id != filter.endpoint_id) ||
        (!filter.account_id.empty() && m.account_id != filter.account_id) ||
        (!filter.type.empty() && m.type != filter.type) ||
        (!filter.state.empty() && filter.state != StateName(m.state))) {
      continue;
    }
    out.push_back(m);
  }
  return out;
}

StatusOr<WebhookMessage> Webhooks::Redeliver(std::string_view message_id) {
  const WebhookMessage* asked = nullptr;
  {
    std::lock_guard lock(mu_);
    WebhookMessage* message = FindMessageLocked(message_id);
    if (!message) {
      return Status::NotFound("resource_missing",
                              "No such webhook message: '" + std::string(message_id) + "'", "id");
    }
    if (!endpoints_.Find(message->endpoint_id)) {
      return Status::InvalidRequest("endpoint_deleted",
                                    "the message's endpoint was deleted; nothing to deliver to");
    }
    if (message->state == WebhookMessage::State::kSending) {
      message->redeliver_requested = true;  // once the attempt in flight has been recorded
    } else {
      if (message->state == WebhookMessage::State::kPending && !message->parked) {
        due_.erase({message->next_attempt_at, message->index});
      }
      if (message->parked) {
        auto& parked = health_[message->endpoint_id].parked;
        parked.erase(std::remove(parked.begin(), parked.end(), message->index), parked.end());
      }
      message->outcome.clear();
      ScheduleLocked(*message, clock_.NowMicros());
    }
    asked = message;
  }
  wake_();
  std::lock_guard lock(mu_);
  return *asked;  // messages are never erased, so the pointer is still good
}

WebhookMessage* Webhooks::FindMessageLocked(std::string_view id) {
  const std::optional<size_t> index = MessageIndex(id);
  if (!index || *index >= messages_.size() || messages_[*index]->id != id) return nullptr;
  return messages_[*index].get();
}

}  // namespace chronapilot
