// The chronapilot-mock binary as users run it (SPEC §8): a child process on `--port 0`, its
// start-up line, its log on stderr, its exit codes, TLS, and a clean stop on SIGTERM/SIGINT.
//
//   this test ──posix_spawn──▶ chronapilot-mock --port 0 ...
//        ▲  stdout pipe: "chronapilot-mock listening on http://127.0.0.1:PORT"
//        └─ stderr pipe: one log line per request, errors, the certificate path
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "mock/text.h"
#include "mock/tls.h"
#include "tests/test_support.h"

extern char** environ;

namespace chronapilot::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDeadline = std::chrono::seconds(15);

// The mock as a child process with its stdout and stderr read by two threads. The destructor
// kills a child that is still running (SIGKILL) and reaps it, so no test leaves one behind.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2 failed";
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> argv_strings = {CHRONAPILOT_MOCK_BINARY};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc =
        posix_spawn(&pid_, CHRONAPILOT_MOCK_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << CHRONAPILOT_MOCK_BINARY << ": " << strerror(rc);
      pid_ = -1;
      close(out[0]);
      close(err[0]);
      return;
    }
    readers_.emplace_back([this, fd = out[0]] { Drain(fd, stdout_, stdout_eof_); });
    readers_.emplace_back([this, fd = err[0]] { Drain(fd, stderr_, stderr_eof_); });
  }

  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
    for (auto& t : readers_) t.join();
  }

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The first line on stdout, without its newline; "" if none came before the deadline.
  std::string FirstLine() {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, Clock::now() + kDeadline,
                   [&] { return stdout_.find('\n') != std::string::npos || stdout_eof_; });
    const size_t nl = stdout_.find('\n');
    return nl == std::string::npos ? "" : stdout_.substr(0, nl);
  }

  // The port of "chronapilot-mock listening on http(s)://127.0.0.1:PORT"; 0 when the line is not
  // exactly that.
  int Port(const std::string& scheme = "http") {
    std::smatch m;
    const std::string line = FirstLine();
    const std::regex re("chronapilot-mock listening on " + scheme + "://127\\.0\\.0\\.1:([0-9]+)");
    if (!std::regex_match(line, m, re)) {
      ADD_FAILURE() << "unexpected start-up line: \"" << line << "\"; stderr: " << Stderr();
      return 0;
    }
    return std::stoi(m[1].str());
  }

  // Waits until stderr holds a match of `re`; returns the first match's group 1 (or "").
  std::string WaitForStderr(const std::regex& re) {
    std::unique_lock lock(mu_);
    std::smatch m;
    cv_.wait_until(lock, Clock::now() + kDeadline,
                   [&] { return std::regex_search(stderr_, m, re) || stderr_eof_; });
    return std::regex_search(stderr_, m, re) && m.size() > 1 ? m[1].str() : "";
  }

  void Signal(int sig) { kill(pid_, sig); }

  // Waits for the child to exit and for both pipes to close. Returns the exit code, or -1 (with
  // a test failure) when it was killed by a signal or did not exit before the deadline.
  int Wait() {
    int status = 0;
    const auto deadline = Clock::now() + kDeadline;
    while (true) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0 || Clock::now() > deadline) {
        ADD_FAILURE() << "the mock did not exit; stderr: " << Stderr();
        return -1;
      }
      // Nothing to wait on but the child itself; this only bounds how fast we notice the exit.
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    exited_ = true;
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return stdout_eof_ && stderr_eof_; });
    if (!WIFEXITED(status)) {
      ADD_FAILURE() << "the mock died of signal " << WTERMSIG(status) << "; stderr: " << stderr_;
      return -1;
    }
    return WEXITSTATUS(status);
  }

  std::string Stdout() {
    std::lock_guard lock(mu_);
    return stdout_;
  }
  std::string Stderr() {
    std::lock_guard lock(mu_);
    return stderr_;
  }

 private:
  void Drain(int fd, std::string& into, bool& eof) {
    char buf[4096];
    while (true) {
      const ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard lock(mu_);
      if (n <= 0) {
        eof = true;
        cv_.notify_all();
        break;
      }
      into.append(buf, size_t(n));
      cv_.notify_all();
    }
    close(fd);
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  std::vector<std::thread> readers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string stdout_;  // GUARDED_BY(mu_)
  std::string stderr_;  // GUARDED_BY(mu_)
  bool stdout_eof_ = false;
  bool stderr_eof_ = false;
};

