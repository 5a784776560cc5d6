// RES-4: calendar events, full CRUD, with the field validation every write shares (the API and
// the provider simulation of CTRL-6). Every change is announced as event.created / .updated /
// .deleted (HOOK-8).
#include "mock/api/api.h"
#include "mock/mock.h"
#include "mock/objects.h"
#include "mock/text.h"
#include "mock/time_format.h"

namespace chronapilot {
namespace {

constexpr size_t kMaxSummary = 1024;
constexpr size_t kMaxLocation = 1024;
constexpr size_t kMaxDescription = 8192;
constexpr size_t kMaxAttendees = 100;

Status Invalid(const std::string& param, const std::string& message) {
  return Status::InvalidRequest("parameter_invalid", message, param);
}

Status Missing(const std::string& param) {
  return Status::InvalidRequest("parameter_missing", "Missing required param: " + param + ".",
                                param);
}

// A one-line string field of at most `max` bytes; `nullable` lets null stand for "none" ("").
Status ReadString(const Json& value, const std::string& param, size_t max, bool nullable,
                  bool multiline, std::string& out) {
  if (value.is_null() && nullable) {
    out.clear();
    return Status();
  }
  if (!value.is_string()) {
    return Invalid(param, param + " must be a string" + (nullable ? " or null" : ""));
  }
  const std::string& s = value.get_ref<const std::string&>();
  // SPEC RES-4 limits characters, not bytes: count code points (the JSON parser has already
  // refused invalid UTF-8, so every non-continuation byte starts one).
  size_t chars = 0;
  for (char c : s) chars += (uint8_t(c) & 0xC0) != 0x80;
  if (chars > max) {
    return Invalid(param, param + " must be at most " + std::to_string(max) + " characters");
  }
  for (char c : s) {
    const bool allowed = multiline && (c == '\n' || c == '\r' || c == '\t');
    if ((uint8_t(c) < 0x20 || c == 0x7F) && !allowed) {
      return Invalid(param, param + " must not contain control characters");
    }
  }
  out = s;
  return Status();
}

Status ReadAttendees(const Json& value, std::vector<Attendee>& out) {
  if (!value.is_array()) return Invalid("attendees", "attendees must be an array");
  if (value.size() > kMaxAttendees) {
    return Invalid("attendees", "at most " + std::to_string(kMaxAttendees) + " attendees");
  }
  std::vector<Attendee> attendees;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string param = "attendees[" + std::to_string(i) + "]";
    const Json& a = value[i];
    if (!a.is_object()) return Invalid(param, param + " must be an object");
    for (const auto& [key, v] : a.items()) {
      if (key != "email" && key != "response_status") {
        return Status::InvalidRequest("parameter_unknown",
                                      "Received unknown parameter: " + param + "." + key,
                                      param + "." + key);
      }
    }
    Attendee attendee;
    if (!a.contains("email")) return Missing(param + ".email");
    if (Status s = ReadString(a["email"], param + ".email", 254, false, false, attendee.email);
        !s.ok()) {
      return s;
    }
    if (!IsPlausibleEmail(attendee.email)) {
      return Invalid(param + ".email", param + ".email is not an email address");
    }
    if (a.contains("response_status")) {
      const Json& rs = a["response_status"];
      if (!rs.is_string() ||
          (rs != "needsAction" && rs != "accepted" && rs != "declined" && rs != "tentative")) {
        return Invalid(param + ".response_status",
                       "response_status must be needsAction, accepted, declined or tentative");
      }
      attendee.response_status = rs.get<std::string>();
    }
    attendees.push_back(std::move(attendee));
  }
  out = std::move(attendees);
  return Status();
}

// Applies the fields of `body` to `e`, then checks what depends on several fields (start/end).
Status ApplyFields(const Json& body, Event& e) {
  for (const auto& [key, value] : body.items()) {
    Status s;
    if (key == "calendar_id") {
      s = ReadString(value, key, 64, false, false, e.calendar_id);
    } else if (key == "summary") {
      s = ReadString(value, key, kMaxSummary, false, false, e.summary);
    } else if (key == "description") {
      s = ReadString(value, key, kMaxDescription, true, true, e.description);
    } else if (key == "location") {
      s = ReadString(value, key, kMaxLocation, true, false, e.location);
    } else if (key == "start") {
      s = ReadString(value, key, 64, false, false, e.start);
    } else if (key == "end") {
      s = ReadString(value, key, 64, false, false, e.end);
    } else if (key == "all_day") {
      if (!value.is_boolean()) return Invalid(key, "all_day must be true or false");
      e.all_day = value.get<bool>();
    } else if (key == "attendees") {
      s = ReadAttendees(value, e.attendees);
    } else if (key == "status") {
      if (!value.is_string() ||
          (value != "confirmed" && value != "tentative" && value != "cancelled")) {
        return Invalid(key, "status must be confirmed, tentative or cancelled");
      }
      e.status = value.get<std::string>();
    } else {
      return Status::InvalidRequest("parameter_unknown", "Received unknown parameter: " + key, key);
    }
    if (!s.ok()) return s;
  }
  auto parse = e.all_day ? ParseDate : ParseRfc3339;
  const char* format = e.all_day ? "a date like 2026-12-07 (all_day is true)"
                                 : "an RFC 3339 time like 2026-12-07T09:00:00Z";
  auto start = parse(e.start);
  if (!start) return Invalid("start", std::string("start must be ") + format);
  auto end = parse(e.end);
  if (!end) return Invalid("end", std::string("end must be ") + format);
  if (*end <= *start) return Invalid("end", "end must be after start");
  e.start_unix = *start;
  e.end_unix = *end;
  return Status();
}

void Publish(const ApiCall& call, const std::string& account_id, const char* type, const Event& e) {
  call.world.events.Publish({call.caller.platform_id, account_id, type, EventJson(e)});
}

std::optional<int64_t> ParseTimeParam(const Form& query, const char* name, Status& error) {
  auto value = query.Get(name);
  if (!value) return std::nullopt;
  auto t = ParseRfc3339(*value);
  if (!t && error.ok()) error = Invalid(name, std::string(name) + " must be an RFC 3339 time");
  return t;
}

}  // namespace

