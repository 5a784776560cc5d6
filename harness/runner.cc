// One scenario, start to finish:
//
//   RunScenario ──▶ in-process Mock + HttpServer (port 0)      ◀── client under test (HTTP)
//        │     ──▶ Receiver (httplib, port 0)                  ◀── the mock's webhook deliveries
//        │     ──▶ SubprocessClient (JSON Lines on stdio)      ──▶ ops
//        └── steps: op / browser / http / control / clock / fault / receiver / wait_delivery /
//            journal / let / sign_webhook; each result is judged by the step's `expect` and
//            feeds `save`.
//
// The first step with a failed check ends the scenario: later steps build on earlier ones, and
// a cascade of follow-on failures would hide the one that matters.
#include "harness/runner.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "harness/checks.h"
#include "harness/client.h"
#include "mock/crypto.h"
#include "mock/form.h"
#include "mock/http_server.h"
#include "mock/mock.h"
#include "mock/text.h"
#include "mock/webhook_signature.h"

namespace chronapilot {
namespace {

// Marks the harness's own requests (browser, http and control steps) so that `journal` steps
// can tell them from the client's.
constexpr char kHarnessHeader[] = "Chronapilot-Harness";

using SteadyClock = std::chrono::steady_clock;

int64_t MillisSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

Json ParseJsonOrNull(const std::string& text) {
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? Json() : value;
}

// {"name": "value"} for a decoded form or query; a repeated name maps to a list.
Json FormToJson(const std::string& encoded) {
  Json out = Json::object();
  auto form = Form::Parse(encoded, "query");
  if (!form.ok()) return out;
  for (const auto& [name, value] : form->pairs()) {
    if (!out.contains(name)) {
      out[name] = value;
    } else if (out[name].is_array()) {
      out[name].push_back(value);
    } else {
      out[name] = Json::array({out[name], value});
    }
  }
  return out;
}

Json HeadersToJson(const std::vector<std::pair<std::string, std::string>>& headers) {
  Json out = Json::object();
  for (const auto& [name, value] : headers) {
    const std::string key = ToLower(name);
    if (out.contains(key)) {
      out[key] = out[key].get<std::string>() + ", " + value;
    } else {
      out[key] = value;
    }
  }
  return out;
}

// JSON text that never throws (an HTTP body may hold invalid UTF-8).
std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string ValueText(const Json& value) {
  return value.is_string() ? value.get<std::string>() : Dump(value);
}

// scheme://authority, and the rest ("/path?query"), of an absolute http(s) URL.
struct SplitUrl {
  std::string origin;
  std::string target;
};
std::optional<SplitUrl> Split(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return std::nullopt;
  const std::string scheme = ToLower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const size_t path_start = url.find_first_of("/?#", scheme_end + 3);
  SplitUrl out;
  out.origin = url.substr(0, path_start);
  out.target = path_start == std::string::npos ? "/" : url.substr(path_start);
  const size_t fragment = out.target.find('#');
  if (fragment != std::string::npos) out.target.resize(fragment);
  if (out.target.empty() || out.target[0] == '?') out.target = "/" + out.target;
  return out;
}

// A plain HTTP exchange, as the harness makes it (no redirects followed, raw paths).
struct Exchange {
  std::string method;
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
};

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection refused, dropped, timed out)
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string error;  // when status is 0

  Json ToJson() const {
    Json out{{"status", status},
             {"headers", HeadersToJson(headers)},
             {"json", ParseJsonOrNull(body)},
             {"body", body}};
    if (!error.empty()) out["error"] = error;
    return out;
  }
  std::string Header(const std::string& name) const {
    for (const auto& [k, v] : headers) {
      if (ToLower(k) == ToLower(name)) return v;
    }
    return "";
  }
};

HttpAnswer Send(const Exchange& ex) {
  HttpAnswer answer;
  auto split = Split(ex.url);
  if (!split) {
    answer.error = "not an absolute http(s) URL: " + ex.url;
    return answer;
  }
  httplib::Client client(split->origin);
  client.set_follow_location(false);
  client.set_url_encode(false);
  client.set_keep_alive(false);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  client.enable_server_certificate_verification(false);  // --target may be the mock with --tls
  httplib::Request request;
  request.method = ex.method;
  request.path = split->target;
  for (const auto& [name, value] : ex.headers) request.headers.emplace(name, value);
  if (!ex.content_type.empty() && !request.has_header("Content-Type")) {
    request.headers.emplace("Content-Type", ex.content_type);
  }
  request.body = ex.body;
  auto result = client.send(request);
  if (!result) {
    answer.error = httplib::to_string(result.error());
    return answer;
  }
  answer.status = result->status;
  for (const auto& [name, value] : result->headers) answer.headers.emplace_back(name, value);
  answer.body = result->body;
  return answer;
}

