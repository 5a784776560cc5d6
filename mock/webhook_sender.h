// How a webhook attempt leaves the mock: an interface, so that tests can swap in a fake, and the
// real sender, an HTTP POST with cpp-httplib that follows no redirects (SPEC HOOK-5).
//
// Thread safety: Send() is called concurrently by the delivery threads. HttpWebhookSender keeps
// one keep-alive connection per receiver per thread (thread_local), so it shares nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mock/http.h"

namespace chronapilot {

struct WebhookRequest {
  std::string url;
  HeaderList headers;
  std::string body;
  int64_t timeout_ms = 10000;
};

struct WebhookResult {
  int status = 0;                              // 0: no HTTP answer (refused, timed out, reset)
  std::string error;                           // why there was no answer, or ""
  std::optional<int64_t> retry_after_seconds;  // from a Retry-After header in seconds
  double duration_ms = 0;
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual WebhookResult Send(const WebhookRequest& request) = 0;
};

class HttpWebhookSender : public WebhookSender {
 public:
  WebhookResult Send(const WebhookRequest& request) override;
};

}  // namespace chronapilot
