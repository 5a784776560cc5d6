// Injected faults of SPEC CTRL-5: the next matching client requests get a chosen answer (a 429
// with Retry-After, a 503), a delay, or a dropped connection, so that SDKs can be tested for
// retries and back-off. Faults apply to client traffic only, never to /_mock or /healthz.
//
// Thread safety: all state guarded by mu_; Take() is atomic, so with `times: 1` exactly one
// request gets the fault however many arrive at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mock/http.h"
#include "mock/json.h"
#include "mock/status.h"

namespace chronapilot {

struct Fault {
  uint64_t id = 0;
  std::string method;         // "" = any
  std::string path;           // exact, or a prefix when it ends with '*'; "" = any
  std::optional<int> status;  // none: only delay (then the request is served normally)
  HeaderList headers;
  std::string body;  // the answer's body (JSON unless `headers` name another type)
  int64_t delay_ms = 0;
  bool drop_connection = false;
  int64_t remaining = 1;  // how many requests still get it

  bool Matches(const std::string& method, const std::string& path) const;
  Json ToJson() const;
  // Parses the body of POST /_mock/faults; errors name the field.
  static StatusOr<Fault> FromJson(const Json& body);
};

class FaultInjector {
 public:
  uint64_t Add(Fault fault);
  // The fault the request gets, if any; counts it against `times`.
  std::optional<Fault> Take(const std::string& method, const std::string& path);
  std::vector<Fault> List() const;
  size_t Clear();

 private:
  mutable std::mutex mu_;
  std::vector<Fault> faults_;  // GUARDED_BY(mu_), in the order added; the first match wins
  uint64_t next_id_ = 1;       // GUARDED_BY(mu_)
};

}  // namespace chronapilot
