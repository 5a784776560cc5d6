// The ChronaPilot Connect objects as plain data: what fixtures load and the store keeps. No
// behaviour here; see store.h for ownership and locking.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mock/scopes.h"

namespace chronapilot {

// A platform: a ChronaPilot customer building on Connect ("Acme Scheduling").
struct Platform {
  std::string id;  // fixture-local handle ("acme"); never on the wire
  std::string name;
  std::vector<std::string> secret_keys;  // sk_live_… / sk_test_…
};

struct OAuthClient {
  std::string id;  // cli_…
  std::string platform_id;
  std::string name;
  bool confidential = false;
  std::string secret;  // confidential clients only
  std::vector<std::string> redirect_uris;
};

// An end-user on ChronaPilot, identified by the email they sign in with on the consent page.
struct User {
  std::string email;
};

// A Connect account (cpa_…): one end-user as seen by one platform.
struct Account {
  std::string id;
  std::string platform_id;
  std::string email;
  int64_t created = 0;
};

// One end-user's OAuth link to Google or Microsoft Calendar (con_…); an account has zero or many.
struct ProviderConnection {
  std::string id;
  std::string account_id;
  std::string provider;  // "google" | "microsoft"
  std::string email;
  std::string status = "active";  // "active" | "revoked"
  int64_t created = 0;
};

struct Calendar {
  std::string id;  // cal_…
  std::string account_id;
  std::string provider_connection_id;
  std::string name;
  std::string timezone;
  bool primary = false;
  int64_t created = 0;  // list order only; not part of the API object
};

struct Attendee {
  std::string email;
  std::string response_status = "needsAction";
};

struct Event {
  std::string id;  // evt_…
  std::string account_id;
  std::string calendar_id;
  std::string summary;
  std::string description;
  std::string location;
  std::string start;  // RFC 3339, or a date when all_day
  std::string end;
  int64_t start_unix = 0;  // parsed once, for filters and ordering
  int64_t end_unix = 0;
  bool all_day = false;
  std::vector<Attendee> attendees;
  std::string status = "confirmed";  // "confirmed" | "tentative" | "cancelled"
  int64_t created = 0;
  int64_t updated = 0;
};

// A grant preloaded by fixtures (FIX-4), as if the flow had run before the mock started.
struct FixtureGrant {
  std::string access_token;
  std::string refresh_token;
  std::string client_id;
  std::string account_id;
  ScopeSet scopes = 0;
  std::optional<int64_t> expires_at;  // Unix seconds; nullopt: never expires
};

}  // namespace chronapilot
