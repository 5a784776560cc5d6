// Webhooks (SPEC §6): the endpoints platforms register, the routing of every state change to
// the endpoints that asked for it (the seed's Connect rule: the account's own endpoints plus the
// platform's `connect` endpoints), and each message's delivery schedule and attempt history.
// Sending is not done here: WebhookDelivery (webhook_delivery.h) takes due attempts, sends them
// outside any lock, and reports back.
//
//   state change ─Publish()─▶ route ─▶ one message per endpoint ─▶ due queue
//   WebhookDelivery threads: TakeDue() ─▶ sign + POST ─▶ RecordAttempt() ─▶ done | retry | failed
//
// A receiver that does not answer at all (connection refused, timeout) is *down*: until one of
// its messages, the probe, gets an HTTP answer on its own retry schedule, the endpoint's other
// messages wait without attempts, and all of them go as soon as it answers. So a receiver that is
// down costs one attempt per retry step, not one per event, and never slows the API (HOOK-5);
// every message still waits in memory and is delivered at least once (HOOK-6).
//
// Thread safety: every member is guarded by mu_, except routes_, a snapshot of the enabled
// endpoints that is replaced under mu_ and read with std::atomic_load. Publish() only enqueues,
// so it never blocks the API request that caused the event (HOOK-5). `wake` is called without
// mu_ held.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mock/clock.h"
#include "mock/events.h"
#include "mock/http.h"
#include "mock/json.h"
#include "mock/ordered_index.h"
#include "mock/page.h"
#include "mock/status.h"
#include "mock/webhook_sender.h"

namespace chronapilot {

// HOOK-8
const std::vector<std::string>& WebhookEventTypes();

constexpr int64_t kSecretRotationOverlapSeconds = 24 * 3600;  // HOOK-4

struct WebhookConfig {
  std::vector<int64_t> retry_schedule = {5, 300, 1800, 7200, 18000, 36000, 36000};  // seconds
  int64_t timeout_ms = 10000;
};

struct WebhookEndpoint {
  std::string id;  // we_…
  std::string platform_id;
  std::string account_id;  // "" for a platform-level endpoint
  std::string url;
  std::vector<std::string> enabled_events;  // types, or {"*"}
  bool connect = false;                     // platform-level: also every connected account's events
  std::string description;
  bool enabled = true;  // false once a receiver answered 410 Gone
  int64_t created = 0;
  std::string secret;
  std::string previous_secret;  // during a rotation, until previous_secret_expires
  int64_t previous_secret_expires = 0;

  bool Wants(const std::string& type) const;
  Json ToJson() const;  // the API object; never the secret
};

struct DeliveryAttempt {
  int64_t time = 0;       // virtual clock, Unix seconds
  int64_t timestamp = 0;  // the webhook-timestamp sent (real wall clock)
  std::string signature;  // the webhook-signature header sent
  int status = 0;         // 0: no HTTP answer
  double duration_ms = 0;
  std::string error;
};

struct WebhookMessage {
  enum class State { kPending, kSending, kSucceeded, kFailed, kCancelled };
  std::string id;  // msg_…, the webhook-id of every attempt; see MessageId() in webhooks.cc
  std::string endpoint_id;
  std::string platform_id;
  std::string account_id;
  std::string type;
  int64_t created = 0;
  std::string data;  // the object's JSON when it changed (HOOK-3 `data`)
  size_t index = 0;  // its place in creation order
  State state = State::kPending;
  std::vector<DeliveryAttempt> attempts;
  size_t retries_scheduled = 0;      // how many entries of the retry schedule have been used
  Micros next_attempt_at = 0;        // virtual clock; meaningful while kPending and not parked
  bool parked = false;               // kPending, waiting for its endpoint to answer again
  bool redeliver_requested = false;  // CTRL-4 asked for an attempt while one was in flight
  std::string outcome;               // why it ended (failed, cancelled)