std::unique_ptr<httplib::Client> ClientFor(int port) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
  client->set_follow_location(false);
  client->set_url_encode(false);  // paths are sent exactly as the test wrote them
  client->set_connection_timeout(5);
  client->set_read_timeout(10);
  return client;
}

// Runs the mock with `args` to its end; returns the exit code.
struct Exited {
  int code = -1;
  std::string out, err;
};
Exited RunToExit(const std::vector<std::string>& args) {
  Child child(args);
  Exited run;
  run.code = child.Wait();
  run.out = child.Stdout();
  run.err = child.Stderr();
  return run;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (std::string& line : Split(text, '\n')) {
    if (!line.empty()) out.push_back(std::move(line));
  }
  return out;
}

// A private directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/mock_binary_test-XXXXXX";
    if (mkdtemp(pattern.data())) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    return file;
  }

 private:
  std::string path_;
};

// A connected loopback socket with a receive timeout, or -1.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  for (size_t off = 0; off < data.size();) {
    const ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

// Reads until `text` holds `needle` (or EOF / timeout); returns everything read.
std::string ReadUntil(int fd, const std::string& needle) {
  std::string text;
  char buf[4096];
  while (text.find(needle) == std::string::npos) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    text.append(buf, size_t(n));
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// CLI-2, CONV-1

// CLI-2 CONV-1: the start-up line is exact, names the loopback default and the real port, and
// the mock answers as soon as it is printed.
TEST(MockBinary, PrintsListeningLineAndServesAtOnce) {
  Child child({"--port", "0"});
  const std::string line = child.FirstLine();
  EXPECT_TRUE(std::regex_match(
      line, std::regex("chronapilot-mock listening on http://127\\.0\\.0\\.1:[1-9][0-9]*")))
      << line;
  const int port = child.Port();
  ASSERT_GT(port, 0);
  auto res = ClientFor(port)->Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(ParseJson(res->body), Json({{"status", "ok"}}));
  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0);
  EXPECT_EQ(child.Stdout(), line + "\n");  // exactly one line on stdout
}

// CLI-2
TEST(MockBinary, SigtermStopsWithExitZero) {
  Child child({"--port", "0", "--quiet"});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  ASSERT_EQ(ClientFor(port)->Get("/healthz")->status, 200);
  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0);
  const int fd = Connect(port);
  EXPECT_EQ(fd, -1) << "still listening after exit";
  if (fd >= 0) close(fd);
}

// CLI-2
TEST(MockBinary, SigintStopsWithExitZero) {
  Child child({"--port", "0", "--quiet"});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  ASSERT_EQ(ClientFor(port)->Get("/healthz")->status, 200);
  child.Signal(SIGINT);
  EXPECT_EQ(child.Wait(), 0);
}

// A request the mock has started reading when SIGTERM arrives is still answered. The client
// sends the headers with `Expect: 100-continue`, so the "100 Continue" proves the server is inside
// the request; the body follows only once the mock has stopped accepting connections.
// CLI-2
TEST(MockBinary, SigtermLetsTheRequestInFlightFinish) {
  Child child({"--port", "0"});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  const int fd = Connect(port);
  ASSERT_GE(fd, 0);
  const std::string body = R"({"seconds": 60})";
  ASSERT_TRUE(SendAll(fd,
                      "POST /_mock/clock/advance HTTP/1.1\r\n"
                      "Host: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: " +
                          std::to_string(body.size()) +
                          "\r\n"
                          "Expect: 100-continue\r\n"
                          "Connection: close\r\n\r\n"));
  const std::string interim = ReadUntil(fd, "\r\n\r\n");
  ASSERT_EQ(interim.rfind("HTTP/1.1 100 ", 0), 0u) << interim;

  child.Signal(SIGTERM);
  // Stopping closes the listening socket first; wait for that, so the request is truly in
  // flight during shutdown.
  const auto deadline = Clock::now() + kDeadline;
  for (int probe; (probe = Connect(port)) >= 0;) {
    close(probe);
    ASSERT_LT(Clock::now(), deadline) << "the mock kept accepting connections after SIGTERM";
    std::this_thread::yield();
  }

  ASSERT_TRUE(SendAll(fd, body));
  std::string answer = interim.substr(interim.find("\r\n\r\n") + 4) + ReadUntil(fd, "\"}");
  // Read to EOF: the server closes after answering.
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, size_t(n));
  close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer;
  EXPECT_NE(answer.find("\"offset_seconds\":60"), std::string::npos) << answer;
  EXPECT_EQ(child.Wait(), 0);
  EXPECT_NE(child.Stderr().find("POST /_mock/clock/advance 200 "), std::string::npos)
      << child.Stderr();
}

