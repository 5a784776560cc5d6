#include "mock/options.h"

#include <cerrno>
#include <cstdlib>

#include "mock/text.h"
#include "mock/url.h"

namespace chronapilot {
namespace {

Status Bad(const std::string& flag, const std::string& message) {
  return Status::InvalidRequest("invalid_argument", flag + ": " + message);
}

bool ParseInt(const std::string& text, int64_t& out) {
  auto value = ParseDecimal(text);
  if (value) out = *value;
  return value.has_value();
}

}  // namespace

Status Options::Validate() const {
  if (host.empty()) return Bad("--host", "must not be empty");
  if (port < 0 || port > 65535)
    return Bad("--port", "must be 0-65535, got " + std::to_string(port));
  if (!issuer.empty()) {
    auto uri = ParseUri(issuer);
    if (!uri || (uri->scheme != "http" && uri->scheme != "https") || uri->has_query ||
        uri->has_fragment || !uri->userinfo.empty()) {
      return Bad("--issuer",
                 "must be an http(s) URL without query or fragment, got \"" + issuer + "\"");
    }
    if (issuer.back() == '/') return Bad("--issuer", "must not end with '/' (RFC 8414 §2)");
  }
  if (retry_schedule.empty() || retry_schedule.size() > 50) {
    return Bad("--retry-schedule", "list 1 to 50 delays");
  }
  for (int64_t delay : retry_schedule) {
    if (delay <= 0 || delay > 30 * 86400) {
      return Bad("--retry-schedule", "each delay must be 1s to 30d");
    }
  }
  if (threads < 2 || threads > 1024) return Bad("--threads", "must be 2-1024");
  if (webhook_timeout_ms < 1 || webhook_timeout_ms > 300000) {
    return Bad("--webhook-timeout", "must be 0.001 to 300 seconds");
  }
  return Status();
}

StatusOr<std::vector<int64_t>> ParseRetrySchedule(const std::string& text) {
  std::vector<int64_t> out;
  for (std::string item : Split(text, ',')) {
    item = std::string(Trim(item));
    int64_t unit = 1;
    if (!item.empty()) {
      switch (item.back()) {
        case 's':
          unit = 1;
          item.pop_back();
          break;
        case 'm':
          unit = 60;
          item.pop_back();
          break;
        case 'h':
          unit = 3600;
          item.pop_back();
          break;
        case 'd':
          unit = 86400;
          item.pop_back();
          break;
        default:
          break;
      }
    }
    int64_t n;
    if (!ParseInt(item, n)) {
      return Bad("--retry-schedule", "expected delays like 5s,5m,30m,2h, got \"" + text + "\"");
    }
    out.push_back(n * unit);
  }
  return out;
}

StatusOr<CommandLine> ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine cl;
  Options& o = cl.options;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline_value = false;
    if (const size_t eq = flag.find('='); StartsWith(flag, "--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline_value = true;
    }
    auto take = [&](std::string& out) -> Status {
      if (has_inline_value) {
        out = value;
      } else if (i + 1 < args.size()) {
        out = args[++i];
      } else {
        return Bad(flag, "needs a value");
      }
      return Status();
    };
    auto no_value = [&]() -> Status {
      return has_inline_value ? Bad(flag, "takes no value") : Status();
    };
    auto take_int = [&](int64_t lo, int64_t hi, int64_t& out) -> Status {
      std::string text;
      if (Status s = take(text); !s.ok()) return s;
      if (!ParseInt(text, out) || out < lo || out > hi) {
        return Bad(flag, "expected a number from " + std::to_string(lo) + " to " +
                             std::to_string(hi) + ", got \"" + text + "\"");
      }
      return Status();
    };

    Status s;
    int64_t n = 0;
    if (flag == "--help" || flag == "-h") {
      cl.action = CommandLine::Action::kHelp;
    } else if (flag == "--version") {
      cl.action = CommandLine::Action::kVersion;
    } else if (flag == "--host") {
      s = take(o.host);
    } else if (flag == "--port") {
      s = take_int(0, 65535, n);
      o.port = int(n);
    } else if (flag == "--fixtures") {
      s = take(o.fixtures);
      if (s.ok() && o.fixtures.empty()) s = Bad(flag, "needs a file name");
    } else if (flag == "--auto-consent") {
      s = no_value();
      o.auto_consent = true;
    } else if (flag == "--tls") {
      s = no_value();
      o.tls = true;
    } else if (flag == "--issuer") {
      s = take(o.issuer);
    } else if (flag == "--retry-schedule") {
      std::string text;
      s = take(text);
      if (s.ok()) {
        auto schedule = ParseRetrySchedule(text);
        if (schedule.ok()) o.retry_schedule = *schedule;
        s = schedule.status();
      }
    } else if (flag == "--log-format") {
      std::string text;
      s = take(text);
      if (s.ok() && text == "text") {
        o.log_format = LogFormat::kText;
      } else if (s.ok() && text == "json") {
        o.log_format = LogFormat::kJson;
      } else if (s.ok()) {
        s = Bad(flag, "must be text or json, got \"" + text + "\"");
      }
    } else if (flag == "--quiet") {
      s = no_value();
      o.quiet = true;
    } else if (flag == "--webhook-timeout") {
      s = take_int(1, 300, n);
      o.webhook_timeout_ms = n * 1000;
    } else if (flag == "--threads") {
      s = take_int(2, 1024, n);
      o.threads = int(n);
    } else {
      s = Bad(flag, "unknown argument (see --help)");
    }
    if (!s.ok()) return s;
  }
  if (cl.action == CommandLine::Action::kRun) {
    if (Status s = o.Validate(); !s.ok()) return s;
  }
  return cl;
}

std::string UsageText() {
  return R"(usage: chronapilot-mock [options]

A local, stateful emulation of the ChronaPilot Connect API (OAuth, /v1, webhooks) with a
control API under /_mock for tests.

  --host H               address to bind (default 127.0.0.1; loopback only unless you ask)
  --port N               port to bind (default 8765; 0 picks a free one, printed on start)
  --fixtures FILE        YAML world to start from (default: the built-in fixtures/default.yaml)
  --auto-consent         /oauth/authorize approves at once for login_hint (default alice@example.com)
  --tls                  serve https with a self-signed certificate made at start (path printed)
  --issuer URL           the OAuth issuer (default: scheme and Host of each request)
  --retry-schedule LIST  webhook retry delays (default 5s,5m,30m,2h,5h,10h,10h), on the
                         virtual clock: advancing it fires due retries
  --webhook-timeout SEC  a webhook attempt that takes longer has failed (default 10)
  --log-format FMT       text (default) or json: one line per request on stderr
  --quiet                no per-request log lines
  --threads N            HTTP worker threads (default 32); each keep-alive connection holds one
  --help, --version

Exit status: 0 after SIGINT/SIGTERM, 2 on bad arguments or a bad fixture file.
)";
}

}  // namespace chronapilot
