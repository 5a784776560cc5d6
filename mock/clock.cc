#include "mock/clock.h"

namespace chronapilot {

VirtualClock::VirtualClock(std::function<Micros()> wall) : wall_(std::move(wall)) {}

Micros VirtualClock::SystemMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Micros VirtualClock::NowMicros() const {
  Micros now = wall_() + offset_.load();
  // Never go back: publish the maximum seen so far.
  Micros last = last_.load();
  while (now > last && !last_.compare_exchange_weak(last, now)) {
  }
  return now > last ? now : last;
}

void VirtualClock::Advance(Micros micros) {
  if (micros <= 0) return;
  offset_.fetch_add(micros);
  // Also move the floor, so that an advance is seen in full even while the system clock is
  // behind a value already handed out (it stepped back).
  last_.fetch_add(micros);
  if (on_advance_) on_advance_();
}

}  // namespace chronapilot
