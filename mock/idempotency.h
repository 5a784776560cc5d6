// Idempotency keys of SPEC RES-6: a POST repeated with the same `Idempotency-Key` and the same
// request gets the first answer again; with a different request, 409. Keys expire after 24 h of
// virtual time and are scoped to the caller (platform and account), so two accounts may use the
// same key independently.
//
// A second request with a key whose first request is still running waits for it and then
// replays its answer, so two concurrent retries create one object.
//
// Thread safety: all state guarded by mu_; Begin() blocks on cv_ while the first request runs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace chronapilot {

constexpr int64_t kIdempotencyKeyLifetimeSeconds = 24 * 3600;

class IdempotencyStore {
 public:
  struct Response {
    int status = 0;
    std::string body;
  };
  enum class Outcome {
    kProceed,   // first use: run the request, then call Finish()
    kReplay,    // `replay` holds the first answer
    kConflict,  // the key was used for a different request
  };

  // `scope` identifies the caller, `fingerprint` the request (method, path, body).
  Outcome Begin(const std::string& scope, const std::string& key, const std::string& fingerprint,
                int64_t now, Response* replay);
  // Stores the answer of a kProceed request. `keep` false (a 5xx) forgets the key instead, so a
  // retry runs again.
  void Finish(const std::string& scope, const std::string& key, Response response, bool keep,
              int64_t now);

 private:
  struct Entry {
    std::string fingerprint;
    bool done = false;
    Response response;
    int64_t expires_at = 0;
  };
  void SweepLocked(int64_t now);

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_), by scope + key
  size_t inserts_since_sweep_ = 0;                  // GUARDED_BY(mu_)
};

}  // namespace chronapilot
