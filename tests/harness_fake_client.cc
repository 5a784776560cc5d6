// A scriptable client for the harness's own tests (SPEC HARN-2): it speaks the adapter protocol
// well or badly, as argv[1] says. `hello` is always answered properly unless the mode says
// otherwise ("silent", "stubborn", "exit-at-once"); the misbehaviour applies to the other ops.
//
//   echo            ok:true, result {"op", "args"}
//   error           ok:false, error {"code": "not_found", "status": 404, "message"}
//   unsupported     ok:false, error {"code": "unsupported"}
//   crash-after N   answers N ops (hello included), then says so on stderr and exits with 3
//   segv            raises SIGSEGV on the first op after hello
//   exit-at-once    exits with status 5 without reading anything
//   close-stdout    closes stdout on the first op after hello and keeps running
//   garbage         prints a line that is not JSON
//   not-object      prints a JSON array
//   wrong-id        answers with the id plus one
//   no-ok           answers {"id": N, "result": {}}
//   bad-error       answers ok:false with "error": "oops" (a string, not an object)
//   blank-lines     prints blank lines before each answer and ends lines with "\r\n"
//   silent          reads everything, never answers, exits at EOF on stdin
//   stubborn        never answers, ignores EOF and SIGTERM: only SIGKILL ends it
//   sleeper         hello's result carries the pid of a grandchild that sleeps for a minute with
//                   the same pipes; then like silent (for killing the process group)
//   stderr-flood    writes 1 MB to stderr, then answers like echo
//   big             answers with a result holding a 5 MB string
//   huge-line       prints 17 MiB without a newline
//   inspect         hello's result: {"fds": [open descriptors above 2], "sigpipe_ignored": bool,
//                   "blocked_signals": bool}; other ops: {"id": the request's id}
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

using Json = nlohmann::ordered_json;  // answers keep the order they are written in

namespace {

void Send(const Json& answer, const char* line_end = "\n") {
  std::cout << answer.dump() << line_end << std::flush;
}

void Ok(const Json& request, const Json& result) {
  Send({{"id", request["id"]}, {"ok", true}, {"result", result}});
}

void Fail(const Json& request, const Json& error) {
  Send({{"id", request["id"]}, {"ok", false}, {"error", error}});
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "echo";
  int crash_after = argc > 2 ? std::atoi(argv[2]) : 0;

  if (mode == "exit-at-once") return 5;
  if (mode == "stubborn") {
    signal(SIGTERM, SIG_IGN);
    for (;;) pause();
  }
  pid_t sleeper = -1;
  if (mode == "sleeper") {
    sleeper = fork();
    if (sleeper == 0) {
      sleep(60);
      _exit(0);
    }
  }

  int answered = 0;
  std::string line;
  while (std::getline(std::cin, line)) {
    Json request = Json::parse(line, nullptr, false);
    if (request.is_discarded() || !request.is_object()) {
      std::cerr << "fake client: cannot parse " << line << "\n";
      return 2;
    }
    std::string op = request.value("op", "");
    if (mode == "silent" || mode == "sleeper") {
      if (op == "hello" && mode == "sleeper") Ok(request, {{"sleeper", sleeper}});
      continue;
    }
    if (mode == "crash-after" && answered >= crash_after) {
      std::cerr << "fake client: crashing after " << answered << " answers\n";
      return 3;
    }
    ++answered;
    if (mode == "inspect") {
      if (op == "hello") {
        Json fds = Json::array();
        for (int fd = 3; fd < 1024; ++fd) {
          if (fcntl(fd, F_GETFD) != -1) fds.push_back(fd);
        }
        struct sigaction action;
        sigaction(SIGPIPE, nullptr, &action);
        sigset_t blocked;
        sigprocmask(SIG_SETMASK, nullptr, &blocked);
        bool any_blocked = sigismember(&blocked, SIGPIPE) == 1 ||
                           sigismember(&blocked, SIGINT) == 1 ||
                           sigismember(&blocked, SIGTERM) == 1;
        Ok(request, {{"fds", fds},
                     {"sigpipe_ignored", action.sa_handler == SIG_IGN},
                     {"blocked_signals", any_blocked}});
      } else {
        Ok(request, {{"id", request["id"]}});
      }
      continue;
    }
    if (op == "hello") {
      Ok(request, {{"name", "fake"}, {"version", "1"}, {"language", "C++"}});
      continue;
    }

    if (mode == "error") {
      Fail(request, {{"code", "not_found"}, {"status", 404}, {"message", "no such event"}});
    } else if (mode == "unsupported") {
      Fail(request, {{"code", "unsupported"}, {"message", op + " is not implemented"}});
    } else if (mode == "segv") {
      signal(SIGSEGV, SIG_DFL);  // not a sanitizer's handler, which would abort instead
      raise(SIGSEGV);
    } else if (mode == "close-stdout") {
      std::fclose(stdout);
      close(1);
      for (;;) pause();
    } else if (mode == "garbage") {
      std::cout << "this is not { JSON\n" << std::flush;
    } else if (mode == "not-object") {
      std::cout << "[1, 2, 3]\n" << std::flush;
    } else if (mode == "wrong-id") {
      Send({{"id", request["id"].get<int64_t>() + 1}, {"ok", true}, {"result", nullptr}});
    } else if (mode == "no-ok") {
      Send({{"id", request["id"]}, {"result", Json::object()}});
    } else if (mode == "bad-error") {
      Send({{"id", request["id"]}, {"ok", false}, {"error", "oops"}});
    } else if (mode == "blank-lines") {
      std::cout << "\n   \r\n";
      Send({{"id", request["id"]}, {"ok", true}, {"result", {{"op", op}}}}, "\r\n");
    } else if (mode == "stderr-flood") {
      std::string kilobyte(1023, 'e');
      kilobyte += '\n';
      for (int i = 0; i < 1024; ++i) std::fwrite(kilobyte.data(), 1, kilobyte.size(), stderr);
      std::fputs("fake client: flood done\n", stderr);
      Ok(request, {{"op", op}, {"args", request["args"]}});
    } else if (mode == "big") {
      Ok(request, {{"blob", std::string(5 << 20, 'b')}, {"end", "here"}});
    } else if (mode == "huge-line") {
      std::string megabyte(1 << 20, 'h');
      for (int i = 0; i < 17; ++i) std::cout << megabyte;
      std::cout << std::flush;
      for (;;) pause();
    } else {  // echo
      Ok(request, {{"op", op}, {"args", request["args"]}});
    }
  }
  return 0;
}
