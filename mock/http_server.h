// The only file that knows cpp-httplib: it binds, runs the worker pool, converts each
// httplib::Request into an HttpRequest for Mock::Handle and the HttpResponse back, and answers
// the errors httplib raises itself (oversized bodies, malformed request lines) with JSON too.
//
// Thread safety: Bind() and Serve() are called once, from one thread; Stop() may be called from
// any thread (a signal-handling thread or a test) and makes Serve() return once in-flight
// requests have finished.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "mock/mock.h"
#include "mock/options.h"
#include "mock/status.h"

namespace httplib {
class Server;
}

namespace chronapilot {

class HttpServer {
 public:
  HttpServer(Mock& mock, const Options& options);
  ~HttpServer();

  // Binds host:port (port 0: any free port). With --tls, makes the certificate first. Returns the
  // port actually bound.
  StatusOr<int> Bind();
  // Serves until Stop(). REQUIRES: Bind() succeeded.
  void Serve();
  // Makes Serve() return (or not start), whether it is already listening or not yet.
  void Stop();

  // "http://127.0.0.1:8765" (https with --tls); valid after Bind().
  std::string Url() const;
  // The certificate file written for --tls; "" otherwise.
  const std::string& CertificatePath() const { return cert_path_; }

 private:
  Mock& mock_;
  const Options options_;
  std::unique_ptr<httplib::Server> server_;
  int port_ = 0;
  // httplib's stop() does nothing before its listen loop runs; these close that window.
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> serve_returned_{false};
  // Serve() entered httplib's loop, which then owns the listening socket; if it never did, the
  // destructor closes listen_fd_ itself.
  std::atomic<bool> listened_{false};
  int listen_fd_ = -1;
  std::string cert_path_;
};

}  // namespace chronapilot
