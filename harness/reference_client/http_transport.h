// The SDK's HTTP layer: one request in, one answer (or the absence of one) out. It keeps one
// keep-alive connection per origin (scheme://host:port), follows no redirects and applies the
// timeouts. It knows nothing of OAuth, retries or JSON: sdk.cc decides what an answer means.
// This is the only file that knows cpp-httplib.
//
// Thread safety: not thread-safe; one HttpTransport belongs to one ConnectClient, which is used
// from one thread at a time.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace chronapilot::sdk {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

struct HttpCall {
  std::string method;  // "GET", "POST", ...
  std::string url;     // absolute: scheme://host[:port]/path[?query], already percent-encoded
  HeaderPairs headers;
  std::string body;
  std::string content_type;  // sent as Content-Type when non-empty
};

struct HttpAnswer {
  // false: no HTTP answer at all (connection refused, reset or dropped, timeout, bad URL).
  bool received = false;
  // When !received: whether trying again could help (false for a malformed URL).
  bool retryable = true;
  std::string transport_error;  // when !received, e.g. "Read" or "Connection"
  int status = 0;
  HeaderPairs headers;
  std::string body;

  // The first value of header `name` (case-insensitive), "" when absent.
  std::string Header(const std::string& name) const;
};

class HttpTransport {
 public:
  struct Options {
    int connect_timeout_ms = 2000;
    int read_timeout_ms = 10000;
    std::string ca_cert_path;  // for https: trust this PEM file (e.g. the mock's --tls cert)
    std::string user_agent = "chronapilot-reference-client/0.1.0";
  };

  explicit HttpTransport(Options options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  HttpAnswer Send(const HttpCall& call);

 private:
  class OriginClient;  // wraps httplib::Client, defined in the .cc

  Options options_;
  std::map<std::string, std::unique_ptr<OriginClient>> clients_;  // by "scheme://host:port"
};

}  // namespace chronapilot::sdk
