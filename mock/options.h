// The mock's settings (SPEC CLI-1): a struct with in-class defaults, one Validate(), and the
// command-line parser that fills it. Nothing here starts anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mock/status.h"

namespace chronapilot {

enum class LogFormat { kText, kJson };

struct Options {
  std::string host = "127.0.0.1";  // loopback only unless asked (security: a local tool)
  int port = 8765;                 // 0: any free port, printed on start
  std::string fixtures;            // empty: the built-in fixtures/default.yaml
  bool auto_consent = false;       // AUTHZ-5
  bool tls = false;                // https with a self-signed certificate made at start
  std::string issuer;              // empty: scheme + Host of each request (TOKEN-9)
  // HOOK-5 retry delays in seconds.
  std::vector<int64_t> retry_schedule = {5, 300, 1800, 7200, 18000, 36000, 36000};
  int64_t webhook_timeout_ms = 10000;  // HOOK-5: an attempt that takes longer has failed
  LogFormat log_format = LogFormat::kText;
  bool quiet = false;            // no per-request log lines
  int threads = 32;              // HTTP worker threads; each keep-alive connection holds one
  size_t journal_limit = 10000;  // CTRL-3 keeps the newest entries only

  // Every problem as one line naming the option, e.g. "--port: must be 0-65535, got 70000".
  Status Validate() const;
};

struct CommandLine {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  Options options;
};

// Parses argv[1..] (both "--port 0" and "--port=0"). Errors are one line naming the argument.
StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args);

// "5s,5m,30m,2h" or "5,300" → seconds.
StatusOr<std::vector<int64_t>> ParseRetrySchedule(const std::string& text);

std::string UsageText();

}  // namespace chronapilot