// Several requests just before the signal, and the client's keep-alive connection still open and
// idle when it arrives: the process still exits cleanly. (It currently waits out httplib's 5 s
// keep-alive timeout for that idle connection before exiting.)
// CLI-2
TEST(MockBinary, SigtermRightAfterRequestsExitsCleanly) {
  Child child({"--port", "0", "--quiet"});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  auto client = ClientFor(port);
  client->set_keep_alive(true);  // the connection stays open, idle, across the signal
  for (int i = 0; i < 5; ++i) ASSERT_EQ(client->Get("/healthz")->status, 200);
  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0);
  EXPECT_EQ(child.Stderr(), "");
}

// ---------------------------------------------------------------------------------------------
// --tls

// CLI-2: --tls serves https with a certificate whose path is printed; a client that trusts that
// file, and verifies the server, gets through; one that does not trust it does not.
TEST(MockBinary, TlsServesHttpsWithThePrintedCertificate) {
  Child child({"--port", "0", "--tls", "--quiet"});
  const int port = child.Port("https");
  ASSERT_GT(port, 0);
  const std::string cert = child.WaitForStderr(std::regex("certificate[^\n]*: (/[^\n]+)\n"));
  ASSERT_FALSE(cert.empty()) << child.Stderr();
  ASSERT_TRUE(std::filesystem::exists(cert)) << cert;
  {
    std::ifstream in(cert);
    std::string first;
    std::getline(in, first);
    EXPECT_EQ(first, "-----BEGIN CERTIFICATE-----");
  }

  httplib::SSLClient trusting("127.0.0.1", port);
  trusting.set_ca_cert_path(cert.c_str());
  trusting.enable_server_certificate_verification(true);
  trusting.set_connection_timeout(5);
  trusting.set_read_timeout(10);
  auto res = trusting.Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(ParseJson(res->body), Json({{"status", "ok"}}));
  // The issuer follows the scheme the request came with (TOKEN-9).
  auto metadata = trusting.Get("/.well-known/oauth-authorization-server");
  ASSERT_TRUE(metadata);
  EXPECT_EQ(ParseJson(metadata->body)["issuer"], "https://127.0.0.1:" + std::to_string(port));

  // Verification is really on: trusting another self-signed certificate instead, it fails.
  auto other = MakeSelfSignedCertificate();
  ASSERT_TRUE(other.ok());
  TempDir dir;
  const std::string other_ca = dir.Write("other.pem", other->pem);
  httplib::SSLClient untrusting("127.0.0.1", port);
  untrusting.set_ca_cert_path(other_ca.c_str());
  untrusting.enable_server_certificate_verification(true);
  untrusting.set_connection_timeout(5);
  EXPECT_FALSE(untrusting.Get("/healthz"));

  // Plain http on the https port gets nothing useful.
  auto plain = ClientFor(port)->Get("/healthz");
  EXPECT_TRUE(!plain || plain->status != 200);

  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0);
  std::error_code ignored;
  std::filesystem::remove_all(std::filesystem::path(cert).parent_path(), ignored);
}

// ---------------------------------------------------------------------------------------------
// CLI-3: the request log

// CLI-3: text lines "<time> METHOD PATH STATUS <ms>ms req_…", one per request.
TEST(MockBinary, LogsOneTextLinePerRequest) {
  Child child({"--port", "0"});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  auto client = ClientFor(port);
  auto health = client->Get("/healthz");
  auto missing = client->Get("/nope?secret=hidden");
  auto token = client->Post("/oauth/token", "grant_type=refresh_token&refresh_token=crt_secret0",
                            "application/x-www-form-urlencoded");
  // Refused by the HTTP layer before the body is read: logged all the same.
  auto too_big = client->Post("/_mock/reset", std::string((1 << 20) + 1, ' '), "application/json");
  ASSERT_TRUE(health && missing && token && too_big);
  ASSERT_EQ(too_big->status, 413);
  child.Signal(SIGTERM);
  ASSERT_EQ(child.Wait(), 0);

  const std::vector<std::string> lines = Lines(child.Stderr());
  ASSERT_EQ(lines.size(), 4u) << child.Stderr();
  struct Want {
    std::string method, path;
    int status;
    std::string request_id;
  };
  const std::vector<Want> want = {
      {"GET", "/healthz", 200, health->get_header_value("Request-Id")},
      {"GET", "/nope", 404, missing->get_header_value("Request-Id")},
      {"POST", "/oauth/token", token->status, token->get_header_value("Request-Id")},
      {"POST", "/_mock/reset", 413, too_big->get_header_value("Request-Id")},
  };
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(lines[i]);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(
        lines[i], m,
        std::regex(R"((\S+) (\S+) (\S+) (\d{3}) (\d+(?:\.\d+)?)ms (req_[0-9A-Za-z]+))")));
    EXPECT_EQ(m[2].str(), want[i].method);
    EXPECT_EQ(m[3].str(), want[i].path);  // no query string: it may hold secrets (CONV-5)
    EXPECT_EQ(std::stoi(m[4].str()), want[i].status);
    EXPECT_EQ(m[6].str(), want[i].request_id);
  }
  EXPECT_EQ(child.Stderr().find("hidden"), std::string::npos);
  EXPECT_EQ(child.Stderr().find("crt_secret0"), std::string::npos);
}

