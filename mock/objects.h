// The API objects as JSON, exactly as /v1 answers and webhook payloads carry them (SPEC RES-1..4,
// HOOK-3).
// Events, the hot path of list pages, are serialized straight into a string; the rest goes
// through nlohmann.
//
// Thread safety: free functions without shared state.
#pragma once

#include <string>
#include <vector>

#include "mock/json.h"
#include "mock/model.h"
#include "mock/store.h"

namespace chronapilot {

Json AccountJson(const AccountSummary& account);
Json ProviderConnectionJson(const ProviderConnection& connection);
Json CalendarJson(const Calendar& calendar);
void AppendEventJson(std::string& out, const Event& event);
std::string EventJson(const Event& event);

// `{"id": …, "object": …, "deleted": true}` (RES-4 DELETE).
std::string DeletedJson(const std::string& id, const std::string& object);

// RES-5: {"object": "list", "data": [...], "has_more": …}; `append` serializes one item.
template <typename T, typename F>
std::string ListJson(const Page<T>& page, F&& append) {
  std::string out = "{\"object\":\"list\",\"data\":[";
  for (size_t i = 0; i < page.data.size(); ++i) {
    if (i > 0) out += ',';
    append(out, page.data[i]);
  }
  out += "],\"has_more\":";
  out += page.has_more ? "true}" : "false}";
  return out;
}

// Appends `s` as a JSON string literal. REQUIRES: `s` is valid UTF-8 (inputs are validated).
void AppendJsonString(std::string& out, const std::string& s);

}  // namespace chronapilot
