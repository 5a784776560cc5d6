// Status and StatusOr<T>: the one error currency of the mock. Domain code returns them; only the
// HTTP edge turns a Status into a status line and an error body (OAuth's {"error", ...} or the
// API's {"error": {"type", "code", ...}}). No exceptions cross module boundaries.
//
// Thread safety: plain values; safe to copy between threads.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace chronapilot {

// The kind decides the HTTP status and the API error type (SPEC ERR-1).
enum class ErrorKind {
  kOk,
  kInvalidRequest,        // 400 invalid_request_error
  kUnauthenticated,       // 401 authentication_error
  kPermissionDenied,      // 403 permission_error
  kNotFound,              // 404 invalid_request_error
  kMethodNotAllowed,      // 405 invalid_request_error
  kConflict,              // 409 idempotency_error
  kPayloadTooLarge,       // 413 invalid_request_error
  kUnsupportedMediaType,  // 415 invalid_request_error
  kRateLimited,           // 429 rate_limit_error
  kInternal,              // 500 api_error
  kUnavailable,           // 503 api_error
};

class Status {
 public:
  Status() = default;  // OK

  // `code` is the machine-readable error code the wire carries: an OAuth error
  // ("invalid_grant") or an API error code ("account_invalid"). `param` names the offending
  // input field, when there is one.
  static Status InvalidRequest(std::string code, std::string message, std::string param = "") {
    return Status(ErrorKind::kInvalidRequest, std::move(code), std::move(message),
                  std::move(param));
  }
  static Status Unauthenticated(std::string code, std::string message) {
    return Status(ErrorKind::kUnauthenticated, std::move(code), std::move(message));
  }
  static Status PermissionDenied(std::string code, std::string message) {
    return Status(ErrorKind::kPermissionDenied, std::move(code), std::move(message));
  }
  static Status NotFound(std::string code, std::string message, std::string param = "") {
    return Status(ErrorKind::kNotFound, std::move(code), std::move(message), std::move(param));
  }
  static Status MethodNotAllowed(std::string message) {
    return Status(ErrorKind::kMethodNotAllowed, "method_not_allowed", std::move(message));
  }
  static Status Conflict(std::string code, std::string message) {
    return Status(ErrorKind::kConflict, std::move(code), std::move(message));
  }
  static Status PayloadTooLarge(std::string message) {
    return Status(ErrorKind::kPayloadTooLarge, "payload_too_large", std::move(message));
  }
  static Status UnsupportedMediaType(std::string message) {
    return Status(ErrorKind::kUnsupportedMediaType, "unsupported_media_type", std::move(message));
  }
  // An error of any kind with a generic code, for answers the control API injects (CTRL-5).
  static Status Injected(ErrorKind kind, std::string message) {
    return Status(kind, kind == ErrorKind::kRateLimited ? "rate_limited" : "injected_fault",
                  std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(ErrorKind::kInternal, "internal_error", std::move(message));
  }

  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::string& param() const { return param_; }

  // "invalid_grant: authorization code expired"; for logs and test failure messages.
  std::string ToString() const { return ok() ? "OK" : code_ + ": " + message_; }

 private:
  Status(ErrorKind kind, std::string code, std::string message, std::string param = "")
      : kind_(kind),
        code_(std::move(code)),
        message_(std::move(message)),
        param_(std::move(param)) {}

  ErrorKind kind_ = ErrorKind::kOk;
  std::string code_;
  std::string message_;
  std::string param_;
};

// Either a value or a non-OK Status.
template <typename T>
class StatusOr {
 public:
  StatusOr(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT
  StatusOr(T value) : value_(std::move(value)) {}                                  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  T& operator*() & { return *value_; }
  const T* operator->() const { return &*value_; }
  T* operator->() { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace chronapilot