// CLI-3: --log-format json gives one JSON object per line with the same facts.
TEST(MockBinary, LogsJsonLinesWithLogFormatJson) {
  Child child({"--port", "0", "--log-format", "json"});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  auto client = ClientFor(port);
  auto health = client->Get("/healthz");
  auto missing = client->Delete("/_mock/clock");
  ASSERT_TRUE(health && missing);
  child.Signal(SIGTERM);
  ASSERT_EQ(child.Wait(), 0);

  const std::vector<std::string> lines = Lines(child.Stderr());
  ASSERT_EQ(lines.size(), 2u) << child.Stderr();
  const Json first = Json::parse(lines[0], nullptr, false);
  const Json second = Json::parse(lines[1], nullptr, false);
  ASSERT_TRUE(first.is_object()) << lines[0];
  ASSERT_TRUE(second.is_object()) << lines[1];
  EXPECT_EQ(first["method"], "GET");
  EXPECT_EQ(first["path"], "/healthz");
  EXPECT_EQ(first["status"], 200);
  EXPECT_TRUE(first["ms"].is_number()) << lines[0];
  EXPECT_GE(first["ms"].get<double>(), 0);
  EXPECT_EQ(first["request_id"], health->get_header_value("Request-Id"));
  EXPECT_EQ(second["method"], "DELETE");
  EXPECT_EQ(second["path"], "/_mock/clock");
  EXPECT_EQ(second["status"], 405);
  EXPECT_EQ(second["request_id"], missing->get_header_value("Request-Id"));
}

// CLI-3: --quiet logs no request lines at all.
TEST(MockBinary, QuietLogsNothing) {
  Child child({"--port", "0", "--quiet"});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  auto client = ClientFor(port);
  ASSERT_EQ(client->Get("/healthz")->status, 200);
  ASSERT_EQ(client->Get("/nope")->status, 404);
  child.Signal(SIGTERM);
  ASSERT_EQ(child.Wait(), 0);
  EXPECT_EQ(child.Stderr(), "");
}

// ---------------------------------------------------------------------------------------------
// CLI-1, CLI-3: the command line

// CLI-1 CLI-3: a bad argument is one line on stderr naming it, exit 2, and nothing on stdout.
TEST(MockBinary, BadArgumentsExitTwoWithOneLine) {
  struct Case {
    std::vector<std::string> args;
    std::string named;  // what the message must mention
  };
  for (const Case& c : std::vector<Case>{{{"--port", "70000"}, "--port"},
                                         {{"--port", "-1"}, "--port"},
                                         {{"--port", "eighty"}, "--port"},
                                         {{"--bogus"}, "--bogus"},
                                         {{"--log-format", "xml"}, "--log-format"},
                                         {{"--port"}, "--port"},
                                         {{"--fixtures"}, "--fixtures"},
                                         {{"--quiet=yes"}, "--quiet"},
                                         {{"--issuer", "ftp://x"}, "--issuer"}}) {
    SCOPED_TRACE(c.args[0] + (c.args.size() > 1 ? " " + c.args[1] : ""));
    Exited run = RunToExit(c.args);
    EXPECT_EQ(run.code, 2);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(Lines(run.err).size(), 1u) << run.err;
    EXPECT_EQ(run.err.back(), '\n');
    EXPECT_NE(run.err.find(c.named), std::string::npos) << run.err;
  }
  Exited xml = RunToExit({"--port", "0", "--log-format", "xml"});
  EXPECT_NE(xml.err.find("xml"), std::string::npos) << xml.err;
}

