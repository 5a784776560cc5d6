#include "mock/log.h"

#include <cinttypes>

#include "mock/clock.h"
#include "mock/json.h"
#include "mock/time_format.h"

namespace chronapilot {
namespace {

// Wall-clock time for log lines: logs are read against other programs' logs, so they use real
// time, not the virtual clock.
std::string Timestamp() {
  const Micros now = VirtualClock::SystemMicros();
  std::string ts = FormatRfc3339(now / 1000000);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03d", int(now / 1000 % 1000));
  ts.insert(ts.size() - 1, millis);
  return ts;
}

}  // namespace

Logger::Logger(LogFormat format, bool quiet, std::FILE* out)
    : format_(format), quiet_(quiet), out_(out) {}

void Logger::LogRequest(const std::string& method, const std::string& path, int status, double ms,
                        const std::string& request_id) {
  if (quiet_) return;
  if (format_ == LogFormat::kJson) {
    Write(Json{{"time", Timestamp()},
               {"level", "info"},
               {"method", method},
               {"path", path},
               {"status", status},
               {"ms", double(int64_t(ms * 1000)) / 1000},
               {"request_id", request_id}}
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, " %d %.3fms ", status, ms);
  // A path may hold escape sequences; a log line must not reprogram the reader's terminal.
  std::string safe_path = path;
  for (char& c : safe_path) {
    if (uint8_t(c) < 0x20 || c == 0x7F) c = '?';
  }
  Write(Timestamp() + " " + method + " " + safe_path + buf + request_id);
}

void Logger::Warn(const std::string& message) {
  if (format_ == LogFormat::kJson) {
    Write(Json{{"time", Timestamp()}, {"level", "warn"}, {"message", message}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace));
    return;
  }
  Write(Timestamp() + " warning: " + message);
}

void Logger::Write(const std::string& line) {
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace chronapilot
