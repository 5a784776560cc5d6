#include "mock/idempotency.h"

namespace chronapilot {
namespace {

std::string EntryKey(const std::string& scope, const std::string& key) {
  return scope + '\n' + key;
}

}  // namespace

IdempotencyStore::Outcome IdempotencyStore::Begin(const std::string& scope, const std::string& key,
                                                  const std::string& fingerprint, int64_t now,
                                                  Response* replay) {
  const std::string id = EntryKey(scope, key);
  std::unique_lock lock(mu_);
  while (true) {
    auto it = entries_.find(id);
    if (it == entries_.end() || (it->second.done && now >= it->second.expires_at)) {
      if (++inserts_since_sweep_ >= 1024) SweepLocked(now);
      entries_[id] = Entry{fingerprint, false, {}, 0};
      return Outcome::kProceed;
    }
    Entry& entry = it->second;
    if (entry.fingerprint != fingerprint) return Outcome::kConflict;
    if (entry.done) {
      *replay = entry.response;
      return Outcome::kReplay;
    }
    cv_.wait(lock);  // the first request with this key is still running
  }
}

void IdempotencyStore::Finish(const std::string& scope, const std::string& key, Response response,
                              bool keep, int64_t now) {
  const std::string id = EntryKey(scope, key);
  {
    std::lock_guard lock(mu_);
    if (!keep) {
      entries_.erase(id);
    } else {
      Entry& entry = entries_[id];
      entry.done = true;
      entry.response = std::move(response);
      entry.expires_at = now + kIdempotencyKeyLifetimeSeconds;
    }
  }
  cv_.notify_all();
}

void IdempotencyStore::SweepLocked(int64_t now) {
  inserts_since_sweep_ = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.done && now >= it->second.expires_at ? entries_.erase(it) : std::next(it);
  }
}

}  // namespace chronapilot
