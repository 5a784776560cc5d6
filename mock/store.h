// The data of the emulated ChronaPilot: who the platforms and their OAuth clients are
// (Directory, immutable) and the end-users, Connect accounts and their calendars (Store,
// mutable). OAuth grants and tokens live in AuthServer (oauth.h).
//
// Ownership: one World (world.h) owns a Directory and a Store built from the same Fixtures;
// /_mock/reset builds a new World instead of mutating this one.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mock/fixtures.h"
#include "mock/model.h"
#include "mock/ordered_index.h"
#include "mock/page.h"
#include "mock/status.h"

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

// The filters of GET /v1/events (RES-4). An event matches a time window when it overlaps it.
struct EventFilter {
  std::string calendar_id;          // "" = every calendar
  std::optional<int64_t> time_min;  // events ending after this
  std::optional<int64_t> time_max;  // events starting before this
};

// RES-1: an account with the count the API shows.
struct AccountSummary {
  Account account;
  size_t provider_connections = 0;
};

// End-users, Connect accounts and everything an account owns: provider connections, calendars,
// events. Every lookup of an account's object goes through that account, so one account's
// objects cannot be reached through another's id (AUTH-5): they are simply not found.
//
// Thread safety: all state is guarded by mu_ (a reader-writer lock); each public method takes it
// for its own duration and returns copies, so callers never hold references into the store.
class Store {
 public:
  explicit Store(const Fixtures& fixtures);
  ~Store();

  struct AccountLookup {
    Account account;
    bool created = false;  // true when this call made the account (first consent)
  };
  // The account of `email` on `platform_id`, made on first consent (SPEC AUTHZ-4).
  AccountLookup FindOrCreateAccount(const std::string& platform_id, const std::string& email,
                                    int64_t now);
  std::optional<Account> FindAccount(std::string_view id) const;
  size_t AccountCount() const;

  // RES-1: the platform's accounts; an account of another platform is not found.
  // `connected` says which accounts are connected (AuthServer::IsAuthorized); it is called with
  // mu_ held, so it must not call back into the store.
  StatusOr<Page<AccountSummary>> ListAccounts(
      const std::string& platform_id, const ListParams& params,
      const std::function<bool(const std::string& account_id)>& connected) const;
  StatusOr<AccountSummary> GetAccount(const std::string& platform_id, std::string_view id) const;

  // RES-2
  StatusOr<Page<ProviderConnection>> ListProviderConnections(const std::string& account_id,
                                                             const ListParams& params) const;
  StatusOr<ProviderConnection> GetProviderConnection(const std::string& account_id,
                                                     std::string_view id) const;
  // CTRL-6: the user links Google or Microsoft; `calendars` arrive with it (ids are assigned).
  StatusOr<ProviderConnection> AddProviderConnection(const std::string& account_id,
                                                     const std::string& provider,
                                                     const std::string& email,
                                                     std::vector<Calendar> calendars, int64_t now);
  // CTRL-6: the user unlinks it; its calendars and their events go with it.
  StatusOr<ProviderConnection> RemoveProviderConnection(std::string_view id);

  // RES-3
  StatusOr<Page<Calendar>> ListCalendars(const std::string& account_id,
                                         const ListParams& params) const;
  StatusOr<Calendar> GetCalendar(const std::string& account_id, std::string_view id) const;

  // RES-4. `draft` has passed the API's field validation; the store checks what depends on
  // state (the calendar must be one of the account's) and assigns id, created and updated.
  StatusOr<Page<Event>> ListEvents(const std::string& account_id, const EventFilter& filter,
                                   const ListParams& params) const;
  StatusOr<Event> GetEvent(const std::string& account_id, std::string_view id) const;
  StatusOr<Event> CreateEvent(const std::string& account_id, Event draft, int64_t now);
  // Applies `patch` to a copy of the event; the event changes only if it returns OK and the
  // result passes the same state checks as a create.
  StatusOr<Event> UpdateEvent(const std::string& account_id, std::string_view id,
                              const std::function<Status(Event&)>& patch, int64_t now);
  StatusOr<Event> DeleteEvent(const std::string& account_id, std::string_view id);
  size_t EventCount(const std::string& account_id) const;

 private:
  struct AccountData;

  // REQUIRES: mu_ held (shared or exclusive).
  const AccountData* FindData(std::string_view account_id) const;
  AccountData* FindDataMutable(std::string_view account_id);
  AccountData& AddAccountLocked(Account account);

  mutable std::shared_mutex mu_;
  // GUARDED_BY(mu_), all of them:
  std::unordered_map<std::string, std::unique_ptr<AccountData>> accounts_;
  std::map<std::pair<std::string, std::string>, std::string> account_of_;  // (platform, email)
  std::unordered_map<std::string, std::string> connection_owner_;          // con_ → cpa_
  std::unordered_map<std::string, OrderedIndex<Account>> platform_accounts_;
};

}  // namespace chronapilot
