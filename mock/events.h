// Where state changes are announced (SPEC HOOK-8: event.created, account.authorized, ...), so
// that webhook delivery can hook in without the code that changes state knowing about it.
//
// Thread safety: implementations must accept Publish() from any thread. Callers never hold a
// lock of their own while publishing, so an implementation may call back into the store.
// The event is passed by value so that a sink can keep its data without copying it.
#pragma once

#include <string>

namespace chronapilot {

struct DomainEvent {
  std::string platform_id;
  std::string account_id;  // cpa_…
  std::string type;        // "account.authorized", "event.created", ...
  std::string data;        // the object as the API renders it, serialized JSON
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void Publish(DomainEvent event) = 0;
};

// Drops events. Until webhook delivery exists, nothing listens.
class DiscardEvents : public EventSink {
 public:
  void Publish(DomainEvent) override {}
};

}  // namespace chronapilot
