#include "mock/objects.h"

#include <cstdio>

namespace chronapilot {

Json AccountJson(const AccountSummary& a) {
  return Json{{"id", a.account.id},
              {"object", "account"},
              {"email", a.account.email},
              {"created", a.account.created},
              {"provider_connections", a.provider_connections}};
}

Json ProviderConnectionJson(const ProviderConnection& c) {
  return Json{{"id", c.id},
              {"object", "provider_connection"},
              {"provider", c.provider},
              {"email", c.email},
              {"status", c.status},
              {"created", c.created}};
}

Json CalendarJson(const Calendar& c) {
  return Json{{"id", c.id},
              {"object", "calendar"},
              {"provider_connection_id", c.provider_connection_id},
              {"name", c.name},
              {"timezone", c.timezone},
              {"primary", c.primary}};
}

void AppendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (uint8_t(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

namespace {

void AppendNullableString(std::string& out, const std::string& s) {
  if (s.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, s);
  }
}

}  // namespace

void AppendEventJson(std::string& out, const Event& e) {
  out += "{\"id\":";
  AppendJsonString(out, e.id);
  out += ",\"object\":\"event\",\"calendar_id\":";
  AppendJsonString(out, e.calendar_id);
  out += ",\"summary\":";
  AppendJsonString(out, e.summary);
  out += ",\"description\":";
  AppendNullableString(out, e.description);
  out += ",\"location\":";
  AppendNullableString(out, e.location);
  out += ",\"start\":";
  AppendJsonString(out, e.start);
  out += ",\"end\":";
  AppendJsonString(out, e.end);
  out += e.all_day ? ",\"all_day\":true" : ",\"all_day\":false";
  out += ",\"attendees\":[";
  for (size_t i = 0; i < e.attendees.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"email\":";
    AppendJsonString(out, e.attendees[i].email);
    out += ",\"response_status\":";
    AppendJsonString(out, e.attendees[i].response_status);
    out += '}';
  }
  out += "],\"status\":";
  AppendJsonString(out, e.status);
  out += ",\"created\":" + std::to_string(e.created) + ",\"updated\":" + std::to_string(e.updated);
  out += '}';
}

std::string EventJson(const Event& e) {
  std::string out;
  out.reserve(512);
  AppendEventJson(out, e);
  return out;
}

std::string DeletedJson(const std::string& id, const std::string& object) {
  return Json{{"id", id}, {"object", object}, {"deleted", true}}.dump();
}

}  // namespace chronapilot