  // HOOK-3: the payload, made of fields fixed at creation, so every attempt sends the same bytes.
  std::string Body() const;
  Json ToJson() const;
};

// One attempt to make, handed to a delivery thread.
struct DueAttempt {
  std::string message_id;
  WebhookRequest request;            // headers are filled in at sending time (fresh timestamp)
  std::string id;                    // webhook-id
  std::vector<std::string> secrets;  // current first; two during a rotation
};

struct DeliveryFilter {
  std::string endpoint_id;
  std::string account_id;
  std::string type;
  std::string state;  // "pending" | "sending" | "succeeded" | "failed" | "cancelled" | ""
};

class Webhooks : public EventSink {
 public:
  // `wake` tells the delivery threads that something became due; `warn` logs a warning.
  Webhooks(WebhookConfig config, const Clock& clock, std::function<void()> wake,
           std::function<void(const std::string&)> warn);

  // HOOK-2, HOOK-7: routes `event` to every matching endpoint. Never blocks on delivery.
  void Publish(DomainEvent event) override;

  // HOOK-1. `account_id` is "" for a platform-level endpoint. Returns the endpoint with its secret.
  StatusOr<WebhookEndpoint> CreateEndpoint(const std::string& platform_id,
                                           const std::string& account_id, const Json& body);
  // The endpoints the caller registered: an account's, or the platform level's.
  StatusOr<Page<WebhookEndpoint>> ListEndpoints(const std::string& platform_id,
                                                const std::string& account_id,
                                                const ListParams& params) const;
  StatusOr<WebhookEndpoint> GetEndpoint(const std::string& platform_id,
                                        const std::string& account_id, std::string_view id) const;
  // Deleting cancels the endpoint's pending messages (recorded as cancelled, never lost silently).
  StatusOr<WebhookEndpoint> DeleteEndpoint(const std::string& platform_id,
                                           const std::string& account_id, std::string_view id);
  // HOOK-4: a new secret; the old one keeps signing alongside it for 24 h.
  StatusOr<WebhookEndpoint> RotateSecret(const std::string& platform_id,
                                         const std::string& account_id, std::string_view id);

  // For the delivery threads.
  std::optional<DueAttempt> TakeDue();
  std::optional<Micros> NextDue() const;
  void RecordAttempt(const std::string& message_id, const DeliveryAttempt& attempt,
                     const WebhookResult& result);

  // CTRL-4
  std::vector<WebhookMessage> Deliveries(const DeliveryFilter& filter) const;
  StatusOr<WebhookMessage> Redeliver(std::string_view message_id);

 private:
  StatusOr<WebhookEndpoint*> FindOwnedLocked(const std::string& platform_id,
                                             const std::string& account_id, std::string_view id);
  WebhookMessage* FindMessageLocked(std::string_view id);  // nullptr if there is none
  // After any change to which endpoints exist or are enabled.
  void UpdateRoutesLocked();

  // Whether a receiver answers, and the messages waiting for it while it does not.
  struct Health {
    bool down = false;           // the last attempt got no HTTP answer
    bool probing = false;        // an attempt to it is in flight while it is down
    std::vector<size_t> parked;  // indexes into messages_
  };

  void ScheduleLocked(WebhookMessage& message, Micros at);
  void ParkLocked(WebhookMessage& message, Health& health);
  void UnparkAllLocked(Health& health, Micros at);
  void EndLocked(WebhookMessage& message, WebhookMessage::State state, std::string outcome);
  // Ends every pending message of `endpoint_id`, parked ones included.
  void EndPendingLocked(const std::string& endpoint_id, WebhookMessage::State state,
                        const std::string& outcome);

  const WebhookConfig config_;
  const Clock& clock_;
  const std::function<void()> wake_;
  const std::function<void(const std::string&)> warn_;

  mutable std::mutex mu_;
  OrderedIndex<WebhookEndpoint> endpoints_;  // GUARDED_BY(mu_), deleted ones removed
  // GUARDED_BY(mu_): every message in creation order (CTRL-4), never erased while the world
  // lives, so a message's index and address stay valid. Its id carries its index, so no map
  // from ids is needed.
  std::vector<std::unique_ptr<WebhookMessage>> messages_;
  // GUARDED_BY(mu_): pending attempts by time, then creation order (message index).
  std::set<std::pair<Micros, size_t>> due_;
  std::unordered_map<std::string, Health> health_;  // GUARDED_BY(mu_), by endpoint id
  // What Publish() routes by, without mu_: the enabled endpoints, copied whenever one is
  // created, deleted or disabled (rare), never null. Publish re-checks its targets under mu_.
  std::shared_ptr<const std::vector<WebhookEndpoint>> routes_;
};

}  // namespace chronapilot
