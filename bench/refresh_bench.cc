// The refresh-grant figure (issue target ≥ 10,000 req/s): POST /oauth/token with
// grant_type=refresh_token over keep-alive connections, each following its own token family's
// rotation (every answer's refresh_token is the one the next request sends; sending one twice
// would revoke the family, TOKEN-6). wrk cannot do this with trustworthy latency figures, hence
// this client: one thread and one httplib::Client per connection, each request timed with
// steady_clock into a per-thread vector, all merged at the end.
//
// The mock is the real binary (same as `make run` serves), started here with
// `--port 0 --quiet --auto-consent`; its port comes from the "listening on" line. Each
// connection's first refresh token comes from its own PKCE (S256) authorization-code flow for the
// public client, before the clock starts.
//
// Usage: chronapilot-bench-refresh [SECONDS=10] [CONNECTIONS=4] [MOCK_BINARY]
//   MOCK_BINARY defaults to chronapilot-mock beside this executable.
#include <httplib.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mock/crypto.h"
#include "mock/form.h"
#include "mock/json.h"
#include "mock/url.h"

using namespace chronapilot;
using Steady = std::chrono::steady_clock;

namespace {

constexpr char kClient[] = "cli_4eC39HqLyjWDarjtT1zdp7dc";
constexpr char kRedirect[] = "http://127.0.0.1/callback";
constexpr char kScope[] = "events:read events:write calendars:read webhooks:manage";

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "chronapilot-bench-refresh: %s\n", why.c_str());
  std::exit(1);
}

struct Mock {
  pid_t pid = -1;
  int port = 0;
};

// Starts `binary --port 0 --quiet --auto-consent` and reads its "listening on URL" line.
Mock StartMock(const std::string& binary) {
  int out[2];
  if (pipe(out) != 0) Die("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(binary.c_str(), binary.c_str(), "--port", "0", "--quiet", "--auto-consent",
          static_cast<char*>(nullptr));
    std::perror(binary.c_str());
    _exit(127);
  }
  close(out[1]);
  std::string line;
  char c;
  while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
  close(out[0]);  // the mock prints nothing else with --quiet
  const auto at = line.rfind(':');
  if (line.find("listening on") == std::string::npos || at == std::string::npos) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    Die("unexpected first line from " + binary + ": \"" + line + "\"");
  }
  return Mock{pid, std::atoi(line.c_str() + at + 1)};
}

void StopMock(const Mock& mock) {
  kill(mock.pid, SIGTERM);
  waitpid(mock.pid, nullptr, 0);
}

// VmRSS of `pid` in MiB (0 when unreadable).
double RssMiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024;
  }
  return 0;
}

// The value of "refresh_token" in a token answer, without a full JSON parse (the client shares
// the machine with the mock, so it should stay cheap). Tokens are base62 with a prefix.
std::optional<std::string> RefreshTokenOf(const std::string& body) {
  static constexpr char kKey[] = "\"refresh_token\":\"";
  const auto at = body.find(kKey);
  if (at == std::string::npos) return std::nullopt;
  const auto begin = at + sizeof kKey - 1;
  const auto end = body.find('"', begin);
  if (end == std::string::npos) return std::nullopt;
  return body.substr(begin, end - begin);
}

// One PKCE authorization-code flow (auto-consent): a fresh token family's refresh token.
std::string NewRefreshToken(int port) {
  httplib::Client http("127.0.0.1", port);
  http.set_url_encode(false);  // the query is form-encoded already ('+' for a space)
  const std::string verifier = Base64UrlEncode(RandomBytes(32));
  const std::string query = Form::Encode({{"client_id", kClient},
                                          {"redirect_uri", kRedirect},
                                          {"response_type", "code"},
                                          {"scope", kScope},
                                          {"state", "bench"},
                                          {"code_challenge", S256Challenge(verifier)},
                                          {"code_challenge_method", "S256"}});
  auto authorized = http.Get("/oauth/authorize?" + query);
  if (!authorized || authorized->status != 302) Die("GET /oauth/authorize did not redirect");
  const auto location = ParseUri(authorized->get_header_value("Location"));
  if (!location) Die("GET /oauth/authorize: unparsable Location");
  auto params = Form::Parse(location->query, "Location");
  const auto code = params.ok() ? params->Get("code") : std::nullopt;
  if (!code) Die("GET /oauth/authorize: no code in " + authorized->get_header_value("Location"));
  auto token = http.Post("/oauth/token",
                         Form::Encode({{"grant_type", "authorization_code"},
                                       {"code", *code},
                                       {"redirect_uri", kRedirect},
                                       {"code_verifier", verifier},
                                       {"client_id", kClient}}),
                         "application/x-www-form-urlencoded");
  if (!token || token->status != 200) Die("the authorization-code grant failed");
  auto refresh = RefreshTokenOf(token->body);
  if (!refresh) Die("the authorization-code grant answered no refresh_token");
  return *refresh;
}