StatusOr<Event> EventFromCreateBody(const Json& body) {
  for (const char* required : {"calendar_id", "start", "end"}) {
    if (!body.contains(required)) return Missing(required);
  }
  Event e;
  if (Status s = ApplyFields(body, e); !s.ok()) return s;
  return e;
}

Status ApplyEventPatch(const Json& body, Event& event) { return ApplyFields(body, event); }

StatusOr<std::string> ListEvents(const ApiCall& call) {
  auto params = ParseListParams(call.query, {"calendar_id", "time_min", "time_max"});
  if (!params.ok()) return params.status();
  EventFilter filter;
  filter.calendar_id = call.query.Get("calendar_id").value_or("");
  Status error;
  filter.time_min = ParseTimeParam(call.query, "time_min", error);
  filter.time_max = ParseTimeParam(call.query, "time_max", error);
  if (!error.ok()) return error;
  if (filter.time_min && filter.time_max && *filter.time_max <= *filter.time_min) {
    return Invalid("time_max", "time_max must be after time_min");
  }
  auto page = call.world.store.ListEvents(call.caller.account_id, filter, *params);
  if (!page.ok()) return page.status();
  return ListJson(*page, AppendEventJson);
}

StatusOr<std::string> CreateEvent(const ApiCall& call) {
  auto draft = EventFromCreateBody(call.body);
  if (!draft.ok()) return draft.status();
  auto created = call.world.store.CreateEvent(call.caller.account_id, *draft, call.now);
  if (!created.ok()) return created.status();
  Publish(call, call.caller.account_id, "event.created", *created);
  return EventJson(*created);
}

StatusOr<std::string> GetEvent(const ApiCall& call) {
  auto e = call.world.store.GetEvent(call.caller.account_id, call.params[0]);
  if (!e.ok()) return e.status();
  return EventJson(*e);
}

StatusOr<std::string> UpdateEvent(const ApiCall& call) {
  auto updated = call.world.store.UpdateEvent(
      call.caller.account_id, call.params[0], [&](Event& e) { return ApplyFields(call.body, e); },
      call.now);
  if (!updated.ok()) return updated.status();
  Publish(call, call.caller.account_id, "event.updated", *updated);
  return EventJson(*updated);
}

StatusOr<std::string> DeleteEvent(const ApiCall& call) {
  auto removed = call.world.store.DeleteEvent(call.caller.account_id, call.params[0]);
  if (!removed.ok()) return removed.status();
  Publish(call, call.caller.account_id, "event.deleted", *removed);
  return DeletedJson(removed->id, "event");
}

}  // namespace chronapilot
