#include "mock/store.h"

#include <mutex>

#include "mock/crypto.h"

namespace chronapilot {

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

Store::Store(const Fixtures& fixtures)
    : provider_connections_(fixtures.provider_connections),
      calendars_(fixtures.calendars),
      events_(fixtures.events) {
  for (const Account& a : fixtures.accounts) {
    accounts_.emplace(a.id, a);
    account_of_.emplace(std::make_pair(a.platform_id, a.email), a.id);
  }
}

Store::AccountLookup Store::FindOrCreateAccount(const std::string& platform_id,
                                                const std::string& email, int64_t now) {
  std::unique_lock lock(mu_);
  auto key = std::make_pair(platform_id, email);
  if (auto it = account_of_.find(key); it != account_of_.end()) {
    return {accounts_.at(it->second), false};
  }
  Account account{NewId("cpa_"), platform_id, email, now};
  accounts_.emplace(account.id, account);
  account_of_.emplace(std::move(key), account.id);
  return {account, true};
}

std::optional<Account> Store::FindAccount(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = accounts_.find(std::string(id));
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

size_t Store::AccountCount() const {
  std::shared_lock lock(mu_);
  return accounts_.size();
}

}  // namespace chronapilot