struct PerConnection {
  std::vector<double> micros;  // one per request, successful or not
  long errors = 0;             // non-200 answers and transport failures
  long regrants = 0;           // families restarted after an error
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, size_t(p * double(sorted.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const double seconds = argc > 1 ? std::atof(argv[1]) : 10;
  const int connections = argc > 2 ? std::atoi(argv[2]) : 4;
  std::string binary;
  if (argc > 3) {
    binary = argv[3];
  } else {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) Die("cannot locate this executable; pass MOCK_BINARY");
    binary = std::string(self, size_t(n));
    binary = binary.substr(0, binary.rfind('/') + 1) + "chronapilot-mock";
  }
  if (seconds <= 0 || connections < 1) {
    std::fprintf(stderr, "usage: %s [SECONDS=10] [CONNECTIONS=4] [MOCK_BINARY]\n", argv[0]);
    return 2;
  }

  const Mock mock = StartMock(binary);  // before any thread: fork in a single-threaded process
  std::vector<std::string> tokens;
  for (int i = 0; i < connections; ++i) tokens.push_back(NewRefreshToken(mock.port));
  const double rss_before = RssMiB(mock.pid);

  std::vector<PerConnection> results(static_cast<size_t>(connections));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Steady::time_point until;
  std::vector<std::thread> threads;
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&, i] {
      PerConnection& r = results[size_t(i)];
      r.micros.reserve(size_t(seconds * 50000 / connections) + 1024);
      std::string token = tokens[size_t(i)];
      httplib::Client http("127.0.0.1", mock.port);
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);
      ++ready;
      while (!go) std::this_thread::yield();
      std::string body;
      for (;;) {
        const auto sent = Steady::now();
        if (sent >= until) break;
        body = "grant_type=refresh_token&client_id=";
        body += kClient;
        body += "&refresh_token=";
        body += PercentEncode(token);
        auto res = http.Post("/oauth/token", body, "application/x-www-form-urlencoded");
        const auto answered = Steady::now();
        r.micros.push_back(std::chrono::duration<double, std::micro>(answered - sent).count());
        std::optional<std::string> next;
        if (res && res->status == 200) next = RefreshTokenOf(res->body);
        if (next) {
          token = std::move(*next);
        } else {
          // The family may be revoked now; carry on with a new one (not timed).
          ++r.errors;
          ++r.regrants;
          token = NewRefreshToken(mock.port);
        }
      }
    });
  }
  while (ready < connections) std::this_thread::yield();
  const auto start = Steady::now();
  until =
      start + std::chrono::duration_cast<Steady::duration>(std::chrono::duration<double>(seconds));
  go = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  const double rss_after = RssMiB(mock.pid);
  StopMock(mock);

  std::vector<double> all;
  long errors = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.micros.begin(), r.micros.end());
    errors += r.errors;
  }
  std::sort(all.begin(), all.end());
  std::printf("refresh grant, %d connections, %.1f s: %zu requests, %ld errors, %.0f req/s\n",
              connections, elapsed, all.size(), errors, double(all.size()) / elapsed);
  std::printf("  latency: p50 %.0f µs, p90 %.0f µs, p99 %.0f µs, p99.9 %.0f µs, max %.0f µs\n",
              Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99),
              Percentile(all, 0.999), all.empty() ? 0 : all.back());
  std::printf("  mock RSS: %.1f MiB before the run, %.1f MiB after it\n", rss_before, rss_after);
  return errors == 0 ? 0 : 1;
}
