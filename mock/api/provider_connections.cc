// RES-2: an account's links to Google and Microsoft (zero or many, as the seed says).
#include "mock/api/api.h"
#include "mock/mock.h"
#include "mock/objects.h"

namespace chronapilot {

StatusOr<std::string> ListProviderConnections(const ApiCall& call) {
  auto params = ParseListParams(call.query);
  if (!params.ok()) return params.status();
  auto page = call.world.store.ListProviderConnections(call.caller.account_id, *params);
  if (!page.ok()) return page.status();
  return ListJson(*page, [](std::string& out, const ProviderConnection& c) {
    out += ProviderConnectionJson(c).dump();
  });
}

StatusOr<std::string> GetProviderConnection(const ApiCall& call) {
  auto c = call.world.store.GetProviderConnection(call.caller.account_id, call.params[0]);
  if (!c.ok()) return c.status();
  return ProviderConnectionJson(*c).dump();
}

}  // namespace chronapilot
