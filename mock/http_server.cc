#include "mock/http_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "mock/crypto.h"
#include "mock/text.h"
#include "mock/tls.h"

namespace chronapilot {
namespace {

HttpRequest FromHttplib(const httplib::Request& req, bool tls) {
  HttpRequest out;
  out.method = req.method;
  // `target` is the raw request-target; httplib's `path` is already percent-decoded, and OAuth
  // parameters must be decoded exactly once, by Form::Parse.
  const size_t question = req.target.find('?');
  out.path = req.target.substr(0, question);
  if (question != std::string::npos) out.query = req.target.substr(question + 1);
  out.headers.reserve(req.headers.size());
  for (const auto& [name, value] : req.headers) {
    // httplib adds these for its own bookkeeping; they were not sent by the client.
    if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
        name == "LOCAL_PORT") {
      continue;
    }
    out.headers.emplace_back(name, value);
  }
  out.body = req.body;
  out.remote_addr = req.remote_addr;
  out.remote_port = req.remote_port;
  out.local_port = req.local_port;
  out.tls = tls;
  return out;
}

void ToHttplib(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [name, value] : from.headers) to.set_header(name, value);
  if (!from.content_type.empty() || !from.body.empty()) {
    to.set_content(from.body, from.content_type.empty() ? "text/plain" : from.content_type.c_str());
  }
}

int PortOf(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  }
  return -1;
}

// CTRL-5 drop_connection: httplib gives handlers no socket, so the connection is found among
// the process's descriptors by its two ports and shut down; the client sees the connection close
// without an answer, and httplib's own write then fails and closes the descriptor.
void DropConnection(int remote_port, int local_port) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return;
  while (dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2) continue;
    sockaddr_storage peer{}, local{};
    socklen_t peer_len = sizeof peer, local_len = sizeof local;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) {
      continue;
    }
    if (PortOf(peer) == remote_port && PortOf(local) == local_port) {
      shutdown(fd, SHUT_RDWR);
      break;
    }
  }
  closedir(dir);
}

}  // namespace

HttpServer::HttpServer(Mock& mock, const Options& options) : mock_(mock), options_(options) {}

HttpServer::~HttpServer() {
  // httplib closes the listening socket in stop() only while its loop runs; a server stopped
  // before it served (or never served) would otherwise keep the port accepting connections
  // that nobody answers, and leak the descriptor.
  if (!listened_ && listen_fd_ >= 0) close(listen_fd_);
}

