// The adapter between the conformance harness and the reference SDK (SPEC HARN-2, HARN-3): it
// turns one JSON Lines request into one SDK call and the SDK's Result into one response line.
//
//   harness ──{"id":7,"op":"list_events","args":{"auth":{"mode":"oauth"}}}──▶ Adapter::HandleLine
//                                                                               │ ConnectClient
//   harness ◀──{"id":7,"ok":true,"result":{"data":[…],"has_more":false}}──────┘
//
// Errors: {"ok":false,"error":{"code","message","status"?}}; `status` only when the error came
// from an HTTP answer. Unknown ops answer code "unsupported"; malformed arguments "invalid_args".
// adapter_main.cc owns stdin/stdout; this class never touches them, so tests drive it directly.
//
// Thread safety: not thread-safe; the adapter is single-threaded.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "harness/reference_client/defects.h"
#include "harness/reference_client/result.h"
#include "harness/reference_client/sdk.h"
#include "mock/json.h"

namespace chronapilot::sdk {

inline constexpr int kProtocolVersion = 1;

struct AdapterOptions {
  Defects defects;
  std::FILE* log = stderr;  // diagnostics; nullptr: silent
  // The real wall clock in Unix seconds, for webhook timestamps. Default: the system clock.
  std::function<int64_t()> wall_seconds;
  // Passed on to the SDK (tests shorten waits with it). Default: really sleep.
  std::function<void(int64_t millis)> sleep;
};

class Adapter {
 public:
  explicit Adapter(AdapterOptions options = AdapterOptions());
  ~Adapter();

  // One request line in, one response line out (without the newline). Never throws.
  std::string HandleLine(const std::string& line);
  // The same on parsed JSON: {"id", "op", "args"} → {"id", "ok", "result" | "error"}.
  Json Handle(const Json& request);

 private:
  Result<Json> Dispatch(const std::string& op, const Json& args);
  Result<Json> Configure(const Json& args);
  Result<Json> VerifyWebhookOp(const Json& args) const;

  AdapterOptions options_;
  std::unique_ptr<ConnectClient> client_;  // null until `configure`
};

}  // namespace chronapilot::sdk
