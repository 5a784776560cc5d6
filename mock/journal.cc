#include "mock/journal.h"

#include "mock/text.h"

namespace chronapilot {

Json JournalEntry::ToJson() const {
  Json h = Json::array();
  for (const auto& [name, value] : headers) h.push_back(Json::array({name, value}));
  return Json{{"seq", seq},
              {"time", time},
              {"time_ms", time_ms},
              {"request_id", request_id},
              {"method", method},
              {"path", path},
              {"query", query},
              {"headers", h},
              {"body", body},
              {"body_truncated", body_truncated},
              {"status", status},
              {"response_body", response_body},
              {"duration_ms", duration_ms}};
}

size_t JournalEntry::ByteSize() const {
  // Capacities, not sizes: what the entry really holds on the heap.
  size_t n = sizeof(JournalEntry) + request_id.capacity() + method.capacity() + path.capacity() +
             query.capacity() + body.capacity() + response_body.capacity();
  for (const auto& [k, v] : headers) n += k.size() + v.size() + 64;
  return n;
}

Journal::Journal(size_t capacity) : capacity_(capacity) {}

void Journal::Record(JournalEntry entry) {
  // substr, not resize: a string cut down in place keeps its whole allocation.
  if (entry.body.size() > kJournalMaxRequestBody) {
    entry.body = entry.body.substr(0, kJournalMaxRequestBody);
    entry.body_truncated = true;
  }
  if (entry.response_body.size() > kJournalMaxResponseBody) {
    entry.response_body = entry.response_body.substr(0, kJournalMaxResponseBody);
  }
  const size_t size = entry.ByteSize();
  std::lock_guard lock(mu_);
  entry.seq = next_seq_++;
  if (capacity_ == 0) return;
  while (!entries_.empty() && (entries_.size() >= capacity_ || bytes_ + size > kJournalMaxBytes)) {
    bytes_ -= entries_.front().ByteSize();
    entries_.pop_front();
  }
  bytes_ += size;
  entries_.push_back(std::move(entry));
}

std::vector<JournalEntry> Journal::Find(const JournalFilter& filter) const {
  std::lock_guard lock(mu_);
  std::vector<JournalEntry> out;
  for (const JournalEntry& e : entries_) {
    if (e.seq <= filter.after_seq) continue;
    if (!filter.method.empty() && e.method != filter.method) continue;
    if (!filter.path.empty() && e.path != filter.path) continue;
    if (!filter.path_prefix.empty() && !StartsWith(e.path, filter.path_prefix)) continue;
    out.push_back(e);
  }
  if (filter.limit > 0 && out.size() > filter.limit) {
    out.erase(out.begin(), out.end() - long(filter.limit));
  }
  return out;
}

size_t Journal::Clear() {
  std::lock_guard lock(mu_);
  const size_t n = entries_.size();
  entries_.clear();
  bytes_ = 0;
  return n;
}

}  // namespace chronapilot
