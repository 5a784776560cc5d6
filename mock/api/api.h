// The /v1 resources (SPEC §5) as functions that know nothing of HTTP: each takes the
// authenticated caller and its parsed input and returns the serialized JSON object or a Status.
// api_endpoints.cc authenticates, checks scopes, parses, and turns the result into a response.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "mock/form.h"
#include "mock/json.h"
#include "mock/model.h"
#include "mock/status.h"
#include "mock/store.h"

namespace chronapilot {

struct World;  // mock.h

// Who is calling, once AUTH-1..3 have been checked.
struct ApiCaller {
  enum class Credential { kAccessToken, kPlatformKey };
  Credential credential = Credential::kAccessToken;
  std::string platform_id;
  std::string account_id;  // "" only for a platform key without Chronapilot-Account
  ScopeSet scopes = 0;
};

struct ApiCall {
  World& world;
  const ApiCaller& caller;
  const Form& query;                       // decoded, no repeated names
  const Json& body;                        // the JSON object of POST/PATCH, else {}
  const std::vector<std::string>& params;  // path placeholders ({id})
  int64_t now;                             // virtual clock, Unix seconds
};

using ApiHandler = StatusOr<std::string> (*)(const ApiCall&);

// RES-5: `limit` (1-100, default 20) and `starting_after`; other names must be in `extra`.
StatusOr<ListParams> ParseListParams(const Form& query,
                                     std::initializer_list<const char*> extra = {});
// invalid_request naming the first query parameter not in `allowed`.
Status CheckQueryParams(const Form& query, std::initializer_list<const char*> allowed);

// accounts.cc (RES-1)
StatusOr<std::string> ListAccounts(const ApiCall& call);
StatusOr<std::string> GetAccount(const ApiCall& call);
// provider_connections.cc (RES-2), calendars.cc (RES-3)
StatusOr<std::string> ListProviderConnections(const ApiCall& call);
StatusOr<std::string> GetProviderConnection(const ApiCall& call);
StatusOr<std::string> ListCalendars(const ApiCall& call);
StatusOr<std::string> GetCalendar(const ApiCall& call);
// events.cc (RES-4)
StatusOr<std::string> ListEvents(const ApiCall& call);
StatusOr<std::string> CreateEvent(const ApiCall& call);
StatusOr<std::string> GetEvent(const ApiCall& call);
StatusOr<std::string> UpdateEvent(const ApiCall& call);
StatusOr<std::string> DeleteEvent(const ApiCall& call);

// webhook_endpoints.cc (HOOK-1, HOOK-4)
StatusOr<std::string> CreateWebhookEndpoint(const ApiCall& call);
StatusOr<std::string> ListWebhookEndpoints(const ApiCall& call);
StatusOr<std::string> GetWebhookEndpoint(const ApiCall& call);
StatusOr<std::string> DeleteWebhookEndpoint(const ApiCall& call);
StatusOr<std::string> RotateWebhookSecret(const ApiCall& call);

// Event input validation, shared with the provider simulation of CTRL-6 (control_endpoints.cc).
// A create body becomes a draft (the store assigns id and times); a patch is applied to a copy.
StatusOr<Event> EventFromCreateBody(const Json& body);
Status ApplyEventPatch(const Json& body, Event& event);

}  // namespace chronapilot
