// The client under test as the runner sees it (SPEC HARN-2): a program that speaks JSON Lines on
// stdin/stdout. The runner depends on the Client interface only, so tests can drive it with a
// fake; SubprocessClient (subprocess.cc) is the real transport.
//
//   harness ──{"id":7,"op":"refresh","args":{…}}\n──▶ client (stdin)
//   harness ◀──{"id":7,"ok":true,"result":{…}}\n──── client (stdout)      stderr: kept for the
//   report
//
// Thread safety: one Client is used by one runner thread at a time.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mock/json.h"

namespace chronapilot {

// What one op came back as.
struct ClientReply {
  enum class Kind {
    kOk,           // {"ok": true, "result": …}
    kError,        // {"ok": false, "error": {…}} with a code other than "unsupported"
    kUnsupported,  // {"ok": false, "error": {"code": "unsupported"}}
    kCrash,        // the process exited, or closed its stdout
    kProtocol,     // a line that is not JSON, not an object, or has the wrong id / shape
    kTimeout,      // no answer within the timeout (the process is then killed)
  };
  Kind kind = Kind::kOk;
  Json result;         // kOk: "result" (null when absent)
  Json error;          // kError / kUnsupported: "error" as sent ({code, message, status?})
  std::string detail;  // kCrash / kProtocol / kTimeout: what happened, for the report

  bool Failed() const {
    return kind == Kind::kCrash || kind == Kind::kProtocol || kind == Kind::kTimeout;
  }
  // {"ok": bool, "result": …, "error": …}: what scenario paths see.
  Json ToJson() const;
};
const char* ClientReplyKindName(
    ClientReply::Kind kind);  // "OK", "ERROR", "UNSUPPORTED", "CRASH", ...

class Client {
 public:
  virtual ~Client() = default;
  // Sends one op and waits up to `timeout_ms` for its answer.
  virtual ClientReply Call(const std::string& op, const Json& args, int64_t timeout_ms) = 0;
  // Everything the client wrote to stderr so far (the last 64 KiB).
  virtual std::string Stderr() const = 0;
};

// A client program started with `/bin/sh -c COMMAND`, stdin/stdout/stderr on pipes, in its own
// process group (killing the client kills whatever it started). Blank answer lines are skipped;
// an answer line may be up to 16 MiB. After kCrash, kProtocol or kTimeout the process group is
// killed and every later Call() returns that same reply at once. Call() never raises SIGPIPE
// in the harness, but the harness should still ignore SIGPIPE process-wide (other writes).
//
// Thread safety: Call() from one thread at a time; a background thread drains stderr into a
// buffer guarded by stderr_mu_.
class SubprocessClient : public Client {
 public:
  // Starts the program. Fails (nullptr, errno set) only when it cannot be started at all
  // (fork/pipe errors); a program that exits at once, or a command that does not exist, shows
  // up as kCrash on the first Call() ("exited with status 127 (command not found?)").
  static std::unique_ptr<SubprocessClient> Start(const std::string& command);
  // Closes stdin, gives the program 200 ms to exit, then kills it; reaps it either way.
  ~SubprocessClient() override;

  ClientReply Call(const std::string& op, const Json& args, int64_t timeout_ms) override;
  std::string Stderr() const override;
  pid_t pid() const { return pid_; }

 private:
  SubprocessClient() = default;
  // SIGKILLs the process group and reaps the child; a no-op once reaped.
  void Kill();
  // Whether the child has exited (without reaping it); fills `info` when it has.
  bool Exited(siginfo_t* info);
  // Kills the client and makes it dead: this and every later Call() return kind + detail.
  ClientReply Die(ClientReply::Kind kind, std::string detail);
  // A broken stdin/stdout: kCrash with the exit status when the child exits in time, else
  // `what_happened` ("closed its stdout").
  ClientReply Crashed(const std::string& what_happened);
  // One answer line → a reply, or kProtocol (which kills the client).
  ClientReply Classify(const std::string& line, int64_t id);
  // The stderr_reader_ thread: drains stderr until EOF or until woken by the destructor.
  void ReadStderr();
  // Reads what stderr has now without blocking; false at EOF. REQUIRES: stderr_mu_ held.
  bool DrainStderrLocked() const;

  pid_t pid_ = -1;
  bool reaped_ = false;  // waitpid() done: pid_ may belong to someone else now
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;     // non-blocking; read only with stderr_mu_ held
  int wake_read_fd_ = -1;  // a self-pipe: the destructor wakes stderr_reader_ through it
  int wake_write_fd_ = -1;
  int64_t next_id_ = 1;
  std::string stdout_buffer_;  // bytes read past the last complete line
  size_t stdout_scanned_ = 0;  // stdout_buffer_[0, stdout_scanned_) holds no '\n'
  bool dead_ = false;          // crashed, killed or answered garbage: every later Call fails
  ClientReply death_;          // what every Call() returns once dead_

  mutable std::mutex stderr_mu_;
  mutable std::string stderr_;       // GUARDED_BY(stderr_mu_), the last 64 KiB
  mutable bool stderr_eof_ = false;  // GUARDED_BY(stderr_mu_)
  std::thread stderr_reader_;
};

}  // namespace chronapilot
