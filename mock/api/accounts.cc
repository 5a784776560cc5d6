// RES-1: the platform's connected accounts (platform key without Chronapilot-Account only; the
// endpoint layer enforces that).
#include "mock/api/api.h"
#include "mock/mock.h"
#include "mock/objects.h"

namespace chronapilot {

StatusOr<std::string> ListAccounts(const ApiCall& call) {
  auto params = ParseListParams(call.query);
  if (!params.ok()) return params.status();
  // RES-1 lists *connected* accounts: one whose last grant was revoked is gone from the list
  // (lock order store → auth is safe: AuthServer never calls the store holding its own lock).
  auto page = call.world.store.ListAccounts(
      call.caller.platform_id, *params,
      [&](const std::string& id) { return call.world.auth.IsAuthorized(id); });
  if (!page.ok()) return page.status();
  return ListJson(*page,
                  [](std::string& out, const AccountSummary& a) { out += AccountJson(a).dump(); });
}

StatusOr<std::string> GetAccount(const ApiCall& call) {
  auto account = call.world.store.GetAccount(call.caller.platform_id, call.params[0]);
  if (!account.ok()) return account.status();
  if (!call.world.auth.IsAuthorized(account->account.id)) {
    return Status::NotFound("resource_missing", "No such account: '" + call.params[0] + "'", "id");
  }
  return AccountJson(*account).dump();
}

}  // namespace chronapilot
