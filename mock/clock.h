// Time for everything that expires or is scheduled (codes, tokens, idempotency keys, webhook
// retries). SPEC CONV-3: one clock that runs with real time, can be moved forward by the control
// API, and never goes back. Tests use the same VirtualClock and advance it instead of sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace chronapilot {

// Microseconds since the Unix epoch.
using Micros = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Micros NowMicros() const = 0;
  int64_t NowSeconds() const { return NowMicros() / 1000000; }
};

// The wall clock plus a forward-only offset.
//
// Thread safety: all members are atomics; safe for concurrent use without external locking.
// NowMicros() never returns less than a value it returned before, even if the system clock steps
// back (it then stands still until the system clock catches up).
class VirtualClock : public Clock {
 public:
  // `wall` returns real Unix microseconds; injectable so tests can pin real time too.
  explicit VirtualClock(std::function<Micros()> wall = SystemMicros);

  Micros NowMicros() const override;

  // Moves virtual time forward. REQUIRES: micros >= 0.
  void Advance(Micros micros);
  Micros OffsetMicros() const { return offset_.load(); }

  // Called after every Advance(), e.g. by the webhook scheduler to fire due retries. Set once,
  // before the clock is shared between threads.
  void SetOnAdvance(std::function<void()> callback) { on_advance_ = std::move(callback); }

  static Micros SystemMicros();

 private:
  std::function<Micros()> wall_;
  std::atomic<Micros> offset_{0};
  mutable std::atomic<Micros> last_{0};
  std::function<void()> on_advance_;
};

}  // namespace chronapilot
