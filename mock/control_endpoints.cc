// The mock's own control API (SPEC §7, never part of ChronaPilot): reset, the virtual clock, the
// request journal, and the health check. Errors use the API's JSON error shape (ERR-1).
#include <cstdlib>

#include "mock/api/api.h"
#include "mock/json_body.h"
#include "mock/mock.h"
#include "mock/objects.h"
#include "mock/text.h"
#include "mock/time_format.h"

namespace chronapilot {
namespace {

constexpr int64_t kMaxAdvanceSeconds = int64_t(100) * 366 * 86400;

HttpResponse Error(const Status& status) { return ApiErrorResponse(status); }

// GET /healthz (CTRL-7)
HttpResponse Health(RequestContext&) { return HttpResponse::Json(200, Json{{"status", "ok"}}); }

// POST /_mock/reset {"fixtures"?: "path"} (CTRL-1)
HttpResponse Reset(RequestContext& ctx) {
  auto body = ParseJsonObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return Error(body.status());
  if (Status s = RejectUnknownFields(*body, {"fixtures"}); !s.ok()) return Error(s);
  std::string path;
  if (body->contains("fixtures")) {
    const Json& f = (*body)["fixtures"];
    if (!f.is_string() || f.get<std::string>().empty()) {
      return Error(Status::InvalidRequest("parameter_invalid",
                                          "fixtures must be the path of a YAML file", "fixtures"));
    }
    path = f.get<std::string>();
  }
  if (Status s = ctx.mock.Reset(path); !s.ok()) {
    return Error(Status::InvalidRequest("invalid_fixtures", s.message(), "fixtures"));
  }
  return HttpResponse::Json(
      200, Json{{"status", "reset"}, {"fixtures", path.empty() ? "startup fixtures" : path}});
}

Json ClockJson(const VirtualClock& clock) {
  const int64_t now = clock.NowSeconds();
  return Json{{"now", now},
              {"now_rfc3339", FormatRfc3339(now)},
              {"offset_seconds", clock.OffsetMicros() / 1000000}};
}

// GET /_mock/clock (CTRL-2)
HttpResponse GetClock(RequestContext& ctx) {
  return HttpResponse::Json(200, ClockJson(ctx.mock.clock()));
}

// POST /_mock/clock/advance {"seconds": N} (CTRL-2)
HttpResponse AdvanceClock(RequestContext& ctx) {
  auto body = ParseJsonObjectBody(ctx.request, /*allow_empty=*/false);
  if (!body.ok()) return Error(body.status());
  if (Status s = RejectUnknownFields(*body, {"seconds"}); !s.ok()) return Error(s);
  const Json& seconds = body->contains("seconds") ? (*body)["seconds"] : Json();
  if (!seconds.is_number_integer() || seconds.get<int64_t>() < 0 ||
      seconds.get<int64_t>() > kMaxAdvanceSeconds) {
    return Error(Status::InvalidRequest(
        "parameter_invalid",
        "seconds must be a whole number from 0 to 100 years; the clock never goes back",
        "seconds"));
  }
  ctx.mock.clock().Advance(seconds.get<int64_t>() * 1000000);
  return HttpResponse::Json(200, ClockJson(ctx.mock.clock()));
}

// GET /_mock/requests?method=&path=&path_prefix=&after=&limit= (CTRL-3)
HttpResponse ListRequests(RequestContext& ctx) {
  auto query = Form::Parse(ctx.request.query, "query");
  if (!query.ok()) return Error(query.status());
  for (const auto& [name, value] : query->pairs()) {
    if (name != "method" && name != "path" && name != "path_prefix" && name != "after" &&
        name != "limit") {
      return Error(Status::InvalidRequest(
          "parameter_unknown",
          "unknown filter \"" + name + "\"; filters are method, path, path_prefix, after, limit",
          name));
    }
  }
  JournalFilter filter;
  filter.method = query->Get("method").value_or("");
  filter.path = query->Get("path").value_or("");
  filter.path_prefix = query->Get("path_prefix").value_or("");
  for (const char* name : {"after", "limit"}) {
    auto value = query->Get(name);
    if (!value) continue;
    char* end = nullptr;
    const unsigned long long n = std::strtoull(value->c_str(), &end, 10);
    if (value->empty() || *end != '\0' || (*value)[0] == '-' || value->size() > 18) {
      return Error(Status::InvalidRequest("parameter_invalid",
                                          std::string(name) + " must be a whole number", name));
    }
    if (std::string(name) == "after") {
      filter.after_seq = n;
    } else {
      filter.limit = n;
    }
  }
  Json data = Json::array();
  for (const JournalEntry& e : ctx.mock.journal().Find(filter)) data.push_back(e.ToJson());
  return HttpResponse::Json(200, Json{{"object", "list"}, {"data", data}});
}

// DELETE /_mock/requests (CTRL-3)
HttpResponse ClearRequests(RequestContext& ctx) {
  return HttpResponse::Json(200, Json{{"deleted", ctx.mock.journal().Clear()}});
}

// POST /_mock/faults (CTRL-5)
HttpResponse AddFault(RequestContext& ctx) {
  auto body = ParseJsonObjectBody(ctx.request, /*allow_empty=*/false);
  if (!body.ok()) return Error(body.status());
  auto fault = Fault::FromJson(*body);
  if (!fault.ok()) return Error(fault.status());
  fault->id = ctx.mock.faults().Add(*fault);
  return HttpResponse::Json(200, fault->ToJson());
}

// GET /_mock/faults (CTRL-5)
HttpResponse ListFaults(RequestContext& ctx) {
  Json data = Json::array();
  for (const Fault& f : ctx.mock.faults().List()) data.push_back(f.ToJson());
  return HttpResponse::Json(200, Json{{"object", "list"}, {"data", data}});
}

// DELETE /_mock/faults (CTRL-5)
HttpResponse ClearFaults(RequestContext& ctx) {
  return HttpResponse::Json(200, Json{{"deleted", ctx.mock.faults().Clear()}});
}

StatusOr<Account> AccountFromPath(RequestContext& ctx) {
  auto account = ctx.world->store.FindAccount(ctx.params[0]);
  if (!account) {
    return Status::NotFound("resource_missing", "No such account: '" + ctx.params[0] + "'", "id");
  }
  return *account;
}

// POST /_mock/accounts/{id}/provider_connections {provider, email, calendars?} (CTRL-6): the
// end-user links Google or Microsoft. Without `calendars`, one primary calendar comes with it.
HttpResponse LinkProvider(RequestContext& ctx) {
  auto account = AccountFromPath(ctx);
  if (!account.ok()) return Error(account.status());
  auto body = ParseJsonObjectBody(ctx.request, /*allow_empty=*/false);
  if (!body.ok()) return Error(body.status());
  if (Status s = RejectUnknownFields(*body, {"provider", "email", "calendars"}); !s.ok()) {
    return Error(s);
  }
  const Json provider = body->value("provider", Json());
  if (provider != "google" && provider != "microsoft") {
    return Error(Status::InvalidRequest("parameter_invalid", "provider must be google or microsoft",
                                        "provider"));
  }
  const Json email = body->value("email", Json());
  if (!email.is_string() || !IsPlausibleEmail(email.get<std::string>())) {
    return Error(
        Status::InvalidRequest("parameter_invalid", "email must be an email address", "email"));
  }
  std::vector<Calendar> calendars;
  if (body->contains("calendars")) {
    const Json& list = (*body)["calendars"];
    if (!list.is_array() || list.size() > 100) {
      return Error(Status::InvalidRequest("parameter_invalid",
                                          "calendars must be a list of at most 100", "calendars"));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string param = "calendars[" + std::to_string(i) + "]";
      const Json& c = list[i];
      auto one_line = [](const Json& v, size_t max) {
        return v.is_string() && !v.get<std::string>().empty() &&
               v.get<std::string>().size() <= max && !HasControlChars(v.get<std::string>());
      };
      if (!c.is_object() || !one_line(c.value("name", Json()), 256) ||
          !one_line(c.value("timezone", Json("UTC")), 64) ||
          !c.value("primary", Json(false)).is_boolean() ||
          !RejectUnknownFields(c, {"name", "timezone", "primary"}).ok()) {
        return Error(Status::InvalidRequest("parameter_invalid",
                                            param + " must be {name, timezone?, primary?}", param));
      }
      Calendar cal;
      cal.name = c["name"].get<std::string>();
      cal.timezone = c.value("timezone", "UTC");
      cal.primary = c.value("primary", false);
      calendars.push_back(cal);
    }
  } else {
    Calendar cal;
    cal.name = email.get<std::string>();
    cal.timezone = "UTC";
    cal.primary = true;
    calendars.push_back(cal);
  }
  auto connection = ctx.world->store.AddProviderConnection(
      account->id, provider.get<std::string>(), email.get<std::string>(), std::move(calendars),
      ctx.mock.clock().NowSeconds());
  if (!connection.ok()) return Error(connection.status());
  const Json data = ProviderConnectionJson(*connection);
  ctx.world->events.Publish(
      {account->platform_id, account->id, "provider_connection.created", data.dump()});
  return HttpResponse::Json(200, data);
}

// DELETE /_mock/provider_connections/{id} (CTRL-6): the end-user unlinks it; its calendars and
// their events go with it.
HttpResponse UnlinkProvider(RequestContext& ctx) {
  auto removed = ctx.world->store.RemoveProviderConnection(ctx.params[0]);
  if (!removed.ok()) return Error(removed.status());
  auto account = ctx.world->store.FindAccount(removed->account_id);
  Json data = ProviderConnectionJson(*removed);
  data["status"] = "revoked";
  ctx.world->events.Publish({account ? account->platform_id : "", removed->account_id,
                             "provider_connection.deleted", data.dump()});
  return HttpResponse::Json(
      200, Json{{"id", removed->id}, {"object", "provider_connection"}, {"deleted", true}});
}

// POST /_mock/accounts/{id}/events (CTRL-6): an event changes at Google or Microsoft.
//   {"action": "create", "event": {...as POST /v1/events}}
//   {"action": "update", "id": "evt_…", "event": {...as PATCH /v1/events/{id}}}
//   {"action": "delete", "id": "evt_…"}
HttpResponse ProviderEventChange(RequestContext& ctx) {
  auto account = AccountFromPath(ctx);
  if (!account.ok()) return Error(account.status());
  auto body = ParseJsonObjectBody(ctx.request, /*allow_empty=*/false);
  if (!body.ok()) return Error(body.status());
  if (Status s = RejectUnknownFields(*body, {"action", "id", "event"}); !s.ok()) return Error(s);
  const Json action = body->value("action", Json());
  const Json id = body->value("id", Json());
  const Json event = body->value("event", Json::object());
  if (!event.is_object()) {
    return Error(Status::InvalidRequest("parameter_invalid", "event must be an object", "event"));
  }
  if (action != "create" && !id.is_string()) {
    return Error(Status::InvalidRequest("parameter_missing", "id names the event to change", "id"));
  }
  Store& store = ctx.world->store;
  const int64_t now = ctx.mock.clock().NowSeconds();
  StatusOr<Event> changed = Status::InvalidRequest(
      "parameter_invalid", "action must be create, update or delete", "action");
  const char* type = "";
  if (action == "create") {
    auto draft = EventFromCreateBody(event);
    changed = draft.ok() ? store.CreateEvent(account->id, *draft, now) : draft.status();
    type = "event.created";
  } else if (action == "update") {
    changed = store.UpdateEvent(
        account->id, id.get<std::string>(), [&](Event& e) { return ApplyEventPatch(event, e); },
        now);
    type = "event.updated";
  } else if (action == "delete") {
    changed = store.DeleteEvent(account->id, id.get<std::string>());
    type = "event.deleted";
  }
  if (!changed.ok()) return Error(changed.status());
  ctx.world->events.Publish({account->platform_id, account->id, type, EventJson(*changed)});
  // Answered like the API answers the same change (a deletion with {id, object, deleted}).
  return HttpResponse::Json(200, Json::parse(action == "delete" ? DeletedJson(changed->id, "event")
                                                                : EventJson(*changed)));
}

// GET /_mock/deliveries?endpoint=&account=&type=&state= (CTRL-4): every webhook message with its
// attempts, oldest first.
HttpResponse ListDeliveries(RequestContext& ctx) {
  auto query = Form::Parse(ctx.request.query, "query");
  if (!query.ok()) return Error(query.status());
  if (Status s = CheckQueryParams(*query, {"endpoint", "account", "type", "state"}); !s.ok()) {
    return Error(s);
  }
  DeliveryFilter filter;
  filter.endpoint_id = query->Get("endpoint").value_or("");
  filter.account_id = query->Get("account").value_or("");
  filter.type = query->Get("type").value_or("");
  filter.state = query->Get("state").value_or("");
  if (!filter.state.empty() && filter.state != "pending" && filter.state != "sending" &&
      filter.state != "succeeded" && filter.state != "failed" && filter.state != "cancelled") {
    return Error(Status::InvalidRequest(
        "parameter_invalid", "state must be pending, sending, succeeded, failed or cancelled",
        "state"));
  }
  Json data = Json::array();
  for (const WebhookMessage& m : ctx.world->webhooks->Deliveries(filter))
    data.push_back(m.ToJson());
  return HttpResponse::Json(200, Json{{"object", "list"}, {"data", data}});
}

// POST /_mock/deliveries/{msg}/retry (CTRL-4): one more attempt, now, whatever the state.
HttpResponse RetryDelivery(RequestContext& ctx) {
  auto message = ctx.world->webhooks->Redeliver(ctx.params[0]);
  if (!message.ok()) return Error(message.status());
  return HttpResponse::Json(200, message->ToJson());
}

}  // namespace

void RegisterControlEndpoints(Router& router) {
  router.Add("GET", "/_mock/deliveries", ListDeliveries);
  router.Add("POST", "/_mock/deliveries/{id}/retry", RetryDelivery);
  router.Add("POST", "/_mock/faults", AddFault, {/*holds_world=*/false});
  router.Add("GET", "/_mock/faults", ListFaults, {/*holds_world=*/false});
  router.Add("DELETE", "/_mock/faults", ClearFaults, {/*holds_world=*/false});
  router.Add("POST", "/_mock/accounts/{id}/provider_connections", LinkProvider);
  router.Add("DELETE", "/_mock/provider_connections/{id}", UnlinkProvider);
  router.Add("POST", "/_mock/accounts/{id}/events", ProviderEventChange);
  router.Add("GET", "/healthz", Health, {/*holds_world=*/false});
  router.Add("POST", "/_mock/reset", Reset, {/*holds_world=*/false});
  router.Add("GET", "/_mock/clock", GetClock, {/*holds_world=*/false});
  router.Add("POST", "/_mock/clock/advance", AdvanceClock, {/*holds_world=*/false});
  router.Add("GET", "/_mock/requests", ListRequests, {/*holds_world=*/false});
  router.Add("DELETE", "/_mock/requests", ClearRequests, {/*holds_world=*/false});
}

}  // namespace chronapilot
