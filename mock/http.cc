#include "mock/http.h"

#include "mock/text.h"

namespace chronapilot {

std::optional<std::string> HttpRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

size_t HttpRequest::HeaderCount(std::string_view name) const {
  size_t n = 0;
  for (const auto& [k, v] : headers) n += EqualsIgnoreCase(k, name);
  return n;
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  for (auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

HttpResponse HttpResponse::Json(int status, const chronapilot::Json& body) {
  HttpResponse res;
  res.status = status;
  res.content_type = "application/json; charset=utf-8";
  // Replace, never throw, on invalid UTF-8: every input is validated, but a 500 from the
  // serializer would be the worst possible answer.
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

HttpResponse HttpResponse::Html(int status, std::string body) {
  HttpResponse res;
  res.status = status;
  res.content_type = "text/html; charset=utf-8";
  res.body = std::move(body);
  return res;
}

HttpResponse HttpResponse::Redirect(std::string location) {
  HttpResponse res;
  res.status = 302;
  res.SetHeader("Location", std::move(location));
  return res;
}

int HttpStatusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk:
      return 200;
    case ErrorKind::kInvalidRequest:
      return 400;
    case ErrorKind::kUnauthenticated:
      return 401;
    case ErrorKind::kPermissionDenied:
      return 403;
    case ErrorKind::kNotFound:
      return 404;
    case ErrorKind::kMethodNotAllowed:
      return 405;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kPayloadTooLarge:
      return 413;
    case ErrorKind::kUnsupportedMediaType:
      return 415;
    case ErrorKind::kRateLimited:
      return 429;
    case ErrorKind::kInternal:
      return 500;
    case ErrorKind::kUnavailable:
      return 503;
  }
  return 500;
}

namespace {

const char* ApiErrorType(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnauthenticated:
      return "authentication_error";
    case ErrorKind::kPermissionDenied:
      return "permission_error";
    case ErrorKind::kConflict:
      return "idempotency_error";
    case ErrorKind::kRateLimited:
      return "rate_limit_error";
    case ErrorKind::kInternal:
    case ErrorKind::kUnavailable:
      return "api_error";
    default:
      return "invalid_request_error";
  }
}

}  // namespace

HttpResponse ApiErrorResponse(const Status& status) {
  Json error = {{"type", ApiErrorType(status.kind())},
                {"code", status.code()},
                {"message", status.message()}};
  if (!status.param().empty()) error["param"] = status.param();
  return HttpResponse::Json(HttpStatusFor(status.kind()), Json{{"error", error}});
}

HttpResponse OAuthErrorResponse(const Status& status) {
  HttpResponse res =
      HttpResponse::Json(HttpStatusFor(status.kind()),
                         Json{{"error", status.code()}, {"error_description", status.message()}});
  // RFC 6749 §5.1/§5.2: error responses are not cached either.
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("Pragma", "no-cache");
  return res;
}

HttpResponse ErrorResponseForPath(std::string_view path, const Status& status) {
  return StartsWith(path, "/oauth/") ? OAuthErrorResponse(status) : ApiErrorResponse(status);
}

}  // namespace chronapilot
