// SubprocessClient: the client under test as a child process speaking JSON Lines (SPEC HARN-2).
//
//   harness                                   /bin/sh -c COMMAND  (own process group)
//   ───────                                   ──────────────────
//   stdin_fd_  ──{"id":N,"op":…,"args":…}\n──▶ stdin
//   stdout_fd_ ◀──{"id":N,"ok":…}\n──────────── stdout     read by Call() with poll()
//   stderr_fd_ ◀──────────────────────────────── stderr     drained by stderr_reader_
//
// Rules of the transport, decided here:
//   - A command that is plain words ("./client --flag") runs as `exec COMMAND`, so the child is
//     the client itself; anything else (pipes, &&, quotes, VAR=x) runs under the shell, whose
//     exit status 128+N then stands for "killed by signal N".
//   - Blank lines (only whitespace) on stdout are skipped, and a trailing '\r' is dropped, so
//     a client that prints an empty line or CRLF line ends is not a PROTOCOL failure.
//   - A line may be up to 16 MiB; a longer one is PROTOCOL.
//   - After CRASH, PROTOCOL or TIMEOUT the client is dead: its process group is killed and
//     every later Call() returns the same reply at once.
//   - The child gets the default SIGPIPE disposition and an empty signal mask, whatever the
//     harness has, and inherits no descriptor other than its three pipes.
//   - Writing to a client that has closed its stdin must not kill the harness: Call() blocks
//     SIGPIPE in the calling thread around its write() and discards a SIGPIPE it raised, so
//     this works even when the process does not ignore SIGPIPE (main should still ignore it).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <string_view>
#include <vector>

#include "harness/client.h"

