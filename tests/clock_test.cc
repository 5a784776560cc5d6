// mock/clock.h: the virtual clock of SPEC CONV-3 with an injected wall clock, so that no test
// sleeps.
#include "mock/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace chronapilot {
namespace {

constexpr Micros kSecond = 1000000;
constexpr Micros kStart = Micros{1796634000} * kSecond;  // 2026-12-07T09:00:00Z

// A wall clock the test moves by hand.
class FakeWall {
 public:
  std::function<Micros()> Fn() {
    return [this] { return now_.load(); };
  }
  void Set(Micros now) { now_ = now; }
  void Add(Micros delta) { now_ += delta; }

 private:
  std::atomic<Micros> now_{kStart};
};

TEST(VirtualClock, FollowsTheWallClockWithoutAdvance) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  EXPECT_EQ(clock.NowMicros(), kStart);
  EXPECT_EQ(clock.NowSeconds(), 1796634000);
  wall.Add(2500);
  EXPECT_EQ(clock.NowMicros(), kStart + 2500);
  EXPECT_EQ(clock.OffsetMicros(), 0);
}

// CONV-3, CTRL-2
TEST(VirtualClock, AdvanceMovesTimeForward) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  clock.Advance(3600 * kSecond);
  EXPECT_EQ(clock.NowMicros(), kStart + 3600 * kSecond);
  EXPECT_EQ(clock.OffsetMicros(), 3600 * kSecond);
  clock.Advance(1);
  EXPECT_EQ(clock.NowMicros(), kStart + 3600 * kSecond + 1);
}

// CONV-3
TEST(VirtualClock, AdvanceAddsToRealTime) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  clock.Advance(60 * kSecond);
  wall.Add(5 * kSecond);
  EXPECT_EQ(clock.NowMicros(), kStart + 65 * kSecond);
}

// CONV-3: "it never goes back".
TEST(VirtualClock, IgnoresZeroAndNegativeAdvance) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  int calls = 0;
  clock.SetOnAdvance([&] { ++calls; });
  clock.Advance(0);
  clock.Advance(-1);
  clock.Advance(-3600 * kSecond);
  EXPECT_EQ(clock.NowMicros(), kStart);
  EXPECT_EQ(clock.OffsetMicros(), 0);
  EXPECT_EQ(calls, 0);
}

// CONV-3
TEST(VirtualClock, NeverGoesBackWhenTheWallClockStepsBack) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  wall.Add(10 * kSecond);
  const Micros seen = clock.NowMicros();
  ASSERT_EQ(seen, kStart + 10 * kSecond);
  wall.Add(-60 * kSecond);  // NTP steps the system clock back a minute
  EXPECT_EQ(clock.NowMicros(), seen);
  wall.Add(30 * kSecond);  // still behind
  EXPECT_EQ(clock.NowMicros(), seen);
  wall.Add(40 * kSecond);  // caught up and 10 s past
  EXPECT_EQ(clock.NowMicros(), seen + 10 * kSecond);
}

// CONV-3
TEST(VirtualClock, NeverGoesBackAfterAnAdvanceEither) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  clock.Advance(100 * kSecond);
  const Micros seen = clock.NowMicros();
  wall.Set(kStart - 3600 * kSecond);
  EXPECT_EQ(clock.NowMicros(), seen);
  // An advance is seen in full even while the wall clock is behind what was handed out.
  clock.Advance(7200 * kSecond);
  EXPECT_EQ(clock.NowMicros(), seen + 7200 * kSecond);
}

// CONV-3, CTRL-2: the webhook scheduler hooks in here to fire due retries.
TEST(VirtualClock, CallsOnAdvanceAfterEachAdvanceWithTheNewTime) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  std::vector<Micros> seen;
  clock.SetOnAdvance([&] { seen.push_back(clock.NowMicros()); });
  clock.Advance(5 * kSecond);
  clock.Advance(10 * kSecond);
  EXPECT_EQ(seen, (std::vector<Micros>{kStart + 5 * kSecond, kStart + 15 * kSecond}));
}

TEST(VirtualClock, AdvanceWithoutCallbackIsFine) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  clock.Advance(kSecond);
  EXPECT_EQ(clock.NowMicros(), kStart + kSecond);
}

// CONV-3 under concurrency: every reader sees a non-decreasing sequence while the wall clock
// jitters back and forth and another thread advances.
TEST(VirtualClock, StaysMonotonicAcrossThreads) {
  FakeWall wall;
  VirtualClock clock(wall.Fn());
  std::atomic<bool> stop{false};
  std::atomic<int> regressions{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      Micros last = 0;
      while (!stop) {
        const Micros now = clock.NowMicros();
        if (now < last) ++regressions;
        last = now;
      }
    });
  }
  for (int i = 0; i < 20000; ++i) {
    wall.Add(i % 2 == 0 ? 5 * kSecond : -7 * kSecond);
    if (i % 100 == 0) clock.Advance(kSecond);
  }
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(regressions.load(), 0);
}

TEST(VirtualClock, DefaultsToTheSystemClock) {
  VirtualClock clock;
  const Micros system = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  EXPECT_NEAR(double(clock.NowMicros()), double(system), 5.0 * kSecond);
  EXPECT_NEAR(double(VirtualClock::SystemMicros()), double(system), 5.0 * kSecond);
}

}  // namespace
}  // namespace chronapilot
