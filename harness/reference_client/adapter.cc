#include "harness/reference_client/adapter.h"

#include <ctime>
#include <stdexcept>

#include "harness/reference_client/webhook_verifier.h"

namespace chronapilot::sdk {
namespace {

// A malformed argument; caught in Handle() and answered as invalid_args.
struct BadArgs : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const Json& Field(const Json& args, const char* name) {
  static const Json kNull;
  if (!args.is_object()) return kNull;
  auto it = args.find(name);
  return it == args.end() ? kNull : *it;
}

std::string RequiredString(const Json& args, const char* name) {
  const Json& v = Field(args, name);
  if (!v.is_string()) throw BadArgs(std::string("args.") + name + " must be a string");
  return v.get<std::string>();
}

std::string OptionalString(const Json& args, const char* name) {
  const Json& v = Field(args, name);
  if (v.is_null()) return "";
  if (!v.is_string()) throw BadArgs(std::string("args.") + name + " must be a string");
  return v.get<std::string>();
}

std::vector<std::string> StringList(const Json& args, const char* name) {
  const Json& v = Field(args, name);
  if (v.is_string()) {  // "events:read events:write" is accepted as well
    std::vector<std::string> out;
    std::string item;
    for (char c : v.get<std::string>() + " ") {
      if (c != ' ') {
        item += c;
      } else if (!item.empty()) {
        out.push_back(std::move(item));
        item.clear();
      }
    }
    return out;
  }
  if (!v.is_array()) throw BadArgs(std::string("args.") + name + " must be a list of strings");
  std::vector<std::string> out;
  for (const Json& item : v) {
    if (!item.is_string()) throw BadArgs(std::string("args.") + name + " must hold strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Auth ParseAuth(const Json& args) {
  const Json& a = Field(args, "auth");
  if (a.is_null()) return Auth::OAuth();
  if (!a.is_object()) throw BadArgs("args.auth must be {mode, account?}");
  const std::string mode = OptionalString(a, "mode");
  const std::string account = OptionalString(a, "account");
  if (mode.empty() || mode == "oauth") return Auth::OAuth(account);
  if (mode == "platform") return Auth::Platform(account);
  throw BadArgs("args.auth.mode must be \"oauth\" or \"platform\", got \"" + mode + "\"");
}

ListOptions ParseList(const Json& args) {
  ListOptions list;
  list.calendar_id = OptionalString(args, "calendar_id");
  const Json& limit = Field(args, "limit");
  if (!limit.is_null()) {
    if (!limit.is_number_integer()) throw BadArgs("args.limit must be an integer");
    list.limit = limit.get<int>();
  }
  const Json& all = Field(args, "all_pages");
  if (!all.is_null()) {
    if (!all.is_boolean()) throw BadArgs("args.all_pages must be true or false");
    list.all_pages = all.get<bool>();
  }
  return list;
}

const Json& RequiredObject(const Json& args, const char* name) {
  const Json& v = Field(args, name);
  if (!v.is_object()) throw BadArgs(std::string("args.") + name + " must be an object");
  return v;
}

Json ErrorJson(const Error& error) {
  Json out = {{"code", error.code}, {"message", error.message}};
  if (error.status != 0) out["status"] = error.status;
  return out;
}

int64_t SystemSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

Adapter::Adapter(AdapterOptions options) : options_(std::move(options)) {
  if (!options_.wall_seconds) options_.wall_seconds = SystemSeconds;
}

Adapter::~Adapter() = default;

std::string Adapter::HandleLine(const std::string& line) {
  Json request = Json::parse(line, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    return Json{
        {"id", nullptr},
        {"ok", false},
        {"error", {{"code", "invalid_request"}, {"message", "the line is not a JSON object"}}}}
        .dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return Handle(request).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json Adapter::Handle(const Json& request) {
  const Json id = request.contains("id") ? request["id"] : Json();
  const Json& op = Field(request, "op");
  const Json& args = Field(request, "args");
  Result<Json> result = Error::Local(kInvalidArgs, "");
  if (!op.is_string()) {
    result = Error::Local(kInvalidArgs, "the request has no \"op\" string");
  } else if (!args.is_null() && !args.is_object()) {
    result = Error::Local(kInvalidArgs, "\"args\" must be an object");
  } else {
    try {
      result = Dispatch(op.get<std::string>(), args.is_null() ? Json::object() : args);
    } catch (const BadArgs& e) {
      result = Error::Local(kInvalidArgs, e.what());
    } catch (const std::exception& e) {  // a JSON type error in arguments the op reads
      result = Error::Local(kInvalidArgs, std::string("bad arguments: ") + e.what());
    }
  }
  if (options_.log) {
    std::fprintf(options_.log, "[adapter] %s -> %s\n",
                 op.is_string() ? op.get<std::string>().c_str() : "?",
                 result.ok() ? "ok" : result.error().code.c_str());
    std::fflush(options_.log);
  }
  if (result.ok()) return Json{{"id", id}, {"ok", true}, {"result", *result}};
  return Json{{"id", id}, {"ok", false}, {"error", ErrorJson(result.error())}};
}

Result<Json> Adapter::Dispatch(const std::string& op, const Json& args) {
  if (op == "hello") {
    const Json& protocol = Field(args, "protocol");
    if (!protocol.is_null() && protocol != kProtocolVersion) {
      return Error::Local("unsupported_protocol",
                          "this client speaks protocol " + std::to_string(kProtocolVersion));
    }
    return Json{{"name", kSdkName}, {"version", kSdkVersion}, {"language", "C++"}};
  }
  if (op == "configure") return Configure(args);
  if (op == "verify_webhook") return VerifyWebhookOp(args);

  static const char* const kClientOps[] = {"authorization_url",
                                           "complete_authorization",
                                           "refresh",
                                           "revoke",
                                           "list_events",
                                           "create_event",
                                           "get_event",
                                           "update_event",
                                           "delete_event",
                                           "list_calendars",
                                           "list_provider_connections",
                                           "create_webhook_endpoint",
                                           "delete_webhook_endpoint"};
  bool known = false;
  for (const char* name : kClientOps) known = known || op == name;
  if (!known) return Error::Local("unsupported", "this client does not support op '" + op + "'");
  if (!client_) return Error::Local(kInvalidArgs, "send 'configure' before '" + op + "'");
  ConnectClient& c = *client_;

  if (op == "authorization_url") {
    auto url = c.AuthorizationUrl(StringList(args, "scopes"), OptionalString(args, "login_hint"));
    if (!url.ok()) return url.error();
    return Json{{"url", *url}};
  }
  if (op == "complete_authorization") {
    return c.CompleteAuthorization(RequiredString(args, "callback_url"));
  }
  if (op == "refresh") return c.Refresh(OptionalString(args, "account"));
  if (op == "revoke") return c.Revoke(OptionalString(args, "account"));
  if (op == "list_events") return c.ListEvents(ParseAuth(args), ParseList(args));
  if (op == "create_event") {
    return c.CreateEvent(ParseAuth(args), RequiredObject(args, "event"),
                         OptionalString(args, "idempotency_key"));
  }
  if (op == "get_event") return c.GetEvent(ParseAuth(args), RequiredString(args, "id"));
  if (op == "update_event") {
    return c.UpdateEvent(ParseAuth(args), RequiredString(args, "id"),
                         RequiredObject(args, "patch"));
  }
  if (op == "delete_event") return c.DeleteEvent(ParseAuth(args), RequiredString(args, "id"));
  if (op == "list_calendars") return c.ListCalendars(ParseAuth(args), ParseList(args));
  if (op == "list_provider_connections") {
    return c.ListProviderConnections(ParseAuth(args), ParseList(args));
  }
  if (op == "create_webhook_endpoint") {
    WebhookEndpointParams params;
    params.url = RequiredString(args, "url");
    params.enabled_events = StringList(args, "enabled_events");
    const Json& connect = Field(args, "connect");
    if (!connect.is_null()) {
      if (!connect.is_boolean()) throw BadArgs("args.connect must be true or false");
      params.connect = connect.get<bool>();
    }
    params.description = OptionalString(args, "description");
    return c.CreateWebhookEndpoint(ParseAuth(args), params,
                                   OptionalString(args, "idempotency_key"));
  }
  // delete_webhook_endpoint
  return c.DeleteWebhookEndpoint(ParseAuth(args), RequiredString(args, "id"));
}

Result<Json> Adapter::Configure(const Json& args) {
  ClientConfig config;
  config.base_url = RequiredString(args, "base_url");
  config.client_id = RequiredString(args, "client_id");
  config.client_secret = OptionalString(args, "client_secret");
  config.redirect_uri = RequiredString(args, "redirect_uri");
  config.platform_key = OptionalString(args, "platform_key");
  config.ca_cert_path = OptionalString(args, "ca_cert_path");
  ClientOptions options;
  options.defects = options_.defects;
  options.log = options_.log;
  options.sleep = options_.sleep;
  // A new configuration starts from nothing: no tokens, no pending authorization, no metadata.
  client_ = std::make_unique<ConnectClient>(std::move(config), std::move(options));
  return Json::object();
}

Result<Json> Adapter::VerifyWebhookOp(const Json& args) const {
  const std::string secret = RequiredString(args, "secret");
  HeaderPairs headers;
  const Json& h = Field(args, "headers");
  if (!h.is_null()) {
    if (!h.is_object()) throw BadArgs("args.headers must be an object of name: value");
    for (const auto& [name, value] : h.items()) {
      if (!value.is_string()) throw BadArgs("args.headers." + name + " must be a string");
      headers.emplace_back(name, value.get<std::string>());
    }
  }
  const Json& body = Field(args, "body");
  if (!body.is_string()) throw BadArgs("args.body must be the raw body as a string");
  auto verified = VerifyWebhook(secret, headers, body.get<std::string>(), options_.wall_seconds(),
                                options_.defects);
  if (!verified.ok()) return verified.error();
  return Json{{"event", *verified}};
}

}  // namespace chronapilot::sdk
