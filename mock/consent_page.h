// The HTML the authorization endpoint shows a person: the consent page of SPEC AUTHZ-4 and the
// error page of AUTHZ-2. Plain, script-free HTML that a harness can also fill in as a form.
//
// Thread safety: free functions without shared state.
#pragma once

#include <string>

#include "mock/scopes.h"
#include "mock/status.h"

namespace chronapilot {

struct ConsentPageView {
  std::string platform_name;
  std::string client_name;
  std::string consent_id;
  ScopeSet requested = 0;
  std::string login;  // pre-filled email (login_hint)
  std::string error;  // shown above the form when a first answer was refused
};

std::string RenderConsentPage(const ConsentPageView& view);
std::string RenderErrorPage(const Status& status);

}  // namespace chronapilot
