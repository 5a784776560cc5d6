#include "mock/faults.h"

#include "mock/json_body.h"
#include "mock/text.h"

namespace chronapilot {
namespace {

constexpr int64_t kMaxDelayMs = 120000;

Status Invalid(const std::string& param, const std::string& message) {
  return Status::InvalidRequest("parameter_invalid", message, param);
}

}  // namespace

bool Fault::Matches(const std::string& m, const std::string& p) const {
  if (!method.empty() && method != m) return false;
  if (path.empty()) return true;
  if (path.back() == '*') return StartsWith(p, std::string_view(path).substr(0, path.size() - 1));
  return path == p;
}

Json Fault::ToJson() const {
  Json match = Json::object();
  if (!method.empty()) match["method"] = method;
  if (!path.empty()) match["path"] = path;
  Json out = {{"id", id}, {"match", match}};
  if (status) {
    Json h = Json::object();
    for (const auto& [k, v] : headers) h[k] = v;
    out["response"] = {{"status", *status}, {"headers", h}, {"body", body}};
  }
  out["delay_ms"] = delay_ms;
  out["drop_connection"] = drop_connection;
  out["times"] = remaining;
  return out;
}

StatusOr<Fault> Fault::FromJson(const Json& body) {
  if (Status s =
          RejectUnknownFields(body, {"match", "response", "delay_ms", "drop_connection", "times"});
      !s.ok()) {
    return s;
  }
  Fault f;
  if (body.contains("match")) {
    const Json& match = body["match"];
    if (!match.is_object()) return Invalid("match", "match must be an object");
    for (const auto& [key, value] : match.items()) {
      if (key != "method" && key != "path") {
        return Status::InvalidRequest("parameter_unknown", "unknown field match." + key,
                                      "match." + key);
      }
      if (!value.is_string() || HasControlChars(value.get<std::string>())) {
        return Invalid("match." + key, "match." + key + " must be a string");
      }
    }
    f.method = match.value("method", "");
    if (!f.method.empty() && f.method != "GET" && f.method != "POST" && f.method != "PUT" &&
        f.method != "PATCH" && f.method != "DELETE" && f.method != "HEAD" &&
        f.method != "OPTIONS") {
      return Invalid("match.method", "match.method must be an upper-case HTTP method like POST");
    }
    f.path = match.value("path", "");
    if (!f.path.empty() && f.path[0] != '/') {
      return Invalid("match.path",
                     "match.path must start with '/' (a trailing '*' matches a prefix)");
    }
  }
  if (body.contains("response")) {
    const Json& r = body["response"];
    if (!r.is_object()) return Invalid("response", "response must be an object");
    if (Status s = RejectUnknownFields(r, {"status", "headers", "body"}); !s.ok()) {
      return Status::InvalidRequest(s.code(), s.message(), "response." + s.param());
    }
    if (!r.contains("status") || !r["status"].is_number_integer() || r["status"] < 100 ||
        r["status"] > 599) {
      return Invalid("response.status", "response.status must be an HTTP status from 100 to 599");
    }
    f.status = r["status"].get<int>();
    if (r.contains("headers")) {
      if (!r["headers"].is_object())
        return Invalid("response.headers", "headers must be an object");
      for (const auto& [name, value] : r["headers"].items()) {
        const bool token = !name.empty() && name.find_first_of(" :\r\n\t") == std::string::npos;
        if (!token || !value.is_string() || HasControlChars(value.get<std::string>())) {
          return Invalid("response.headers." + name,
                         "each header needs a plain name and a one-line string value");
        }
        f.headers.emplace_back(name, value.get<std::string>());
      }
    }
    if (r.contains("body")) {
      f.body = r["body"].is_string() ? r["body"].get<std::string>() : r["body"].dump();
    }
  }
  if (body.contains("delay_ms")) {
    const Json& d = body["delay_ms"];
    if (!d.is_number_integer() || d < 0 || d > kMaxDelayMs) {
      return Invalid("delay_ms", "delay_ms must be a whole number from 0 to 120000");
    }
    f.delay_ms = d.get<int64_t>();
  }
  if (body.contains("drop_connection")) {
    if (!body["drop_connection"].is_boolean()) {
      return Invalid("drop_connection", "drop_connection must be true or false");
    }
    f.drop_connection = body["drop_connection"].get<bool>();
  }
  if (body.contains("times")) {
    const Json& t = body["times"];
    if (!t.is_number_integer() || t < 1 || t > 1000000) {
      return Invalid("times", "times must be a whole number from 1 to 1000000");
    }
    f.remaining = t.get<int64_t>();
  }
  if (!f.status && !f.drop_connection && f.delay_ms == 0) {
    return Invalid("response", "a fault needs a response, a delay_ms or drop_connection");
  }
  return f;
}

uint64_t FaultInjector::Add(Fault fault) {
  std::lock_guard lock(mu_);
  fault.id = next_id_++;
  faults_.push_back(std::move(fault));
  return faults_.back().id;
}

std::optional<Fault> FaultInjector::Take(const std::string& method, const std::string& path) {
  std::lock_guard lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->Matches(method, path)) continue;
    Fault taken = *it;
    if (--it->remaining <= 0) faults_.erase(it);
    return taken;
  }
  return std::nullopt;
}

std::vector<Fault> FaultInjector::List() const {
  std::lock_guard lock(mu_);
  return faults_;
}

size_t FaultInjector::Clear() {
  std::lock_guard lock(mu_);
  const size_t n = faults_.size();
  faults_.clear();
  return n;
}

}  // namespace chronapilot
