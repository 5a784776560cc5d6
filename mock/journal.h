// The request journal of SPEC CTRL-3: what clients sent and what the mock answered, so that the
// conformance harness and tests can judge a client by its traffic (a code_challenge_method,
// Basic credentials, a header). Unlike logs it keeps secrets: it is the evidence.
// Control-plane requests (/_mock/*, /healthz) are not journaled.
//
// Thread safety: all members guarded by mu_; safe for concurrent use.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mock/http.h"
#include "mock/json.h"

namespace chronapilot {

// What one entry may hold of the bodies: the journal must stay small under load tests.
constexpr size_t kJournalMaxRequestBody = 64 * 1024;
constexpr size_t kJournalMaxResponseBody = 1024;
constexpr size_t kJournalMaxBytes = 16 * 1024 * 1024;

struct JournalEntry {
  uint64_t seq = 0;     // 1, 2, ... in arrival order; never reused, even after Clear()
  int64_t time = 0;     // virtual clock, Unix seconds, when answered
  int64_t time_ms = 0;  // virtual clock, Unix milliseconds, when received (e.g. Retry-After gaps)
  std::string request_id;
  std::string method;
  std::string path;
  std::string query;
  HeaderList headers;
  std::string body;  // the first kJournalMaxRequestBody bytes
  bool body_truncated = false;
  int status = 0;
  std::string response_body;  // the first kJournalMaxResponseBody bytes
  double duration_ms = 0;

  Json ToJson() const;
  size_t ByteSize() const;
};

struct JournalFilter {
  std::string method;       // exact, "" = any
  std::string path;         // exact
  std::string path_prefix;  // e.g. "/oauth/"
  uint64_t after_seq = 0;   // only entries with seq > after_seq
  size_t limit = 0;         // the newest `limit` matches; 0 = all
};

class Journal {
 public:
  // Keeps the newest `capacity` entries and at most kJournalMaxBytes (older ones are dropped,
  // oldest first).
  explicit Journal(size_t capacity);

  void Record(JournalEntry entry);  // assigns seq; truncates the bodies
  std::vector<JournalEntry> Find(const JournalFilter& filter) const;
  size_t Clear();  // returns how many entries it removed

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<JournalEntry> entries_;  // GUARDED_BY(mu_)
  size_t bytes_ = 0;                  // GUARDED_BY(mu_) sum of entries_' ByteSize()
  uint64_t next_seq_ = 1;             // GUARDED_BY(mu_)
};

}  // namespace chronapilot
