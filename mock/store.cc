#include "mock/store.h"

#include <mutex>

#include "mock/crypto.h"

namespace chronapilot {
namespace {

Status NotFound(const std::string& what, std::string_view id, const std::string& param = "id") {
  return Status::NotFound("resource_missing", "No such " + what + ": '" + std::string(id) + "'",
                          param);
}

}  // namespace

struct Store::AccountData {
  Account account;
  OrderedIndex<ProviderConnection> connections;
  OrderedIndex<Calendar> calendars;
  OrderedIndex<Event> events;
};

Directory::Directory(const Fixtures& fixtures) {
  for (const Platform& p : fixtures.platforms) {
    platforms_.emplace(p.id, p);
    for (const std::string& key : p.secret_keys) platform_by_key_hash_.emplace(Sha256(key), p.id);
  }
  for (const OAuthClient& c : fixtures.clients) clients_.emplace(c.id, c);
}

const Platform* Directory::FindPlatform(std::string_view id) const {
  auto it = platforms_.find(std::string(id));
  return it == platforms_.end() ? nullptr : &it->second;
}

const OAuthClient* Directory::FindClient(std::string_view id) const {
  auto it = clients_.find(std::string(id));
  return it == clients_.end() ? nullptr : &it->second;
}

const Platform* Directory::PlatformForSecretKey(std::string_view key) const {
  auto it = platform_by_key_hash_.find(Sha256(key));
  return it == platform_by_key_hash_.end() ? nullptr : FindPlatform(it->second);
}

Store::Store(const Fixtures& fixtures) {
  for (const Account& a : fixtures.accounts) AddAccountLocked(a);
  for (const ProviderConnection& c : fixtures.provider_connections) {
    accounts_.at(c.account_id)->connections.Insert(c);
    connection_owner_.emplace(c.id, c.account_id);
  }
  for (const Calendar& c : fixtures.calendars) accounts_.at(c.account_id)->calendars.Insert(c);
  for (const Event& e : fixtures.events) accounts_.at(e.account_id)->events.Insert(e);
}

Store::~Store() = default;

Store::AccountData& Store::AddAccountLocked(Account account) {
  auto data = std::make_unique<AccountData>();
  data->account = account;
  account_of_.emplace(std::make_pair(account.platform_id, account.email), account.id);
  platform_accounts_[account.platform_id].Insert(account);
  AccountData& ref = *data;
  accounts_.emplace(account.id, std::move(data));
  return ref;
}

const Store::AccountData* Store::FindData(std::string_view account_id) const {
  auto it = accounts_.find(std::string(account_id));
  return it == accounts_.end() ? nullptr : it->second.get();
}

Store::AccountData* Store::FindDataMutable(std::string_view account_id) {
  auto it = accounts_.find(std::string(account_id));
  return it == accounts_.end() ? nullptr : it->second.get();
}

// --- Accounts -----------------------------------------------------------------------------------

Store::AccountLookup Store::FindOrCreateAccount(const std::string& platform_id,
                                                const std::string& email, int64_t now) {
  std::unique_lock lock(mu_);
  if (auto it = account_of_.find({platform_id, email}); it != account_of_.end()) {
    return {accounts_.at(it->second)->account, false};
  }
  Account account{NewId("cpa_"), platform_id, email, now};
  AddAccountLocked(account);
  return {account, true};
}

std::optional<Account> Store::FindAccount(std::string_view id) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(id);
  if (!data) return std::nullopt;
  return data->account;
}

size_t Store::AccountCount() const {
  std::shared_lock lock(mu_);
  return accounts_.size();
}

StatusOr<Page<AccountSummary>> Store::ListAccounts(
    const std::string& platform_id, const ListParams& params,
    const std::function<bool(const std::string& account_id)>& connected) const {
  std::shared_lock lock(mu_);
  static const OrderedIndex<Account> kNone;
  auto it = platform_accounts_.find(platform_id);
  auto page = PageOf<Account>(it == platform_accounts_.end() ? kNone : it->second, params,
                              [&](const Account& a) { return connected(a.id); });
  if (!page.ok()) return page.status();
  Page<AccountSummary> out;
  out.has_more = page->has_more;
  for (const Account& a : page->data) {
    out.data.push_back({a, FindData(a.id)->connections.size()});
  }
  return out;
}

StatusOr<AccountSummary> Store::GetAccount(const std::string& platform_id,
                                           std::string_view id) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(id);
  if (!data || data->account.platform_id != platform_id) return NotFound("account", id);
  return AccountSummary{data->account, data->connections.size()};
}

// --- Provider connections -----------------------------------------------------------------------

StatusOr<Page<ProviderConnection>> Store::ListProviderConnections(const std::string& account_id,
                                                                  const ListParams& params) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(account_id);
  if (!data) return NotFound("account", account_id);
  return PageOf(data->connections, params);
}

StatusOr<ProviderConnection> Store::GetProviderConnection(const std::string& account_id,
                                                          std::string_view id) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(account_id);
  const ProviderConnection* c = data ? data->connections.Find(id) : nullptr;
  if (!c) return NotFound("provider_connection", id);
  return *c;
}

