#include "harness/reference_client/http_transport.h"

#include <httplib.h>

#include "mock/text.h"
#include "mock/url.h"

namespace chronapilot::sdk {

std::string HttpAnswer::Header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

// One httplib::Client, i.e. one keep-alive connection to one origin.
class HttpTransport::OriginClient {
 public:
  OriginClient(const std::string& origin, const Options& options) : client_(origin) {
    client_.set_follow_location(false);  // an SDK must not follow redirects with credentials
    client_.set_url_encode(false);       // callers encode paths and queries themselves
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // no 40 ms Nagle/delayed-ACK stall between header and body
    client_.set_connection_timeout(options.connect_timeout_ms / 1000,
                                   (options.connect_timeout_ms % 1000) * 1000);
    client_.set_read_timeout(options.read_timeout_ms / 1000,
                             (options.read_timeout_ms % 1000) * 1000);
    client_.set_write_timeout(options.read_timeout_ms / 1000,
                              (options.read_timeout_ms % 1000) * 1000);
    if (!options.ca_cert_path.empty()) client_.set_ca_cert_path(options.ca_cert_path);
  }

  httplib::Client& client() { return client_; }

 private:
  httplib::Client client_;
};

HttpTransport::HttpTransport(Options options) : options_(std::move(options)) {}

HttpTransport::~HttpTransport() = default;

HttpAnswer HttpTransport::Send(const HttpCall& call) {
  HttpAnswer answer;
  auto uri = ParseUri(call.url);
  if (!uri || (uri->scheme != "http" && uri->scheme != "https") || !uri->userinfo.empty()) {
    answer.retryable = false;
    answer.transport_error = "not an http(s) URL without credentials";
    return answer;
  }
  const std::string origin =
      uri->scheme + "://" + uri->host + (uri->port.empty() ? "" : ":" + uri->port);
  auto& slot = clients_[origin];
  if (!slot) slot = std::make_unique<OriginClient>(origin, options_);

  httplib::Request req;
  req.method = call.method;
  req.path = uri->path.empty() ? "/" : uri->path;
  if (uri->has_query) req.path += "?" + uri->query;
  req.set_header("User-Agent", options_.user_agent);
  req.set_header("Accept", "application/json");
  for (const auto& [name, value] : call.headers) req.set_header(name, value);
  if (!call.content_type.empty()) req.set_header("Content-Type", call.content_type);
  req.body = call.body;

  httplib::Result res = slot->client().send(req);
  if (!res) {
    answer.transport_error = httplib::to_string(res.error());
    return answer;
  }
  answer.received = true;
  answer.status = res->status;
  for (const auto& [name, value] : res->headers) answer.headers.emplace_back(name, value);
  answer.body = res->body;
  return answer;
}

}  // namespace chronapilot::sdk
