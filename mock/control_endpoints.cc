// The mock's own control API (SPEC §7, never part of ChronaPilot): reset, the virtual clock, the
// request journal, and the health check. Errors use the API's JSON error shape (ERR-1).
#include <cstdlib>

#include "mock/json_body.h"
#include "mock/mock.h"
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

}  // namespace

void RegisterControlEndpoints(Router& router) {
  router.Add("GET", "/healthz", Health, {/*holds_world=*/false});
  router.Add("POST", "/_mock/reset", Reset, {/*holds_world=*/false});
  router.Add("GET", "/_mock/clock", GetClock, {/*holds_world=*/false});
  router.Add("POST", "/_mock/clock/advance", AdvanceClock, {/*holds_world=*/false});
  router.Add("GET", "/_mock/requests", ListRequests, {/*holds_world=*/false});
  router.Add("DELETE", "/_mock/requests", ClearRequests, {/*holds_world=*/false});
}

}  // namespace chronapilot
