#include "mock/webhook_sender.h"

#include <httplib.h>

#include <chrono>
#include <map>
#include <memory>

#include "mock/text.h"
#include "mock/url.h"

namespace chronapilot {
namespace {

// One client per receiver and thread: keep-alive connections make a fast receiver fast.
httplib::Client& ClientFor(const Uri& uri, int64_t timeout_ms) {
  thread_local std::map<std::string, std::unique_ptr<httplib::Client>> clients;
  const std::string origin =
      uri.scheme + "://" + uri.host + (uri.port.empty() ? "" : ":" + uri.port);
  auto& client = clients[origin];
  if (!client) {
    client = std::make_unique<httplib::Client>(origin);
    client->set_keep_alive(true);
    client->set_follow_location(false);  // HOOK-5: a redirect is a failed attempt
    client->set_url_encode(false);
    client->set_tcp_nodelay(true);
  }
  const time_t sec = time_t(timeout_ms / 1000);
  const time_t usec = time_t(timeout_ms % 1000 * 1000);
  client->set_connection_timeout(sec, usec);
  client->set_read_timeout(sec, usec);
  client->set_write_timeout(sec, usec);
  return *client;
}

}  // namespace

WebhookResult HttpWebhookSender::Send(const WebhookRequest& request) {
  WebhookResult result;
  auto uri = ParseUri(request.url);
  if (!uri) {
    result.error = "invalid URL";
    return result;
  }
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);
  const std::string target =
      (uri->path.empty() ? "/" : uri->path) + (uri->has_query ? "?" + uri->query : "");
  const auto started = std::chrono::steady_clock::now();
  auto res = ClientFor(*uri, request.timeout_ms)
                 .Post(target.c_str(), headers, request.body, "application/json");
  result.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!res) {
    result.error = httplib::to_string(res.error());
    return result;
  }
  result.status = res->status;
  const std::string retry_after = res->get_header_value("Retry-After");
  if (auto seconds = ParseDecimal(retry_after, 9)) {
    result.retry_after_seconds = *seconds;
  }
  return result;
}

}  // namespace chronapilot
