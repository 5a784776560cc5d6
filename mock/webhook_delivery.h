// The webhook delivery threads (SPEC HOOK-5): they take due attempts from the current world's
// Webhooks, sign them with a fresh timestamp (HOOK-4), send them through the WebhookSender and
// record the outcome. Several threads, so that one receiver that hangs until the timeout does
// not hold up the others. Due times are on the virtual clock: Wake() (called on new messages and
// on every clock advance) makes the threads look again.
//
// Thread safety: mu_ guards generation_ and stopping_; the threads hold a shared_ptr to the
// Webhooks they work on, so a reset that replaces the world never frees it under them.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mock/clock.h"
#include "mock/webhook_sender.h"
#include "mock/webhooks.h"

namespace chronapilot {

class WebhookDelivery {
 public:
  // `current` returns the Webhooks of the current world.
  WebhookDelivery(const Clock& clock, WebhookSender& sender,
                  std::function<std::shared_ptr<Webhooks>()> current, size_t threads = 8);
  ~WebhookDelivery();  // stops and joins the threads (an attempt in flight finishes first)

  // Something became due: one thread looks (and wakes another if there is more).
  void Wake();
  // Every thread looks again: the clock moved or the world was replaced.
  void WakeAll();

 private:
  void Run();
  void Deliver(Webhooks& webhooks, DueAttempt attempt);

  const Clock& clock_;
  WebhookSender& sender_;
  const std::function<std::shared_ptr<Webhooks>()> current_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t generation_ = 0;  // GUARDED_BY(mu_), bumped by Wake()
  bool stopping_ = false;    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace chronapilot
