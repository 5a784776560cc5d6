// HOOK-1: webhook endpoints, registered against an account (a cat_ token, or a platform key with
// Chronapilot-Account) or at platform level (a platform key alone). The secret is shown only by
// create and rotate_secret.
#include "mock/api/api.h"
#include "mock/mock.h"
#include "mock/objects.h"

namespace chronapilot {
namespace {

std::string WithSecret(const WebhookEndpoint& e) {
  Json out = e.ToJson();
  out["secret"] = e.secret;
  return out.dump();
}

}  // namespace

StatusOr<std::string> CreateWebhookEndpoint(const ApiCall& call) {
  auto e = call.world.webhooks->CreateEndpoint(call.caller.platform_id, call.caller.account_id,
                                               call.body);
  if (!e.ok()) return e.status();
  return WithSecret(*e);
}

StatusOr<std::string> ListWebhookEndpoints(const ApiCall& call) {
  auto params = ParseListParams(call.query);
  if (!params.ok()) return params.status();
  auto page =
      call.world.webhooks->ListEndpoints(call.caller.platform_id, call.caller.account_id, *params);
  if (!page.ok()) return page.status();
  return ListJson(*page,
                  [](std::string& out, const WebhookEndpoint& e) { out += e.ToJson().dump(); });
}

StatusOr<std::string> GetWebhookEndpoint(const ApiCall& call) {
  auto e = call.world.webhooks->GetEndpoint(call.caller.platform_id, call.caller.account_id,
                                            call.params[0]);
  if (!e.ok()) return e.status();
  return e->ToJson().dump();
}

StatusOr<std::string> DeleteWebhookEndpoint(const ApiCall& call) {
  auto e = call.world.webhooks->DeleteEndpoint(call.caller.platform_id, call.caller.account_id,
                                               call.params[0]);
  if (!e.ok()) return e.status();
  return DeletedJson(e->id, "webhook_endpoint");
}

StatusOr<std::string> RotateWebhookSecret(const ApiCall& call) {
  if (!call.body.empty()) {
    return Status::InvalidRequest("parameter_unknown", "rotate_secret takes no parameters",
                                  call.body.begin().key());
  }
  auto e = call.world.webhooks->RotateSecret(call.caller.platform_id, call.caller.account_id,
                                             call.params[0]);
  if (!e.ok()) return e.status();
  return WithSecret(*e);
}

}  // namespace chronapilot