// CLI-3: a bad fixture file: exit 2, one line with file, line and the field's path.
TEST(MockBinary, BadFixtureFileExitsTwoNamingFileLineAndField) {
  TempDir dir;
  const std::string file = dir.Write("typo.yaml",
                                     "platforms:\n"
                                     "  - id: initech\n"
                                     "    name: Initech\n"
                                     "    secret_keys: [sk_test_initech00000000000000000]\n"
                                     "    clients:\n"
                                     "      - id: cli_initech000000000000001\n"
                                     "        type: public\n"
                                     "        redirect_url: [https://initech.example/cb]\n");
  Exited run = RunToExit({"--port", "0", "--fixtures", file});
  EXPECT_EQ(run.code, 2);
  EXPECT_EQ(run.out, "");
  ASSERT_EQ(Lines(run.err).size(), 1u) << run.err;
  EXPECT_NE(run.err.find(file + ":8:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("platforms[0].clients[0].redirect_url"), std::string::npos) << run.err;
}

// CLI-3: a YAML syntax error also names file and line.
TEST(MockBinary, MalformedYamlFixtureFileExitsTwoNamingTheLine) {
  TempDir dir;
  const std::string file = dir.Write("bad.yaml",
                                     "platforms:\n"
                                     "  - id: initech\n"
                                     "    name: [unclosed\n");
  Exited run = RunToExit({"--port", "0", "--fixtures", file});
  EXPECT_EQ(run.code, 2);
  ASSERT_EQ(Lines(run.err).size(), 1u) << run.err;
  const size_t at = run.err.find(file + ":");
  ASSERT_NE(at, std::string::npos) << run.err;
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(run.err[at + file.size() + 1]))) << run.err;
}

// CLI-1 CLI-3
TEST(MockBinary, MissingFixtureFileExitsTwo) {
  TempDir dir;
  const std::string file = dir.path() + "/does-not-exist.yaml";
  Exited run = RunToExit({"--port", "0", "--fixtures", file});
  EXPECT_EQ(run.code, 2);
  EXPECT_EQ(run.out, "");
  ASSERT_EQ(Lines(run.err).size(), 1u) << run.err;
  EXPECT_NE(run.err.find(file), std::string::npos) << run.err;
}

// CLI-1: a good fixture file is served.
TEST(MockBinary, FixturesFlagLoadsThatWorld) {
  TempDir dir;
  const std::string file = dir.Write("initech.yaml",
                                     "platforms:\n"
                                     "  - id: initech\n"
                                     "    name: Initech Rostering\n"
                                     "    secret_keys: [sk_test_initech00000000000000000]\n"
                                     "    clients:\n"
                                     "      - id: cli_initech000000000000001\n"
                                     "        type: public\n"
                                     "        redirect_uris: [https://initech.example/cb]\n");
  Child child({"--port", "0", "--quiet", "--fixtures", file});
  const int port = child.Port();
  ASSERT_GT(port, 0);
  auto client = ClientFor(port);
  Pkce pkce = Pkce::Make();
  auto page = client->Get(
      ("/oauth/authorize?" +
       Form::Encode(AuthorizeParams(pkce, {{"client_id", "cli_initech000000000000001"},
                                           {"redirect_uri", "https://initech.example/cb"}})))
          .c_str());
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("Initech Rostering"), std::string::npos);
  auto acme = client->Get(("/oauth/authorize?" + Form::Encode(AuthorizeParams(pkce))).c_str());
  ASSERT_TRUE(acme);
  EXPECT_EQ(acme->status, 400);  // the default world's client is not in this one
  child.Signal(SIGTERM);
  EXPECT_EQ(child.Wait(), 0);
}

// CLI-1
TEST(MockBinary, VersionPrintsNameAndVersion) {
  Exited run = RunToExit({"--version"});
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.out, "chronapilot-mock " CHRONAPILOT_VERSION "\n");
  EXPECT_TRUE(std::regex_match(run.out, std::regex("chronapilot-mock [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << run.out;
  EXPECT_EQ(run.err, "");
}

// CLI-1: --help documents every flag of the synopsis.
TEST(MockBinary, HelpMentionsEveryFlag) {
  Exited run = RunToExit({"--help"});
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.err, "");
  for (const char* flag : {"--host", "--port", "--fixtures", "--auto-consent", "--tls", "--issuer",
                           "--retry-schedule", "--log-format", "--quiet", "--help", "--version"}) {
    EXPECT_NE(run.out.find(flag), std::string::npos) << flag << " missing from:\n" << run.out;
  }
  EXPECT_NE(run.out.find("usage: chronapilot-mock"), std::string::npos);
}

}  // namespace
}  // namespace chronapilot::testing
