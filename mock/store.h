// The data of the emulated ChronaPilot: who the platforms and their OAuth clients are
// (Directory, immutable) and the end-users, Connect accounts and their calendars (Store,
// mutable). OAuth grants and tokens live in AuthServer (oauth.h).
//
// Ownership: one World (world.h) owns a Directory and a Store built from the same Fixtures;
// /_mock/reset builds a new World instead of mutating this one.
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mock/fixtures.h"
#include "mock/model.h"

namespace chronapilot {

// Platforms, their secret keys and OAuth clients.
//
// Thread safety: immutable after construction; safe for concurrent reads without locking.
class Directory {
 public:
  explicit Directory(const Fixtures& fixtures);

  const Platform* FindPlatform(std::string_view id) const;
  const OAuthClient* FindClient(std::string_view id) const;
  // The platform a `sk_live_`/`sk_test_` key belongs to. The map is keyed by the key's SHA-256,
  // so the lookup compares digests, never the secret itself (CONV-5).
  const Platform* PlatformForSecretKey(std::string_view key) const;

 private:
  std::unordered_map<std::string, Platform> platforms_;
  std::unordered_map<std::string, OAuthClient> clients_;
  std::unordered_map<std::string, std::string> platform_by_key_hash_;
};

// End-users and Connect accounts; the resource issue extends it with calendars and events.
//
// Thread safety: every member is guarded by mu_ (a reader-writer lock); each public method takes
// it for its own duration and returns copies, so callers never hold references into the store.
class Store {
 public:
  explicit Store(const Fixtures& fixtures);

  struct AccountLookup {
    Account account;
    bool created = false;  // true when this call made the account (first consent)
  };
  // The account of `email` on `platform_id`, made on first consent (SPEC AUTHZ-4).
  AccountLookup FindOrCreateAccount(const std::string& platform_id, const std::string& email,
                                    int64_t now);
  std::optional<Account> FindAccount(std::string_view id) const;
  size_t AccountCount() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Account> accounts_;                      // GUARDED_BY(mu_)
  std::map<std::pair<std::string, std::string>, std::string> account_of_;  // GUARDED_BY(mu_)
  std::vector<ProviderConnection> provider_connections_;                   // GUARDED_BY(mu_)
  std::vector<Calendar> calendars_;                                        // GUARDED_BY(mu_)
  std::vector<Event> events_;                                              // GUARDED_BY(mu_)
};

}  // namespace chronapilot