namespace chronapilot {
namespace {

constexpr size_t kMaxLineBytes = 16 << 20;     // longer answers are PROTOCOL
constexpr size_t kStderrKeepBytes = 64 << 10;  // the tail of stderr kept for the report
constexpr size_t kQuoteBytes = 200;            // how much of a bad line a detail quotes
constexpr int64_t kExitGraceMs = 200;          // destructor: time to exit after stdin closes
constexpr int64_t kCrashStatusWaitMs = 200;    // after stdout EOF: time to learn the exit status

using SteadyClock = std::chrono::steady_clock;

// Rounded up, so that 0 means the deadline has passed (never "less than a millisecond left").
int64_t MillisLeft(SteadyClock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return left < 0 ? 0 : left;
}

void CloseFd(int& fd) {
  if (fd >= 0) {
    close(fd);
    fd = -1;
  }
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

void SleepMs(int64_t ms) {
  struct timespec ts = {static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

// The first kQuoteBytes of `line` as a JSON string (control characters escaped, cut on a UTF-8
// character boundary), noting the full length when cut.
std::string QuoteLine(std::string_view line) {
  size_t n = line.size();
  bool cut = false;
  if (n > kQuoteBytes) {
    n = kQuoteBytes;
    while (n > 0 && (static_cast<unsigned char>(line[n]) & 0xC0) == 0x80) --n;  // no half chars
    cut = true;
  }
  std::string quoted =
      Json(std::string(line.substr(0, n))).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (cut) quoted += "… (" + std::to_string(line.size()) + " bytes)";
  return quoted;
}

std::string ExitDetail(const siginfo_t& info) {
  if (info.si_code == CLD_EXITED) {
    int status = info.si_status;
    std::string detail = "exited with status " + std::to_string(status);
    if (status == 127) detail += " (command not found?)";
    if (status == 126) detail += " (command not executable?)";
    // What /bin/sh reports when the program it waited for was killed (compound commands).
    if (status > 128 && status < 128 + 65) {
      detail += " (killed by signal " + std::to_string(status - 128) + "?)";
    }
    return detail;
  }
  return "killed by signal " + std::to_string(info.si_status);
}

// Whether `command` is one simple command that "exec " can prefix without changing its
// meaning: plain words only (no quoting, expansion, redirection, operators, globbing), and no
// leading VAR=value assignment. Then the shell becomes the client instead of waiting for it,
// so the client's own exit status or signal is seen and its closing stdout is an EOF (dash
// does not exec the last command of -c by itself).
bool IsPlainCommand(const std::string& command) {
  if (command.find_first_not_of(" \t") == std::string::npos) return false;
  for (unsigned char c : command) {
    if (!(std::isalnum(c) || c >= 0x80 || std::strchr(" _./=:,+@%-", c) != nullptr)) return false;
  }
  size_t first = command.find_first_not_of(' ');
  size_t first_end = command.find(' ', first);
  std::string first_word = command.substr(first, first_end - first);
  return first_word.find('=') == std::string::npos;
}

// write() that never raises SIGPIPE in this thread: SIGPIPE for a pipe write is sent to the
// writing thread, so blocking it here and consuming the one we caused is enough.
ssize_t WriteNoSigpipe(int fd, const char* data, size_t size) {
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  sigset_t pending;
  sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE) == 1;

  ssize_t written = write(fd, data, size);
  int saved_errno = errno;
  if (written < 0 && saved_errno == EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) == -1 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  errno = saved_errno;
  return written;
}

// In the child, between fork() and exec(): only async-signal-safe calls.
[[noreturn]] void ExecChild(int stdin_fd, int stdout_fd, int stderr_fd, char* const argv[],
                            int max_fd) {
  setpgid(0, 0);
  // First move the pipe ends to 3 and up: when the harness runs with 0, 1 or 2 closed, a pipe
  // end may itself be 0..2, and dup2 onto itself would keep its O_CLOEXEC (or clobber another
  // end). The copies are closed with everything else above 2 below.
  int in = fcntl(stdin_fd, F_DUPFD, 3), out = fcntl(stdout_fd, F_DUPFD, 3),
      err = fcntl(stderr_fd, F_DUPFD, 3);
  // dup2 leaves the new descriptors without O_CLOEXEC; the pipe ends themselves are O_CLOEXEC.
  if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
    _exit(127);
  }
  // Descriptors opened without O_CLOEXEC elsewhere in the harness (sockets, files) stay out.
#ifdef SYS_close_range
  if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
    for (int fd = 3; fd < max_fd; ++fd) close(fd);

  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, nullptr);  // an ignored signal stays ignored across exec
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  execv("/bin/sh", argv);
  _exit(127);
}

}  // namespace

Json ClientReply::ToJson() const {
  Json out = Json::object();
  out["ok"] = kind == Kind::kOk;
  out["result"] = kind == Kind::kOk ? result : Json(nullptr);
  switch (kind) {
    case Kind::kOk:
      out["error"] = nullptr;
      break;
    case Kind::kError:
    case Kind::kUnsupported:
      out["error"] = error;
      break;
    case Kind::kCrash:
    case Kind::kProtocol:
    case Kind::kTimeout:
      out["error"] = {{"code", ClientReplyKindName(kind)}, {"message", detail}};
      break;
  }
  return out;
}

const char* ClientReplyKindName(ClientReply::Kind kind) {
  switch (kind) {
    case ClientReply::Kind::kOk:
      return "OK";
    case ClientReply::Kind::kError:
      return "ERROR";
    case ClientReply::Kind::kUnsupported:
      return "UNSUPPORTED";
    case ClientReply::Kind::kCrash:
      return "CRASH";
    case ClientReply::Kind::kProtocol:
      return "PROTOCOL";
    case ClientReply::Kind::kTimeout:
      return "TIMEOUT";
  }
  return "?";
}

std::unique_ptr<SubprocessClient> SubprocessClient::Start(const std::string& command) {
  // [0] read end, [1] write end; all O_CLOEXEC so that no other child (-j) inherits them.
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1},
      wake_pipe[2] = {-1, -1};
  auto close_all = [&] {
    for (int* p : {in_pipe, out_pipe, err_pipe, wake_pipe}) {
      CloseFd(p[0]);
      CloseFd(p[1]);
    }
  };
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(wake_pipe, O_CLOEXEC) != 0) {
    int saved_errno = errno;
    close_all();
    errno = saved_errno;
    return nullptr;
  }

  // Everything the child needs is prepared before fork(): it may not allocate.
  std::string sh = "/bin/sh", dash_c = "-c";
  std::string cmd = IsPlainCommand(command) ? "exec " + command : command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  struct rlimit limit;
  int max_fd = 65536;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    max_fd = static_cast<int>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));

  pid_t pid = fork();
  if (pid < 0) {
    int saved_errno = errno;
    close_all();
    errno = saved_errno;
    return nullptr;
  }
  if (pid == 0) ExecChild(in_pipe[0], out_pipe[1], err_pipe[1], argv, max_fd);

  // Also here, so that Kill() can address the group even before the child ran setpgid.
  setpgid(pid, pid);
  CloseFd(in_pipe[0]);
  CloseFd(out_pipe[1]);
  CloseFd(err_pipe[1]);

  std::unique_ptr<SubprocessClient> client(new SubprocessClient());
  client->pid_ = pid;
  client->stdin_fd_ = in_pipe[1];
  client->stdout_fd_ = out_pipe[0];
  client->stderr_fd_ = err_pipe[0];
  client->wake_read_fd_ = wake_pipe[0];
  client->wake_write_fd_ = wake_pipe[1];
  SetNonBlocking(client->stdin_fd_);
  SetNonBlocking(client->stdout_fd_);
  SetNonBlocking(client->stderr_fd_);
  client->stderr_reader_ = std::thread([c = client.get()] { c->ReadStderr(); });
  return client;
}

