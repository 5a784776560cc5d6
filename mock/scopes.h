// The four OAuth scopes of SPEC AUTHZ-1 / AUTH-4, as a small bit set.
//
// Thread safety: values; free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chronapilot {

enum Scope : uint8_t {
  kEventsRead = 1 << 0,      // events:read
  kEventsWrite = 1 << 1,     // events:write
  kCalendarsRead = 1 << 2,   // calendars:read
  kWebhooksManage = 1 << 3,  // webhooks:manage
};
using ScopeSet = uint8_t;
constexpr ScopeSet kAllScopes = kEventsRead | kEventsWrite | kCalendarsRead | kWebhooksManage;

struct ScopeInfo {
  Scope bit;
  const char* name;
  const char* description;  // what the consent page shows
};
// In the canonical order of SPEC AUTHZ-1.
const std::vector<ScopeInfo>& AllScopeInfo();

std::optional<Scope> ScopeFromName(std::string_view name);

// Parses a space-separated scope string (RFC 6749 §3.3). Repeated tokens are harmless. nullopt
// when a token is unknown; `unknown` then receives it. An empty string parses to the empty set.
std::optional<ScopeSet> ParseScopes(std::string_view text, std::string* unknown = nullptr);

// Canonical space-separated form, in the order of AllScopeInfo().
std::string ScopesToString(ScopeSet scopes);
std::vector<std::string> ScopeNames(ScopeSet scopes);

}  // namespace chronapilot
