#include "mock/webhook_delivery.h"

#include "mock/webhook_signature.h"

namespace chronapilot {

WebhookDelivery::WebhookDelivery(const Clock& clock, WebhookSender& sender,
                                 std::function<std::shared_ptr<Webhooks>()> current, size_t threads)
    : clock_(clock), sender_(sender), current_(std::move(current)) {
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WebhookDelivery::~WebhookDelivery() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void WebhookDelivery::Wake() {
  {
    std::lock_guard lock(mu_);
    ++generation_;
  }
  cv_.notify_one();  // not all: a burst of events must not wake every thread for each one
}

void WebhookDelivery::WakeAll() {
  {
    std::lock_guard lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
}

void WebhookDelivery::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const uint64_t seen = generation_;
    lock.unlock();
    std::shared_ptr<Webhooks> webhooks = current_();
    std::optional<DueAttempt> attempt = webhooks ? webhooks->TakeDue() : std::nullopt;
    if (attempt) {
      // More due already? Another thread takes it while this one sends.
      const std::optional<Micros> next = webhooks->NextDue();
      if (next && *next <= clock_.NowMicros()) Wake();
      Deliver(*webhooks, std::move(*attempt));
      lock.lock();
      continue;
    }
    const std::optional<Micros> next = webhooks ? webhooks->NextDue() : std::nullopt;
    lock.lock();
    auto woken = [&] { return stopping_ || generation_ != seen; };
    if (!next) {
      cv_.wait(lock, woken);
    } else {
      // The virtual clock runs at real speed between advances, so the wait is real time.
      const Micros wait = std::max<Micros>(0, *next - clock_.NowMicros());
      cv_.wait_for(lock, std::chrono::microseconds(wait), woken);
    }
  }
}

void WebhookDelivery::Deliver(Webhooks& webhooks, DueAttempt due) {
  DeliveryAttempt attempt;
  attempt.time = clock_.NowSeconds();
  // HOOK-4: the real wall clock, so that receivers' replay tolerance works after an advance.
  attempt.timestamp = VirtualClock::SystemMicros() / 1000000;
  for (const std::string& secret : due.secrets) {
    if (!attempt.signature.empty()) attempt.signature += ' ';
    attempt.signature += SignWebhook(secret, due.id, attempt.timestamp, due.request.body);
  }
  due.request.headers = {{"webhook-id", due.id},
                         {"webhook-timestamp", std::to_string(attempt.timestamp)},
                         {"webhook-signature", attempt.signature},
                         {"User-Agent", "chronapilot-mock-webhooks"}};
  const WebhookResult result = sender_.Send(due.request);
  attempt.status = result.status;
  attempt.duration_ms = result.duration_ms;
  attempt.error = result.error;
  webhooks.RecordAttempt(due.message_id, attempt, result);
}

}  // namespace chronapilot
