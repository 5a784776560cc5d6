// The mock's own view of an HTTP exchange, so that routing, endpoints and tests never touch
// cpp-httplib types; http_server.cc is the only file that converts to and from them.
//
// Thread safety: values; one request and its response belong to the thread handling them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mock/json.h"
#include "mock/status.h"

namespace chronapilot {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// SPEC RES-7: bodies above 1 MiB are refused with 413.
constexpr size_t kMaxBodyBytes = 1 << 20;

struct HttpRequest {
  std::string method;
  std::string path;   // the raw path, without the query
  std::string query;  // the raw query string after '?', undecoded
  HeaderList headers;
  std::string body;
  bool body_too_large = false;   // over kMaxBodyBytes; `body` holds what was read
  bool body_incomplete = false;  // the connection ended before the body did
  std::string remote_addr;
  int remote_port = 0;
  int local_port = 0;
  bool tls = false;
  std::string request_id;  // req_…, assigned on arrival

  // Header lookup ignores case; the first value when repeated.
  std::optional<std::string> Header(std::string_view name) const;
  size_t HeaderCount(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string content_type;
  std::string body;
  bool drop_connection = false;  // CTRL-5: close the connection without answering

  void SetHeader(std::string name, std::string value);
  std::optional<std::string> Header(std::string_view name) const;

  static HttpResponse Json(int status, const chronapilot::Json& body);
  static HttpResponse Html(int status, std::string body);
  static HttpResponse Redirect(std::string location);  // 302
};

int HttpStatusFor(ErrorKind kind);

// SPEC ERR-1: {"error": {"type", "code", "message", "param"?}} for /v1, the control API and the
// paths nobody serves.
HttpResponse ApiErrorResponse(const Status& status);
// RFC 6749 §5.2: {"error", "error_description"} for the token and revocation endpoints.
HttpResponse OAuthErrorResponse(const Status& status);
// OAuth's shape under /oauth/, the API's everywhere else.
HttpResponse ErrorResponseForPath(std::string_view path, const Status& status);

}  // namespace chronapilot