StatusOr<int> HttpServer::Bind() {
  if (options_.tls) {
    auto cert = MakeSelfSignedCertificate();
    if (!cert.ok()) return cert.status();
    auto path = WriteCertificateFile(cert->pem);
    if (!path.ok()) return path.status();
    cert_path_ = *path;
    // SSLServer copies what it needs into its SSL_CTX (it takes its own references).
    server_ = std::make_unique<httplib::SSLServer>(cert->cert.get(), cert->key.get());
    if (!server_->is_valid()) return Status::Internal("could not set up TLS");
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *server_;
  const bool tls = options_.tls;
  const int threads = options_.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(size_t(threads)); };
  // Keep-alive is what SDKs use; one connection may carry many requests.
  s.set_keep_alive_max_count(100000);
  s.set_keep_alive_timeout(5);
  s.set_tcp_nodelay(true);
  s.set_payload_max_length(kMaxBodyBytes);

  auto handler = [this, tls](const httplib::Request& req, httplib::Response& res) {
    HttpResponse response = mock_.Handle(FromHttplib(req, tls));
    if (response.drop_connection) DropConnection(req.remote_port, req.local_port);
    ToHttplib(response, res);
  };
  // RFC 9112 §6.3: a request without Content-Length or Transfer-Encoding has an empty body, but
  // httplib 0.11 answers such a POST with 400 (`curl -X POST` sends one). The pre-routing hook
  // runs before httplib reads a body, so those requests are handled here.
  s.set_pre_routing_handler([handler](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    handler(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Requests with a body read it here rather than through httplib: httplib checks its limit only
  // against Content-Length (a chunked body would be read whole, however large) and caps form
  // bodies at 8 KiB. Here every body gets the same 1 MiB (RES-7) and reading stops at the limit.
  auto reading_handler = [this, tls](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& read) {
    HttpRequest request = FromHttplib(req, tls);
    // httplib would parse multipart itself; no endpoint takes it, so its body is left unread and
    // the endpoint answers for the content type.
    const bool complete =
        req.is_multipart_form_data() || read([&request](const char* data, size_t n) {
          if (request.body.size() + n > kMaxBodyBytes) {
            request.body_too_large = true;
            return false;
          }
          request.body.append(data, n);
          return true;
        });
    if (req.is_multipart_form_data()) res.set_header("Connection", "close");
    if (!complete) {
      // httplib refuses a Content-Length over the limit before reading (status 413).
      request.body_too_large = request.body_too_large || res.status == 413;
      request.body_incomplete = !request.body_too_large;
      res.set_header("Connection", "close");  // the rest of the body was never read
    }
    HttpResponse response = mock_.Handle(std::move(request));
    if (response.drop_connection) DropConnection(req.remote_port, req.local_port);
    ToHttplib(response, res);
  };
  // Every path goes to the mock's own router, which knows 404 from 405.
  s.Get(".*", handler);
  s.Options(".*", handler);
  s.Post(".*", reading_handler);
  s.Put(".*", reading_handler);
  s.Patch(".*", reading_handler);
  s.Delete(".*", reading_handler);
  // Errors httplib answers itself (413 payload too large, 400 malformed request, 414 URI too
  // long) get the documented JSON body, a Request-Id (CONV-4) and a log line (CLI-3) as well.
  // Responses from Mock::Handle already have all three.
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string request_id = NewId("req_");
    res.set_header("Request-Id", request_id);
    mock_.logger().LogRequest(req.method, req.path, res.status, 0, request_id);
    Status status =
        res.status == 413   ? Status::PayloadTooLarge("the request body is larger than 1 MiB")
        : res.status == 414 ? Status::InvalidRequest("uri_too_long", "the request URI is too long")
                            : Status::InvalidRequest("invalid_request", "malformed HTTP request");
    HttpResponse body = ErrorResponseForPath(req.path, status);
    res.set_content(body.body, body.content_type.c_str());
  });
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    HttpResponse body = ApiErrorResponse(Status::Internal("internal error in the mock"));
    res.set_content(body.body, body.content_type.c_str());
  });

  // httplib's default options set SO_REUSEPORT, which lets a second mock bind the same port and
  // silently take half the requests. SO_REUSEADDR alone still allows a quick restart.
  int listen_fd = -1;
  s.set_socket_options([&listen_fd](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });
  listen_fd_ = -1;
  if (options_.port == 0) {
    port_ = s.bind_to_any_port(options_.host);
  } else {
    port_ = s.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    return Status::Internal("cannot listen on " + options_.host + ":" +
                            std::to_string(options_.port) + " (in use, or not a local address)");
  }
  // The library listens with a backlog of 5: a burst of connections (a load test, a parallel
  // test suite) would see SYN retries of a second. Listening again only raises the backlog.
  if (listen_fd >= 0) listen(listen_fd, SOMAXCONN);
  listen_fd_ = listen_fd;
  const bool v6 = options_.host.find(':') != std::string::npos;
  mock_.SetListeningAddress((v6 ? "[" + options_.host + "]" : options_.host) + ":" +
                            std::to_string(port_));
  return port_;
}

void HttpServer::Serve() {
  if (!stop_requested_) {
    listened_ = true;
    server_->listen_after_bind();
  }
  serve_returned_ = true;
}

void HttpServer::Stop() {
  stop_requested_ = true;
  if (!server_) return;
  // Serve() either sees the flag and never listens, or is about to listen: wait for one of
  // the two, so that stop() has a running loop to stop.
  while (!serve_returned_ && !server_->is_running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->stop();
}

std::string HttpServer::Url() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  return std::string(options_.tls ? "https://" : "http://") +
         (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(port_);
}

}  // namespace chronapilot
