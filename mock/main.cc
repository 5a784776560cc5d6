// chronapilot-mock: flags → Options → Mock → HttpServer, and a clean stop on SIGINT/SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "mock/http_server.h"
#include "mock/mock.h"
#include "mock/options.h"

using namespace chronapilot;

int main(int argc, char** argv) {
  auto cl = ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!cl.ok()) {
    std::fprintf(stderr, "chronapilot-mock: %s\n", cl.status().message().c_str());
    return 2;
  }
  if (cl->action == CommandLine::Action::kHelp) {
    std::fputs(UsageText().c_str(), stdout);
    return 0;
  }
  if (cl->action == CommandLine::Action::kVersion) {
    std::printf("chronapilot-mock %s\n", CHRONAPILOT_VERSION);
    return 0;
  }
  // Signals go to one thread that waits for them. Every other thread (HTTP workers, webhook
  // delivery threads) inherits this mask when it starts and never sees them, so stopping needs
  // no signal-safe tricks. Hence this comes before Mock::Create, which starts threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the mock

  auto mock = Mock::Create(cl->options);
  if (!mock.ok()) {
    std::fprintf(stderr, "chronapilot-mock: %s\n", mock.status().message().c_str());
    return 2;
  }

  HttpServer server(**mock, cl->options);
  auto port = server.Bind();
  if (!port.ok()) {
    std::fprintf(stderr, "chronapilot-mock: %s\n", port.status().message().c_str());
    return 2;
  }
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  std::printf("chronapilot-mock listening on %s\n", server.Url().c_str());
  std::fflush(stdout);
  if (!server.CertificatePath().empty()) {
    std::fprintf(stderr, "chronapilot-mock: TLS certificate (self-signed): %s\n",
                 server.CertificatePath().c_str());
  }
  server.Serve();  // returns after Stop(), once in-flight requests have finished
  waiter.join();
  return 0;
}
