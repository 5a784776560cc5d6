// The mock's log on stderr (SPEC CLI-3): one line per request (method, path, status, ms,
// request id) as text or JSON lines, and warnings. Logs never carry secrets (CONV-5): no
// headers, no bodies, no query strings; a secret that must be named goes through MaskSecret().
//
// Thread safety: Log*() may be called from any thread; mu_ serializes writes so lines never
// interleave.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "mock/options.h"

namespace chronapilot {

class Logger {
 public:
  Logger(LogFormat format, bool quiet, std::FILE* out = stderr);

  void LogRequest(const std::string& method, const std::string& path, int status, double ms,
                  const std::string& request_id);
  void Warn(const std::string& message);

 private:
  void Write(const std::string& line);

  const LogFormat format_;
  const bool quiet_;
  std::FILE* const out_;
  std::mutex mu_;
};

}  // namespace chronapilot