std::string CurlFor(const Exchange& ex) {
  auto headers = ex.headers;
  if (!ex.content_type.empty()) headers.emplace_back("Content-Type", ex.content_type);
  return CurlLine(ex.method, ex.url, headers, ex.body);
}

// The harness's webhook receiver: records every POST and answers as the `receiver` steps say.
//
// Thread safety: httplib's worker threads call Record(); the runner thread waits and reads.
// Everything is guarded by mu_.
class Receiver {
 public:
  Receiver() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Programmed answer = Record(req);
      for (const auto& [name, value] : answer.headers) res.set_header(name, value);
      res.status = answer.status;
    });
    // One request per connection: stopping then never waits for an idle keep-alive connection.
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ > 0) {
      thread_ = std::thread([this] { server_.listen_after_bind(); });
      // httplib's stop() does nothing before its loop runs: wait for it, so that a short
      // scenario can always stop the receiver.
      while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }
  ~Receiver() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool ok() const { return port_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Program(int status, int times, std::vector<std::pair<std::string, std::string>> headers) {
    std::lock_guard lock(mu_);
    for (int i = 0; i < times; ++i) program_.push_back({status, headers});
  }

  // Waits until `done(deliveries)` or the deadline; returns the deliveries seen.
  template <typename Pred>
  std::vector<Json> WaitFor(SteadyClock::time_point deadline, Pred done) {
    std::unique_lock lock(mu_);
    cv_.wait_until(lock, deadline, [&] { return done(deliveries_); });
    return deliveries_;
  }

 private:
  struct Programmed {
    int status = 204;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  Programmed Record(const httplib::Request& req) {
    std::vector<std::pair<std::string, std::string>> headers(req.headers.begin(),
                                                             req.headers.end());
    Json delivery{{"path", req.path},
                  {"headers", HeadersToJson(headers)},
                  {"body", req.body},
                  {"json", ParseJsonOrNull(req.body)},
                  {"received_ms", MillisSince(started_)}};
    std::lock_guard lock(mu_);
    deliveries_.push_back(std::move(delivery));
    Programmed answer;
    if (!program_.empty()) {
      answer = program_.front();
      program_.pop_front();
    }
    cv_.notify_all();
    return answer;
  }

  const SteadyClock::time_point started_ = SteadyClock::now();
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Json> deliveries_;    // GUARDED_BY(mu_)
  std::deque<Programmed> program_;  // GUARDED_BY(mu_)
};

// The inputs of the consent page's form: hidden fields, the login field and the scope boxes.
struct ConsentForm {
  std::string action;
  std::vector<std::pair<std::string, std::string>> hidden;
  std::string login_name;
  std::string login_value;
  std::vector<std::string> scopes;  // values of the checkboxes named "scope"
};

std::string Attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const size_t at = tag.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  const size_t end = tag.find('"', start);
  if (end == std::string::npos) return "";
  // The page escapes &, <, >, " and '; undo that for values.
  std::string raw = tag.substr(start, end - start), out;
  for (size_t i = 0; i < raw.size(); ++i) {
    static const std::pair<const char*, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    bool replaced = false;
    for (const auto& [entity, c] : kEntities) {
      if (raw.compare(i, std::strlen(entity), entity) == 0) {
        out += c;
        i += std::strlen(entity) - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += raw[i];
  }
  return out;
}

std::optional<ConsentForm> ParseConsentForm(const std::string& html) {
  const size_t form_at = html.find("<form");
  if (form_at == std::string::npos) return std::nullopt;
  const size_t form_end = html.find("</form>", form_at);
  ConsentForm form;
  form.action = Attribute(html.substr(form_at, html.find('>', form_at) - form_at), "action");
  for (size_t at = html.find("<input", form_at); at != std::string::npos && at < form_end;
       at = html.find("<input", at + 1)) {
    const std::string tag = html.substr(at, html.find('>', at) - at);
    const std::string type = Attribute(tag, "type"), name = Attribute(tag, "name");
    if (type == "hidden") {
      form.hidden.emplace_back(name, Attribute(tag, "value"));
    } else if (type == "checkbox" && name == "scope") {
      form.scopes.push_back(Attribute(tag, "value"));
    } else if (type == "email" || type == "text") {
      form.login_name = name;
      form.login_value = Attribute(tag, "value");
    }
  }
  if (form.action.empty() || form.login_name.empty()) return std::nullopt;
  return form;
}

std::string Origin(const std::string& url) {
  auto split = Split(url);
  return split ? split->origin : "";
}

Json QueryOf(const std::string& location) {
  const size_t q = location.find('?');
  if (q == std::string::npos) return Json::object();
  std::string query = location.substr(q + 1);
  const size_t fragment = query.find('#');
  if (fragment != std::string::npos) query.resize(fragment);
  return FormToJson(query);
}

// The state of one run of one scenario.
class ScenarioRun {
 public:
  ScenarioRun(const Scenario& scenario, const RunnerOptions& options)
      : scenario_(scenario), options_(options) {}

  ScenarioResult Run();

 private:
  // What a step produced: its result (judged by `expect`), and journal evidence for failures.
  struct StepOutput {
    Json result;
    std::vector<std::string> evidence;
    std::string error;  // the step could not run at all (bad URL, receiver down, ...)
  };

  bool Start(ScenarioResult& out);
  StepOutput RunStep(const Step& step, const Json& spec, ScenarioResult& out, bool& stop);
  StepOutput RunOp(const Step& step, const Json& spec, ScenarioResult& out, bool& stop);
  StepOutput RunBrowser(const Json& spec);
  StepOutput RunHttp(const Json& spec, bool control);
  StepOutput RunWaitDelivery(const Step& step, const Json& spec);
  StepOutput RunJournal(const Json& spec);
  void WaitUntilAttemptsRecorded(const std::vector<Json>& arrivals,
                                 SteadyClock::time_point deadline) const;
  StepOutput RunSignWebhook(const Json& spec);
  StepOutput Control(const std::string& method, const std::string& path, const Json& body);

  std::vector<std::string> Requirements(const Step& step) const {
    return step.requirements.empty() ? scenario_.requirements : step.requirements;
  }
  // Curl lines for the client's requests the mock received after journal seq `after`.
  std::vector<std::string> ClientEvidence(uint64_t after) const;
  Json EntryToJson(const JournalEntry& entry) const;
  uint64_t JournalSeq() const;

  const Scenario& scenario_;
  const RunnerOptions& options_;
  std::unique_ptr<Mock> mock_;
  std::unique_ptr<HttpServer> server_;
  std::thread server_thread_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<SubprocessClient> client_;
  std::string base_url_;
  Json vars_ = Json::object();

 public:
  ~ScenarioRun() {
    client_.reset();  // first: it may be talking to the mock
    if (server_) {
      server_->Stop();
      if (server_thread_.joinable()) server_thread_.join();
    }
    // Before the receiver: the mock's delivery threads hold keep-alive connections to it.
    server_.reset();
    mock_.reset();
    receiver_.reset();
  }
};

std::FILE* NullLog() {
  static std::FILE* null_log = std::fopen("/dev/null", "w");
  return null_log ? null_log : stderr;
}

bool ScenarioRun::Start(ScenarioResult& out) {
  auto fail = [&](const std::string& what, const std::string& why) {
    CheckResult check;
    check.verdict = Verdict::kFail;
    check.requirements = scenario_.requirements;
    check.what = what;
    check.seen = why;
    out.checks.push_back(std::move(check));
    out.outcome = Outcome::kFail;
    out.reason = why;
    return false;
  };
  if (options_.target.empty()) {
    Options mock_options;
    mock_options.port = 0;
    mock_options.quiet = true;
    mock_options.threads = 8;
    mock_options.fixtures = scenario_.fixtures;
    mock_options.auto_consent = scenario_.auto_consent;
    if (!scenario_.retry_schedule.empty()) mock_options.retry_schedule = scenario_.retry_schedule;
    auto mock = Mock::Create(mock_options, NullLog());
    if (!mock.ok()) return fail("start the mock", mock.status().message());
    mock_ = std::move(mock).value();
    server_ = std::make_unique<HttpServer>(*mock_, mock_options);
    auto port = server_->Bind();
    if (!port.ok()) return fail("start the mock", port.status().message());
    server_thread_ = std::thread([this] { server_->Serve(); });
    base_url_ = server_->Url();
  } else {
    base_url_ = options_.target;
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  }
  receiver_ = std::make_unique<Receiver>();
  if (!receiver_->ok()) return fail("start the webhook receiver", "cannot bind 127.0.0.1");
  vars_["base_url"] = base_url_;
  vars_["issuer"] = base_url_;
  vars_["receiver_url"] = receiver_->url();

  if (!scenario_.UsesClient()) return true;
  client_ = SubprocessClient::Start(options_.client_command);
  if (!client_) return fail("start the client", "cannot start: " + options_.client_command);
  ClientReply hello = client_->Call("hello", Json{{"protocol", 1}}, options_.op_timeout_ms);
  if (hello.kind != ClientReply::Kind::kOk) {
    return fail("hello", std::string(ClientReplyKindName(hello.kind)) + ": " +
                             (hello.detail.empty() ? Dump(hello.ToJson()) : hello.detail));
  }
  out.client_hello = hello.result;
  Json config = scenario_.client.is_object() ? scenario_.client : Json::object();
  if (!config.contains("base_url")) config["base_url"] = base_url_;
  ClientReply configured = client_->Call("configure", config, options_.op_timeout_ms);
  if (configured.kind == ClientReply::Kind::kUnsupported) {
    out.outcome = Outcome::kSkip;
    out.reason = "the client does not support configure";
    return false;
  }
  if (configured.kind != ClientReply::Kind::kOk) {
    return fail("configure",
                std::string(ClientReplyKindName(configured.kind)) + ": " +
                    (configured.detail.empty() ? Dump(configured.ToJson()) : configured.detail));
  }
  return true;
}

uint64_t ScenarioRun::JournalSeq() const {
  if (!mock_) return 0;
  JournalFilter filter;
  filter.limit = 1;
  auto last = mock_->journal().Find(filter);
  return last.empty() ? 0 : last.back().seq;
}

std::vector<std::string> ScenarioRun::ClientEvidence(uint64_t after) const {
  std::vector<std::string> lines;
  if (!mock_) return lines;
  JournalFilter filter;
  filter.after_seq = after;
  for (const JournalEntry& entry : mock_->journal().Find(filter)) {
    std::string url = base_url_ + entry.path + (entry.query.empty() ? "" : "?" + entry.query);
    lines.push_back(CurlLine(entry.method, url, entry.headers, entry.body) + "   # → " +
                    std::to_string(entry.status));
  }
  if (lines.size() > 6) lines.erase(lines.begin(), lines.end() - 6);
  return lines;
}

Json ScenarioRun::EntryToJson(const JournalEntry& entry) const {
  std::string content_type;
  bool from_harness = false;
  for (const auto& [name, value] : entry.headers) {
    if (ToLower(name) == "content-type") content_type = ToLower(value);
    if (ToLower(name) == ToLower(kHarnessHeader)) from_harness = true;
  }
  Json out{{"method", entry.method},
           {"path", entry.path},
           {"query", FormToJson(entry.query)},
           {"query_string", entry.query},
           {"headers", HeadersToJson(entry.headers)},
           {"form", content_type.rfind("application/x-www-form-urlencoded", 0) == 0
                        ? FormToJson(entry.body)
                        : Json::object()},
           {"json", ParseJsonOrNull(entry.body)},
           {"body", entry.body},
           {"status", entry.status},
           {"time_ms", entry.time_ms},
           {"from", from_harness ? "harness" : "client"}};
  return out;
}

ScenarioRun::StepOutput ScenarioRun::RunOp(const Step& step, const Json& spec, ScenarioResult& out,
                                           bool& stop) {
  StepOutput output;
  const uint64_t before = JournalSeq();
  const int64_t timeout = step.timeout_ms > 0 ? step.timeout_ms : options_.op_timeout_ms;
  ClientReply reply = client_->Call(step.op, spec, timeout);
  output.evidence = ClientEvidence(before);
  if (reply.kind == ClientReply::Kind::kUnsupported) {
    out.outcome = Outcome::kSkip;
    out.reason = "the client does not support op " + step.op;
    stop = true;
    return output;
  }
  if (reply.Failed()) {
    out.outcome = Outcome::kFail;
    out.reason = std::string(ClientReplyKindName(reply.kind)) + ": " + reply.detail;
    output.error = out.reason;
    stop = true;
    return output;
  }
  output.result = reply.ToJson();
  return output;
}

ScenarioRun::StepOutput ScenarioRun::RunBrowser(const Json& spec) {
  StepOutput output;
  const std::string open = spec.value("open", "");
  const std::string action = spec.value("action", "approve");
  Exchange get{"GET", open, {{kHarnessHeader, "browser"}, {"Accept", "text/html"}}, "", ""};
  HttpAnswer answer = Send(get);
  output.evidence.push_back(CurlFor(get));
  if (answer.status == 200 && action != "none") {
    auto form = ParseConsentForm(answer.body);
    if (!form) {
      output.error = "the page at " + open + " has no consent form";
      output.result = Json{{"status", answer.status}, {"body", answer.body}};
      return output;
    }
    Form::Pairs fields = form->hidden;
    fields.emplace_back(form->login_name,
                        spec.contains("login") ? ValueText(spec["login"]) : form->login_value);
    std::vector<std::string> ticked = form->scopes;
    if (spec.contains("scopes")) {
      ticked.clear();
      for (const Json& s : spec["scopes"]) ticked.push_back(ValueText(s));
    }
    for (const std::string& scope : ticked) fields.emplace_back("scope", scope);
    fields.emplace_back("decision", action == "deny" ? "deny" : "allow");
    std::string action_url = form->action;
    if (!action_url.empty() && action_url[0] == '/') action_url = Origin(open) + action_url;
    Exchange post{"POST",
                  action_url,
                  {{kHarnessHeader, "browser"}},
                  Form::Encode(fields),
                  "application/x-www-form-urlencoded"};
    answer = Send(post);
    output.evidence.push_back(CurlFor(post));
  }
  // `location` and `query` only when the answer redirected, so `exists: false` can say "no
  // redirect" (AUTHZ-2).
  output.result = Json{
      {"status", answer.status}, {"headers", HeadersToJson(answer.headers)}, {"body", answer.body}};
  for (const auto& [name, value] : answer.headers) {
    if (ToLower(name) != "location") continue;
    output.result["location"] = value;
    output.result["query"] = QueryOf(value);
  }
  if (answer.status == 0) output.error = "no answer from " + open + ": " + answer.error;
  return output;
}

ScenarioRun::StepOutput ScenarioRun::RunHttp(const Json& spec, bool control) {
  StepOutput output;
  Exchange ex;
  ex.method = spec.value("method", control ? "POST" : "GET");
  if (spec.contains("url")) {
    ex.url = ValueText(spec["url"]);
  } else {
    ex.url = base_url_ + ValueText(spec.value("path", Json("/")));
  }
  if (spec.contains("query") && spec["query"].is_object()) {
    Form::Pairs pairs;
    for (const auto& [name, value] : spec["query"].items())
      pairs.emplace_back(name, ValueText(value));
    ex.url += (ex.url.find('?') == std::string::npos ? "?" : "&") + Form::Encode(pairs);
  }
  ex.headers.emplace_back(kHarnessHeader, control ? "control" : "http");
  if (spec.contains("headers")) {
    for (const auto& [name, value] : spec["headers"].items())
      ex.headers.emplace_back(name, ValueText(value));
  }
  if (spec.contains("basic")) {
    const Json& b = spec["basic"];
    const std::string user = b.contains("user") ? ValueText(b["user"]) : "";
    const std::string password = b.contains("password") ? ValueText(b["password"]) : "";
    ex.headers.emplace_back(
        "Authorization",
        "Basic " + Base64Encode(PercentEncode(user, true) + ":" + PercentEncode(password, true)));
  }
  if (spec.contains("form")) {
    Form::Pairs pairs;
    for (const auto& [name, value] : spec["form"].items())
      pairs.emplace_back(name, ValueText(value));
    ex.body = Form::Encode(pairs);
    ex.content_type = "application/x-www-form-urlencoded";
  } else if (spec.contains("form_pairs")) {
    Form::Pairs pairs;
    for (const Json& pair : spec["form_pairs"]) {
      if (pair.is_array() && pair.size() == 2)
        pairs.emplace_back(ValueText(pair[0]), ValueText(pair[1]));
    }
    ex.body = Form::Encode(pairs);
    ex.content_type = "application/x-www-form-urlencoded";
  } else if (spec.contains("json")) {
    ex.body = Dump(spec["json"]);
    ex.content_type = "application/json";
  } else if (spec.contains("body")) {
    ex.body = ValueText(spec["body"]);
  }
  if (spec.contains("content_type")) ex.content_type = ValueText(spec["content_type"]);
  HttpAnswer answer = Send(ex);
  output.evidence.push_back(CurlFor(ex) + "   # → " + std::to_string(answer.status));
  output.result = answer.ToJson();
  if (answer.status == 0) output.error = "no answer from " + ex.url + ": " + answer.error;
  return output;
}

ScenarioRun::StepOutput ScenarioRun::Control(const std::string& method, const std::string& path,
                                             const Json& body) {
  StepOutput output = RunHttp(Json{{"method", method}, {"path", path}, {"json", body}}, true);
  const int status = output.result.value("status", 0);
  if (output.error.empty() && (status < 200 || status > 299)) {
    output.error = "the control API refused " + method + " " + path + " with " +
                   std::to_string(status) + ": " + output.result.value("body", "");
  }
  return output;
}

ScenarioRun::StepOutput ScenarioRun::RunWaitDelivery(const Step& step, const Json& spec) {
  StepOutput output;
  const Json match = spec.value("match", Json::object());
  const int64_t count = spec.value("count", 1);
  const bool window = spec.contains("within_ms");
  const int64_t wait_ms =
      window ? spec["within_ms"].get<int64_t>()
             : (step.timeout_ms > 0 ? step.timeout_ms : options_.delivery_timeout_ms);
  auto matches = [&](const Json& delivery) {
    for (const auto& [path, matcher] : match.items()) {
      if (!Match(matcher, Lookup(delivery, path)).passed) return false;
    }
    return true;
  };
  auto matching = [&](const std::vector<Json>& all) {
    Json out = Json::array();
    for (const Json& d : all) {
      if (matches(d)) out.push_back(d);
    }
    return out;
  };
  const auto deadline = SteadyClock::now() + std::chrono::milliseconds(wait_ms);
  std::vector<Json> all = receiver_->WaitFor(deadline, [&](const std::vector<Json>& seen) {
    return !window && static_cast<int64_t>(matching(seen).size()) >= count;
  });
  Json found = matching(all);
  WaitUntilAttemptsRecorded(all, deadline + std::chrono::seconds(1));
  output.result = Json{{"count", found.size()},
                       {"deliveries", found},
                       {"first", found.empty() ? Json() : found.front()},
                       {"last", found.empty() ? Json() : found.back()},
                       {"all_count", all.size()}};
  return output;
}

// The receiver sees a delivery before the mock sees its answer. A step that moves the clock
// right after a wait must find the attempt recorded (and its retry scheduled), so wait until the
// mock has an attempt for every arrival and none of those messages is still being sent.
void ScenarioRun::WaitUntilAttemptsRecorded(const std::vector<Json>& arrivals,
                                            SteadyClock::time_point deadline) const {
  if (!mock_ || arrivals.empty()) return;
  std::map<std::string, size_t> arrived;  // webhook-id → arrivals at the receiver
  for (const Json& d : arrivals) {
    auto id = Lookup(d, "headers.webhook-id");
    if (id && id->is_string()) ++arrived[id->get<std::string>()];
  }
  while (SteadyClock::now() < deadline) {
    const auto messages = mock_->WithWorld([](World& w) { return w.webhooks->Deliveries({}); });
    size_t settled = 0;
    for (const WebhookMessage& m : messages) {
      auto it = arrived.find(m.id);
      if (it != arrived.end() && m.attempts.size() >= it->second &&
          m.state != WebhookMessage::State::kSending) {
        ++settled;
      }
    }
    if (settled == arrived.size()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

ScenarioRun::StepOutput ScenarioRun::RunJournal(const Json& spec) {
  StepOutput output;
  if (spec.contains("within_ms")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(spec["within_ms"].get<int64_t>()));
  }
  JournalFilter filter;
  filter.method = spec.value("method", "");
  filter.path = spec.value("path", "");
  filter.path_prefix = spec.value("path_prefix", "");
  const std::string from = spec.value("from", "any");
  Json entries = Json::array();
  std::optional<int64_t> previous_ms;
  for (const JournalEntry& entry : mock_->journal().Find(filter)) {
    Json e = EntryToJson(entry);
    if (from != "any" && e["from"] != from) continue;
    // Time since the previous selected entry arrived (e.g. a retry's wait after Retry-After).
    if (previous_ms) e["gap_ms"] = entry.time_ms - *previous_ms;
    previous_ms = entry.time_ms;
    std::string url = base_url_ + entry.path + (entry.query.empty() ? "" : "?" + entry.query);
    output.evidence.push_back(CurlLine(entry.method, url, entry.headers, entry.body) + "   # → " +
                              std::to_string(entry.status));
    entries.push_back(std::move(e));
  }
  if (output.evidence.size() > 6) {
    output.evidence.erase(output.evidence.begin(), output.evidence.end() - 6);
  }
  output.result = Json{{"count", entries.size()},
                       {"entries", entries},
                       {"first", entries.empty() ? Json() : entries.front()},
                       {"last", entries.empty() ? Json() : entries.back()}};
  return output;
}

ScenarioRun::StepOutput ScenarioRun::RunSignWebhook(const Json& spec) {
  StepOutput output;
  std::vector<std::string> secrets;
  if (spec.contains("secret") && spec["secret"].is_array()) {
    for (const Json& s : spec["secret"]) secrets.push_back(ValueText(s));
  } else if (spec.contains("secret")) {
    secrets.push_back(ValueText(spec["secret"]));
  }
  for (const std::string& secret : secrets) {
    if (!WebhookSecretKey(secret)) {
      output.error = "sign_webhook: not a whsec_ secret";
      return output;
    }
  }
  const std::string id = spec.contains("id") ? ValueText(spec["id"]) : NewId("msg_");
  const std::string body =
      spec.contains("body")
          ? (spec["body"].is_string() ? spec["body"].get<std::string>() : Dump(spec["body"]))
          : "{}";
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t timestamp = now + spec.value("timestamp_offset", int64_t{0});
  std::string signature;
  for (const std::string& secret : secrets) {
    if (!signature.empty()) signature += ' ';
    signature += SignWebhook(secret, id, timestamp, body);
  }
  output.result = Json{{"headers",
                        {{"webhook-id", id},
                         {"webhook-timestamp", std::to_string(timestamp)},
                         {"webhook-signature", signature},
                         {"content-type", "application/json"}}},
                       {"body", body}};
  return output;
}

ScenarioRun::StepOutput ScenarioRun::RunStep(const Step& step, const Json& spec,
                                             ScenarioResult& out, bool& stop) {
  switch (step.kind) {
    case StepKind::kOp:
      return RunOp(step, spec, out, stop);
    case StepKind::kBrowser:
      return RunBrowser(spec);
    case StepKind::kHttp:
      return RunHttp(spec, false);
    case StepKind::kControl:
      return RunHttp(spec, true);
    case StepKind::kAdvanceClock:
      return Control("POST", "/_mock/clock/advance", Json{{"seconds", spec}});
    case StepKind::kFault:
      return Control("POST", "/_mock/faults", spec);
    case StepKind::kReceiver: {
      std::vector<std::pair<std::string, std::string>> headers;
      if (spec.contains("headers")) {
        for (const auto& [name, value] : spec["headers"].items())
          headers.emplace_back(name, ValueText(value));
      }
      receiver_->Program(spec.value("status", 204), spec.value("times", 1), std::move(headers));
      return StepOutput{Json::object(), {}, ""};
    }
    case StepKind::kWaitDelivery:
      return RunWaitDelivery(step, spec);
    case StepKind::kJournal:
      return RunJournal(spec);
    case StepKind::kLet: {
      for (const auto& [name, value] : spec.items()) vars_[name] = value;
      return StepOutput{spec, {}, ""};
    }
    case StepKind::kSignWebhook:
      return RunSignWebhook(spec);
  }
  return StepOutput{Json(), {}, "unknown step kind"};
}

ScenarioResult ScenarioRun::Run() {
  ScenarioResult out;
  out.id = scenario_.id;
  out.title = scenario_.title;
  out.file = scenario_.pos.ToString();
  out.requirements = scenario_.requirements;
  out.tags = scenario_.tags;
  if (!options_.target.empty() && scenario_.NeedsControl()) {
    out.outcome = Outcome::kSkip;
    out.reason = "needs the control API: runs against the in-process mock only";
    return out;
  }
  if (!Start(out)) return out;

  for (const Step& step : scenario_.steps) {
    const std::string label =
        "step " + std::to_string(step.number) + " (" +
        (step.kind == StepKind::kOp ? "op " + step.op : StepKindName(step.kind)) + ")";
    auto fail_step = [&](const std::string& why, std::vector<std::string> evidence) {
      CheckResult check;
      check.verdict = Verdict::kFail;
      check.requirements = Requirements(step);
      check.step = step.number;
      check.what = label + " at " + step.pos.ToString();
      check.expected = "the step runs";
      check.seen = why;
      check.evidence = std::move(evidence);
      out.checks.push_back(std::move(check));
      if (out.outcome != Outcome::kSkip) out.outcome = Outcome::kFail;
    };
    auto spec = Substitute(step.spec, vars_);
    if (!spec.ok()) {
      fail_step(spec.status().message(), {});
      break;
    }
    bool stop = false;
    StepOutput output;
    try {
      output = RunStep(step, *spec, out, stop);
    } catch (const std::exception& e) {
      // A value of the wrong type after substitution ("within_ms": "soon"): the step's fault,
      // reported as such, never a harness crash.
      fail_step(std::string("the step's values do not fit its kind: ") + e.what(), {});
      break;
    }
    if (out.outcome == Outcome::kSkip) break;
    if (!output.error.empty()) {
      fail_step(output.error, output.evidence);
      break;
    }

    // Implicit expectations: an op must succeed, a wait must see its deliveries.
    std::vector<Expectation> expectations = step.expect;
    if (step.kind == StepKind::kOp && !step.has_expect) {
      expectations.push_back(Expectation{"ok", Json(true), step.pos});
    }
    if (step.kind == StepKind::kWaitDelivery && !spec->contains("within_ms")) {
      expectations.push_back(
          Expectation{"count", Json{{"gte", spec->value("count", 1)}}, step.pos});
    }
    bool failed = false;
    for (const Expectation& e : expectations) {
      auto matcher = Substitute(e.matcher, vars_);  // `expect: {x: "${saved}"}`
      if (!matcher.ok()) {
        fail_step(matcher.status().message() + " (in expect " + e.path + ")", {});
        failed = true;
        break;
      }
      const MatchOutcome m = Match(*matcher, Lookup(output.result, e.path));
      CheckResult check;
      check.verdict = m.passed ? Verdict::kPass : Verdict::kFail;
      check.requirements = Requirements(step);
      check.step = step.number;
      check.what = label + ": " + (e.path.empty() ? "(result)" : e.path);
      check.expected = m.expected;
      check.seen = m.seen;
      if (!m.passed) {
        check.evidence = output.evidence;
        // What the client said, when the check is about something else.
        if (step.kind == StepKind::kOp && e.path != "ok" && e.path.rfind("error", 0) != 0 &&
            output.result.value("ok", true) == false) {
          check.seen += "   (the client answered: " + Dump(output.result["error"]) + ")";
        }
        failed = true;
      }
      out.checks.push_back(std::move(check));
    }
    if (failed) {
      out.outcome = Outcome::kFail;
      break;
    }
    for (const auto& [name, path] : step.save) {
      auto value = Lookup(output.result, path);
      if (!value) {
        fail_step("save " + name + ": the result has no " + path + " (" +
                      Dump(output.result).substr(0, 300) + ")",
                  output.evidence);
        break;
      }
      vars_[name] = *value;
    }
    if (out.outcome == Outcome::kFail || stop) break;
  }
  if (out.outcome == Outcome::kFail && scenario_.level == Level::kRecommended) {
    out.outcome = Outcome::kWarn;
    for (CheckResult& check : out.checks) {
      if (check.verdict == Verdict::kFail) check.verdict = Verdict::kWarn;
    }
  }
  if (client_ && out.outcome != Outcome::kPass) out.client_stderr = client_->Stderr();
  return out;
}

}  // namespace

ScenarioResult RunScenario(const Scenario& scenario, const RunnerOptions& options) {
  const auto started = SteadyClock::now();
  ScenarioResult result;
  {
    ScenarioRun run(scenario, options);
    result = run.Run();
  }
  result.duration_ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - started).count();
  return result;
}

std::vector<ScenarioResult> RunScenarios(const std::vector<const Scenario*>& scenarios,
                                         const RunnerOptions& options, int jobs) {
  std::vector<ScenarioResult> results(scenarios.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < scenarios.size(); i = next++) {
      results[i] = RunScenario(*scenarios[i], options);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::min<int>(jobs, static_cast<int>(scenarios.size())); ++t) {
    threads.emplace_back(worker);
  }
  worker();
  for (std::thread& t : threads) t.join();
  return results;
}

}  // namespace chronapilot
