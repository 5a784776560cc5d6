#include "mock/scopes.h"

#include "mock/text.h"

namespace chronapilot {

const std::vector<ScopeInfo>& AllScopeInfo() {
  static const std::vector<ScopeInfo> kScopes = {
      {kEventsRead, "events:read", "See the events on your calendars"},
      {kEventsWrite, "events:write", "Create, change and delete events on your calendars"},
      {kCalendarsRead, "calendars:read",
       "See your calendars and which Google or Microsoft accounts they come from"},
      {kWebhooksManage, "webhooks:manage", "Be notified when your calendars change"},
  };
  return kScopes;
}

std::optional<Scope> ScopeFromName(std::string_view name) {
  for (const auto& info : AllScopeInfo()) {
    if (name == info.name) return info.bit;
  }
  return std::nullopt;
}

std::optional<ScopeSet> ParseScopes(std::string_view text, std::string* unknown) {
  ScopeSet set = 0;
  for (const std::string& token : Split(text, ' ')) {
    if (token.empty()) continue;  // tolerate runs of spaces
    auto scope = ScopeFromName(token);
    if (!scope) {
      if (unknown) *unknown = token;
      return std::nullopt;
    }
    set |= *scope;
  }
  return set;
}

std::vector<std::string> ScopeNames(ScopeSet scopes) {
  std::vector<std::string> out;
  for (const auto& info : AllScopeInfo()) {
    if (scopes & info.bit) out.emplace_back(info.name);
  }
  return out;
}

std::string ScopesToString(ScopeSet scopes) { return Join(ScopeNames(scopes), " "); }

}  // namespace chronapilot