StatusOr<ProviderConnection> Store::AddProviderConnection(const std::string& account_id,
                                                          const std::string& provider,
                                                          const std::string& email,
                                                          std::vector<Calendar> calendars,
                                                          int64_t now) {
  std::unique_lock lock(mu_);
  AccountData* data = FindDataMutable(account_id);
  if (!data) return NotFound("account", account_id);
  ProviderConnection c;
  c.id = NewId("con_");
  c.account_id = account_id;
  c.provider = provider;
  c.email = email;
  c.created = now;
  data->connections.Insert(c);
  connection_owner_.emplace(c.id, account_id);
  for (Calendar& cal : calendars) {
    cal.id = NewId("cal_");
    cal.account_id = account_id;
    cal.provider_connection_id = c.id;
    cal.created = now;
    data->calendars.Insert(std::move(cal));
  }
  return c;
}

StatusOr<ProviderConnection> Store::RemoveProviderConnection(std::string_view id) {
  std::unique_lock lock(mu_);
  auto owner = connection_owner_.find(std::string(id));
  if (owner == connection_owner_.end()) return NotFound("provider_connection", id);
  AccountData* data = FindDataMutable(owner->second);
  const ProviderConnection removed = *data->connections.Find(id);
  std::vector<std::string> calendar_ids, event_ids;
  data->calendars.ForEach([&](const Calendar& cal) {
    if (cal.provider_connection_id == removed.id) calendar_ids.push_back(cal.id);
  });
  data->events.ForEach([&](const Event& e) {
    for (const std::string& cal : calendar_ids) {
      if (e.calendar_id == cal) event_ids.push_back(e.id);
    }
  });
  for (const std::string& e : event_ids) data->events.Erase(e);
  for (const std::string& cal : calendar_ids) data->calendars.Erase(cal);
  data->connections.Erase(id);
  connection_owner_.erase(owner);
  return removed;
}

// --- Calendars ----------------------------------------------------------------------------------

StatusOr<Page<Calendar>> Store::ListCalendars(const std::string& account_id,
                                              const ListParams& params) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(account_id);
  if (!data) return NotFound("account", account_id);
  return PageOf(data->calendars, params);
}

StatusOr<Calendar> Store::GetCalendar(const std::string& account_id, std::string_view id) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(account_id);
  const Calendar* c = data ? data->calendars.Find(id) : nullptr;
  if (!c) return NotFound("calendar", id);
  return *c;
}

// --- Events -------------------------------------------------------------------------------------

StatusOr<Page<Event>> Store::ListEvents(const std::string& account_id, const EventFilter& filter,
                                        const ListParams& params) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(account_id);
  if (!data) return NotFound("account", account_id);
  if (!filter.calendar_id.empty() && !data->calendars.Find(filter.calendar_id)) {
    return NotFound("calendar", filter.calendar_id, "calendar_id");
  }
  std::function<bool(const Event&)> keep;
  if (!filter.calendar_id.empty() || filter.time_min || filter.time_max) {
    keep = [&filter](const Event& e) {
      return (filter.calendar_id.empty() || e.calendar_id == filter.calendar_id) &&
             (!filter.time_min || e.end_unix > *filter.time_min) &&
             (!filter.time_max || e.start_unix < *filter.time_max);
    };
  }
  return PageOf(data->events, params, keep);
}

StatusOr<Event> Store::GetEvent(const std::string& account_id, std::string_view id) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(account_id);
  const Event* e = data ? data->events.Find(id) : nullptr;
  if (!e) return NotFound("event", id);
  return *e;
}

StatusOr<Event> Store::CreateEvent(const std::string& account_id, Event draft, int64_t now) {
  draft.id = NewId("evt_");
  draft.account_id = account_id;
  draft.created = now;
  draft.updated = now;
  std::unique_lock lock(mu_);
  AccountData* data = FindDataMutable(account_id);
  if (!data) return NotFound("account", account_id);
  if (!data->calendars.Find(draft.calendar_id)) {
    return Status::InvalidRequest("resource_missing",
                                  "No such calendar: '" + draft.calendar_id + "'", "calendar_id");
  }
  data->events.Insert(draft);
  return draft;
}

StatusOr<Event> Store::UpdateEvent(const std::string& account_id, std::string_view id,
                                   const std::function<Status(Event&)>& patch, int64_t now) {
  std::unique_lock lock(mu_);
  AccountData* data = FindDataMutable(account_id);
  Event* stored = data ? data->events.FindMutable(id) : nullptr;
  if (!stored) return NotFound("event", id);
  Event updated = *stored;
  if (Status s = patch(updated); !s.ok()) return s;
  if (!data->calendars.Find(updated.calendar_id)) {
    return Status::InvalidRequest("resource_missing",
                                  "No such calendar: '" + updated.calendar_id + "'", "calendar_id");
  }
  // id, account and created are not patchable, so the event keeps its place in the index.
  updated.id = stored->id;
  updated.account_id = stored->account_id;
  updated.created = stored->created;
  updated.updated = now;
  *stored = updated;
  return updated;
}

StatusOr<Event> Store::DeleteEvent(const std::string& account_id, std::string_view id) {
  std::unique_lock lock(mu_);
  AccountData* data = FindDataMutable(account_id);
  const Event* e = data ? data->events.Find(id) : nullptr;
  if (!e) return NotFound("event", id);
  Event removed = *e;
  data->events.Erase(id);
  return removed;
}

size_t Store::EventCount(const std::string& account_id) const {
  std::shared_lock lock(mu_);
  const AccountData* data = FindData(account_id);
  return data ? data->events.size() : 0;
}

}  // namespace chronapilot
