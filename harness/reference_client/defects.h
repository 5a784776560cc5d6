// The reference client's deliberate defects (SPEC HARN-6): each one switches on a known-broken SDK
// behaviour, so that the harness can prove a scenario fails when a client gets that thing wrong
// (`chronapilot-reference-client --defect plain_pkce`). Every defect lives in this one table; the
// SDK asks `defects.Has(Defect::kPlainPkce)` at the one place where the behaviour differs.
//
// Thread safety: Defects is an immutable value after construction; the table is constant.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chronapilot::sdk {

enum class Defect {
  kPlainPkce,
  kNoPkce,
  kConstantVerifier,
  kNoStateCheck,
  kNoIssCheck,
  kSecretInQuery,
  kTokenInQuery,
  kNoRefresh,
  kRefreshLoop,
  kIgnoreRetryAfter,
  kNoSignatureCheck,
  kStaleTimestamp,
  kWrongRedirectUri,
  kBasicUnencoded,
  kBothAuthMethods,
  kStaleRefreshToken,
  kNoAccountHeader,
  kAssumeRequestedScopes,
  kNoIdempotencyKey,
  kNoRetry,
  kFirstPageOnly,
  kFirstSignatureOnly,
  kIgnoreCallbackError,
  kRevokeNoop,
  kCount,  // not a defect: the number of them
};

struct DefectInfo {
  Defect defect;
  const char* name;         // the --defect argument
  const char* description;  // one line, for --list-defects
};

// Every defect, in enum order.
const std::vector<DefectInfo>& AllDefects();
std::optional<Defect> DefectByName(std::string_view name);
const char* DefectName(Defect defect);

// The set of defects a client runs with. Default: none (a correct client).
class Defects {
 public:
  Defects() = default;
  Defects& Add(Defect defect) {
    bits_.set(static_cast<size_t>(defect));
    return *this;
  }
  bool Has(Defect defect) const { return bits_.test(static_cast<size_t>(defect)); }
  bool None() const { return bits_.none(); }
  // "plain_pkce,no_state_check", or "" when none (for the log).
  std::string ToString() const;

 private:
  std::bitset<static_cast<size_t>(Defect::kCount)> bits_;
};

}  // namespace chronapilot::sdk