SubprocessClient::~SubprocessClient() {
  // Closing stdin is the polite "please exit" of the protocol.
  CloseFd(stdin_fd_);
  if (pid_ > 0 && !reaped_) {
    auto deadline = SteadyClock::now() + std::chrono::milliseconds(kExitGraceMs);
    int64_t pause_ms = 1;
    while (!Exited(nullptr) && MillisLeft(deadline) > 0) {
      SleepMs(std::min(pause_ms, MillisLeft(deadline)));
      pause_ms = std::min<int64_t>(pause_ms * 2, 20);
    }
  }
  Kill();  // the whole group: whatever the shell or the client started goes too
  if (stderr_reader_.joinable()) {
    char byte = 1;
    while (write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR) {
    }
    stderr_reader_.join();
  }
  CloseFd(stdout_fd_);
  CloseFd(stderr_fd_);
  CloseFd(wake_read_fd_);
  CloseFd(wake_write_fd_);
}

bool SubprocessClient::Exited(siginfo_t* info) {
  if (pid_ <= 0 || reaped_) return true;
  siginfo_t local;
  std::memset(&local, 0, sizeof local);
  // WNOWAIT: the zombie keeps its pid, and so the process group id stays reserved until Kill()
  // has signalled the group; reaping first could let kill(-pid) hit a stranger.
  if (waitid(P_PID, static_cast<id_t>(pid_), &local, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return errno == ECHILD;
  }
  if (local.si_pid == 0) return false;
  if (info != nullptr) *info = local;
  return true;
}

void SubprocessClient::Kill() {
  if (pid_ <= 0 || reaped_) return;
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);  // in case the group was never formed
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
}

ClientReply SubprocessClient::Die(ClientReply::Kind kind, std::string detail) {
  Kill();
  dead_ = true;
  death_ = ClientReply();
  death_.kind = kind;
  death_.detail = std::move(detail);
  return death_;
}

// stdout ended (or stdin broke): tell an exit from a mere close, then make sure it is gone.
ClientReply SubprocessClient::Crashed(const std::string& what_happened) {
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(kCrashStatusWaitMs);
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  int64_t pause_ms = 1;
  bool exited = false;
  while (!(exited = Exited(&info)) && MillisLeft(deadline) > 0) {
    SleepMs(std::min(pause_ms, MillisLeft(deadline)));
    pause_ms = std::min<int64_t>(pause_ms * 2, 20);
  }
  std::string detail = exited && info.si_pid != 0 ? ExitDetail(info) : what_happened;
  return Die(ClientReply::Kind::kCrash, detail);
}

