// The SDK's error currency: every call returns Result<T>, either a value or an Error that says
// what went wrong in the terms an application acts on (the API's error code, the OAuth error, or
// one of the SDK's own local codes such as state_mismatch). No exceptions leave the SDK.
//
// Thread safety: plain values.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace chronapilot::sdk {

// Local error codes (SPEC HARN-3), for refusals that never reached a server or failed in transit.
inline constexpr char kStateMismatch[] = "state_mismatch";
inline constexpr char kIssMismatch[] = "iss_mismatch";
inline constexpr char kInvalidSignature[] = "invalid_signature";
inline constexpr char kTimestampOutOfRange[] = "timestamp_out_of_range";
inline constexpr char kNoTokens[] = "no_tokens";
inline constexpr char kInsufficientScope[] = "insufficient_scope";
inline constexpr char kNetworkError[] = "network_error";
// The callback carried neither a code nor an error.
inline constexpr char kInvalidCallback[] = "invalid_callback";
// A server answer that is not what the protocol promises (bad JSON, no access_token, ...).
inline constexpr char kInvalidResponse[] = "invalid_response";
// The SDK was used wrongly (not configured, no platform key, bad arguments).
inline constexpr char kInvalidArgs[] = "invalid_args";

struct Error {
  std::string code;     // the API's error.code, the OAuth error, or a local code above
  std::string message;  // for humans; never contains a secret
  int status = 0;       // the HTTP status when the error came from an HTTP answer, else 0

  static Error Local(std::string code, std::string message) {
    return Error{std::move(code), std::move(message), 0};
  }
};

// Either a value or an Error.
template <typename T>
class Result {
 public:
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  Result(T value) : value_(std::move(value)) {}      // NOLINT

  bool ok() const { return value_.has_value(); }
  const Error& error() const {
    assert(!ok());
    return error_;
  }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const T& operator*() const& { return *value_; }
  const T* operator->() const { return &*value_; }

 private:
  Error error_;
  std::optional<T> value_;
};

}  // namespace chronapilot::sdk