ClientReply SubprocessClient::Call(const std::string& op, const Json& args, int64_t timeout_ms) {
  if (dead_) return death_;
  const int64_t id = next_id_++;
  auto deadline = SteadyClock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
  auto timed_out = [&] {
    return Die(ClientReply::Kind::kTimeout, "no answer to op \"" + op + "\" (id " +
                                                std::to_string(id) + ") within " +
                                                std::to_string(timeout_ms) + " ms");
  };

  // Send the request; a large one may need the client to read while we write.
  Json request = {{"id", id}, {"op", op}, {"args", args}};
  std::string line = request.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  size_t sent = 0;
  while (sent < line.size()) {
    if (stdin_fd_ < 0) return Crashed("closed its stdin");
    ssize_t n = WriteNoSigpipe(stdin_fd_, line.data() + sent, line.size() - sent);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) return Crashed("closed its stdin");
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      return Crashed(std::string("cannot write to its stdin: ") + std::strerror(errno));
    }
    struct pollfd pfd = {stdin_fd_, POLLOUT, 0};
    int ready = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(MillisLeft(deadline), 1 << 30)));
    if (ready == 0) return timed_out();
  }

  // Read until one non-blank line is complete.
  char chunk[64 << 10];
  for (;;) {
    size_t newline = stdout_buffer_.find('\n', stdout_scanned_);
    if (newline != std::string::npos) {
      std::string answer = stdout_buffer_.substr(0, newline);
      stdout_buffer_.erase(0, newline + 1);
      stdout_scanned_ = 0;
      if (!answer.empty() && answer.back() == '\r') answer.pop_back();
      if (answer.find_first_not_of(" \t\r\f\v") == std::string::npos) continue;  // blank
      return Classify(answer, id);
    }
    stdout_scanned_ = stdout_buffer_.size();
    if (stdout_buffer_.size() > kMaxLineBytes) {
      return Die(ClientReply::Kind::kProtocol,
                 "answer line longer than 16 MiB, starting " + QuoteLine(stdout_buffer_));
    }

    ssize_t n = read(stdout_fd_, chunk, sizeof chunk);
    if (n > 0) {
      stdout_buffer_.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {
      if (!stdout_buffer_.empty()) {
        std::string partial = stdout_buffer_;
        Crashed("closed its stdout");
        death_.detail += " in the middle of a line: " + QuoteLine(partial);
        return death_;
      }
      return Crashed("closed its stdout");
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      return Crashed(std::string("cannot read its stdout: ") + std::strerror(errno));
    }
    int64_t left = MillisLeft(deadline);
    if (left == 0) return timed_out();
    struct pollfd pfd = {stdout_fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 1 << 30))) == 0 &&
        MillisLeft(deadline) == 0) {
      return timed_out();
    }
  }
}

ClientReply SubprocessClient::Classify(const std::string& line, int64_t id) {
  auto protocol = [&](const std::string& problem) {
    return Die(ClientReply::Kind::kProtocol, problem + ": " + QuoteLine(line));
  };
  Json answer = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (answer.is_discarded()) return protocol("answered a line that is not JSON");
  if (!answer.is_object()) return protocol("answered JSON that is not an object");
  auto id_it = answer.find("id");
  if (id_it == answer.end() || !id_it->is_number() ||
      id_it->get<double>() != static_cast<double>(id)) {
    return protocol("expected an answer with \"id\": " + std::to_string(id) + ", got");
  }
  auto ok_it = answer.find("ok");
  if (ok_it == answer.end() || !ok_it->is_boolean()) {
    return protocol("answered without a boolean \"ok\"");
  }

  ClientReply reply;
  if (ok_it->get<bool>()) {
    reply.kind = ClientReply::Kind::kOk;
    auto result_it = answer.find("result");
    if (result_it != answer.end()) reply.result = std::move(*result_it);
    return reply;
  }
  auto error_it = answer.find("error");
  if (error_it == answer.end() || !error_it->is_object() || !error_it->contains("code") ||
      !(*error_it)["code"].is_string()) {
    return protocol("answered \"ok\": false without an \"error\" object with a string \"code\"");
  }
  reply.error = std::move(*error_it);
  reply.kind = reply.error["code"] == "unsupported" ? ClientReply::Kind::kUnsupported
                                                    : ClientReply::Kind::kError;
  return reply;
}

void SubprocessClient::ReadStderr() {
  for (;;) {
    struct pollfd fds[2] = {{stderr_fd_, POLLIN, 0}, {wake_read_fd_, POLLIN, 0}};
    int ready = poll(fds, 2, -1);
    if (ready < 0 && errno != EINTR) return;
    bool open;
    {
      std::lock_guard<std::mutex> lock(stderr_mu_);
      open = DrainStderrLocked();
    }
    // Woken by the destructor (after the child is gone) or at EOF: all that could come came.
    if (!open || (fds[1].revents & POLLIN) != 0) return;
  }
}

bool SubprocessClient::DrainStderrLocked() const {
  if (stderr_eof_) return false;
  char chunk[16 << 10];
  for (;;) {
    ssize_t n = read(stderr_fd_, chunk, sizeof chunk);
    if (n > 0) {
      stderr_.append(chunk, static_cast<size_t>(n));
      if (stderr_.size() > kStderrKeepBytes) stderr_.erase(0, stderr_.size() - kStderrKeepBytes);
      continue;
    }
    if (n == 0) {
      stderr_eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    stderr_eof_ = true;  // an error on the pipe: nothing more will come
    return false;
  }
}

std::string SubprocessClient::Stderr() const {
  std::lock_guard<std::mutex> lock(stderr_mu_);
  // Take what is in the pipe now, so that a crash's last words are not left to the reader
  // thread's timing.
  if (stderr_fd_ >= 0) DrainStderrLocked();
  return stderr_;
}

}  // namespace chronapilot
