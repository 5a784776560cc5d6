// mock/fixtures.h: the default world of SPEC §1 (FIX-1..FIX-4), and the loader's errors, which
// must point at file, line, column and field (CLI-3) so that a typo in a fixture file is found
// at once rather than silently dropping data.
#include "mock/fixtures.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace chronapilot {
namespace {

constexpr int64_t kNow = 1796634000;  // 2026-12-07T09:00:00Z

template <typename T>
const T* FindById(const std::vector<T>& items, const std::string& id) {
  for (const T& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class DefaultFixturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<Fixtures> fx = LoadDefaultFixtures(kNow);
    ASSERT_TRUE(fx.ok()) << fx.status().message();
    fx_ = *fx;
  }

  const Platform* PlatformNamed(const std::string& name) const {
    for (const Platform& p : fx_.platforms) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
  std::vector<const Account*> AccountsOf(const std::string& email) const {
    std::vector<const Account*> out;
    for (const Account& a : fx_.accounts) {
      if (a.email == email) out.push_back(&a);
    }
    return out;
  }
  bool HasUser(const std::string& email) const {
    return std::any_of(fx_.users.begin(), fx_.users.end(),
                       [&](const User& u) { return u.email == email; });
  }

  Fixtures fx_;
};

// AUTHZ-5: consent is interactive unless asked otherwise.
TEST_F(DefaultFixturesTest, AutoConsentIsOff) { EXPECT_FALSE(fx_.auto_consent); }

// FIX-1
TEST_F(DefaultFixturesTest, Fix1AcmeHasBothSecretKeys) {
  const Platform* acme = PlatformNamed("Acme Scheduling");
  ASSERT_NE(acme, nullptr);
  EXPECT_EQ(Sorted(acme->secret_keys),
            (std::vector<std::string>{"sk_live_acme00000000000000000000",
                                      "sk_test_acme00000000000000000000"}));
}

// FIX-1
TEST_F(DefaultFixturesTest, Fix1PublicClientHasNoSecretAndBothRedirectUris) {
  const Platform* acme = PlatformNamed("Acme Scheduling");
  ASSERT_NE(acme, nullptr);
  const OAuthClient* client = FindById(fx_.clients, "cli_4eC39HqLyjWDarjtT1zdp7dc");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->platform_id, acme->id);
  EXPECT_FALSE(client->confidential);
  EXPECT_EQ(client->secret, "");
  EXPECT_EQ(Sorted(client->redirect_uris),
            (std::vector<std::string>{"http://127.0.0.1/callback",
                                      "https://your-app.com/oauth/callback"}));
}

// FIX-1
TEST_F(DefaultFixturesTest, Fix1ConfidentialClientHasItsSecretAndRedirectUri) {
  const Platform* acme = PlatformNamed("Acme Scheduling");
  ASSERT_NE(acme, nullptr);
  const OAuthClient* client = FindById(fx_.clients, "cli_conf0000000000000000001");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->platform_id, acme->id);
  EXPECT_TRUE(client->confidential);
  EXPECT_EQ(client->secret, "cs_conf_secret_0000000000000001");
  EXPECT_EQ(client->redirect_uris,
            (std::vector<std::string>{"https://your-app.com/oauth/callback"}));
}

// FIX-2
TEST_F(DefaultFixturesTest, Fix2GlobexHasItsKeyClientAndRedirect) {
  const Platform* globex = PlatformNamed("Globex");
  ASSERT_NE(globex, nullptr);
  EXPECT_NE(std::find(globex->secret_keys.begin(), globex->secret_keys.end(),
                      "sk_live_globex0000000000000000000"),
            globex->secret_keys.end());
  const OAuthClient* client = FindById(fx_.clients, "cli_globex00000000000000001");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->platform_id, globex->id);
  EXPECT_FALSE(client->confidential);
  EXPECT_EQ(client->redirect_uris, (std::vector<std::string>{"https://globex.example/cb"}));
}

// FIX-2: isolation needs two distinct platforms.
TEST_F(DefaultFixturesTest, Fix2PlatformsAreDistinct) {
  const Platform* acme = PlatformNamed("Acme Scheduling");
  const Platform* globex = PlatformNamed("Globex");
  ASSERT_NE(acme, nullptr);
  ASSERT_NE(globex, nullptr);
  EXPECT_NE(acme->id, globex->id);
  for (const std::string& key : acme->secret_keys) {
    EXPECT_EQ(std::count(globex->secret_keys.begin(), globex->secret_keys.end(), key), 0) << key;
  }
}

// FIX-3
TEST_F(DefaultFixturesTest, Fix3AliceIsConnectedToAcme) {
  const Platform* acme = PlatformNamed("Acme Scheduling");
  ASSERT_NE(acme, nullptr);
  ASSERT_TRUE(HasUser("alice@example.com"));
  const Account* alice = FindById(fx_.accounts, "cpa_9yza0bcd1efg");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->email, "alice@example.com");
  EXPECT_EQ(alice->platform_id, acme->id);
}

// FIX-3
TEST_F(DefaultFixturesTest, Fix3AliceHasAGoogleAndAMicrosoftConnection) {
  std::vector<std::string> providers;
  for (const ProviderConnection& c : fx_.provider_connections) {
    if (c.account_id == "cpa_9yza0bcd1efg") {
      providers.push_back(c.provider);
      EXPECT_EQ(c.status, "active") << c.id;
      EXPECT_EQ(c.id.rfind("con_", 0), 0u) << c.id;
    }
  }
  EXPECT_EQ(Sorted(providers), (std::vector<std::string>{"google", "microsoft"}));
}

// FIX-3
TEST_F(DefaultFixturesTest, Fix3AliceHasTwoCalendarsAndSeveralEvents) {
  std::vector<std::string> calendars;
  for (const Calendar& cal : fx_.calendars) {
    if (cal.account_id != "cpa_9yza0bcd1efg") continue;
    calendars.push_back(cal.id);
    const ProviderConnection* con = FindById(fx_.provider_connections, cal.provider_connection_id);
    ASSERT_NE(con, nullptr) << cal.id;
    EXPECT_EQ(con->account_id, "cpa_9yza0bcd1efg");
  }
  EXPECT_EQ(calendars.size(), 2u);
  size_t events = 0;
  for (const Event& e : fx_.events) {
    if (e.account_id != "cpa_9yza0bcd1efg") continue;
    ++events;
    EXPECT_NE(std::find(calendars.begin(), calendars.end(), e.calendar_id), calendars.end())
        << e.id;
    EXPECT_LT(e.start_unix, e.end_unix) << e.id;
  }
  EXPECT_GE(events, 3u);
}

// FIX-3
TEST_F(DefaultFixturesTest, Fix3BobIsAUserWithoutAccount) {
  EXPECT_TRUE(HasUser("bob@example.com"));
  EXPECT_TRUE(AccountsOf("bob@example.com").empty());
}

// FIX-3
TEST_F(DefaultFixturesTest, Fix3CarolIsConnectedToGlobexOnly) {
  const Platform* globex = PlatformNamed("Globex");
  ASSERT_NE(globex, nullptr);
  EXPECT_TRUE(HasUser("carol@example.com"));
  std::vector<const Account*> accounts = AccountsOf("carol@example.com");
  ASSERT_FALSE(accounts.empty());
  for (const Account* a : accounts) EXPECT_EQ(a->platform_id, globex->id) << a->id;
}

// FIX-4
TEST_F(DefaultFixturesTest, Fix4NonExpiringTokenWithAllScopes) {
  const FixtureGrant* grant = nullptr;
  for (const FixtureGrant& g : fx_.grants) {
    if (g.access_token == "cat_1abc2def3ghi4jkl") grant = &g;
  }
  ASSERT_NE(grant, nullptr);
  EXPECT_EQ(grant->refresh_token, "crt_5mno6pqr7stu8vwx");
  EXPECT_EQ(grant->account_id, "cpa_9yza0bcd1efg");
  EXPECT_EQ(grant->scopes, kAllScopes);
  EXPECT_FALSE(grant->expires_at.has_value());
  const OAuthClient* client = FindById(fx_.clients, grant->client_id);
  ASSERT_NE(client, nullptr) << grant->client_id;
  const Platform* acme = PlatformNamed("Acme Scheduling");
  ASSERT_NE(acme, nullptr);
  EXPECT_EQ(client->platform_id, acme->id);
}

// The built-in copy is fixtures/default.yaml as it is in the tree.
TEST_F(DefaultFixturesTest, BuiltInCopyMatchesTheFileInTheTree) {
  StatusOr<Fixtures> file =
      LoadFixturesFile(std::string(CHRONAPILOT_SOURCE_DIR) + "/fixtures/default.yaml", kNow);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->platforms.size(), fx_.platforms.size());
  EXPECT_EQ(file->clients.size(), fx_.clients.size());
  EXPECT_EQ(file->accounts.size(), fx_.accounts.size());
  EXPECT_EQ(file->events.size(), fx_.events.size());
  EXPECT_EQ(file->grants.size(), fx_.grants.size());
}

// A small valid document; each broken one below differs from it in one place. Values are unique
// so that a replacement and the position it should be reported at can be found by text.
constexpr char kValid[] = R"(auto_consent: false
platforms:
  - id: acme
    name: Acme
    secret_keys:
      - sk_test_acme0001
    clients:
      - id: cli_public0001
        type: public
        redirect_uris:
          - https://app.example/cb
      - id: cli_conf0001
        name: Acme server
        type: confidential
        secret: cs_0001
        redirect_uris:
          - https://app.example/server-cb
  - id: globex
    name: Globex
    secret_keys:
      - sk_live_globex01
    clients:
      - id: cli_globex0001
        type: public
        redirect_uris:
          - https://globex.example/cb
users:
  - email: alice@example.com
  - email: carol@example.com
accounts:
  - id: cpa_alice0001
    platform: acme
    user: alice@example.com
    provider_connections:
      - id: con_alice0001
        provider: google
        email: alice@gmail.example
        calendars:
          - id: cal_alice0001
            name: Work
            timezone: Europe/London
            events:
              - id: evt_alice0001
                summary: Planning
                start: 2026-12-07T09:00:00Z
                end: 2026-12-07T10:00:00Z
                attendees:
                  - {email: bob@example.com, response_status: accepted}
              - id: evt_alice0002
                summary: Offsite
                all_day: true
                start: 2026-12-14
                end: 2026-12-16
  - id: cpa_carol0001
    platform: globex
    user: carol@example.com
    created: 2026-03-01T10:00:00Z
tokens:
  - access_token: cat_alice0001
    refresh_token: crt_alice0001
    client: cli_public0001
    account: cpa_alice0001
    scope: events:read calendars:read
)";

// `doc` with the one occurrence of `from` replaced by `to`.
std::string Replace(std::string doc, const std::string& from, const std::string& to) {
  const size_t pos = doc.find(from);
  EXPECT_NE(pos, std::string::npos) << "not in the document: " << from;
  if (pos == std::string::npos) return doc;
  EXPECT_EQ(doc.find(from, pos + 1), std::string::npos) << "not unique: " << from;
  return doc.replace(pos, from.size(), to);
}

// "line:column" (1-based) of the one occurrence of `needle` in `doc`.
std::string PositionOf(const std::string& doc, const std::string& needle) {
  const size_t pos = doc.find(needle);
  EXPECT_NE(pos, std::string::npos) << "not in the document: " << needle;
  if (pos == std::string::npos) return "?";
  EXPECT_EQ(doc.find(needle, pos + 1), std::string::npos) << "not unique: " << needle;
  const size_t line = 1 + size_t(std::count(doc.begin(), doc.begin() + long(pos), '\n'));
  const size_t line_start = doc.rfind('\n', pos == 0 ? 0 : pos - 1);
  const size_t column = line_start == std::string::npos || pos == 0 ? pos + 1 : pos - line_start;
  return std::to_string(line) + ":" + std::to_string(column);
}

TEST(LoadFixturesText, LoadsTheValidDocument) {
  StatusOr<Fixtures> fx = LoadFixturesText(kValid, "valid.yaml", kNow);
  ASSERT_TRUE(fx.ok()) << fx.status().message();
  EXPECT_EQ(fx->source, "valid.yaml");
  EXPECT_FALSE(fx->auto_consent);
  EXPECT_EQ(fx->platforms.size(), 2u);
  EXPECT_EQ(fx->clients.size(), 3u);
  EXPECT_EQ(fx->users.size(), 2u);
  EXPECT_EQ(fx->accounts.size(), 2u);
  EXPECT_EQ(fx->provider_connections.size(), 1u);
  EXPECT_EQ(fx->calendars.size(), 1u);
  EXPECT_EQ(fx->events.size(), 2u);
  ASSERT_EQ(fx->grants.size(), 1u);

  const OAuthClient* conf = FindById(fx->clients, "cli_conf0001");
  ASSERT_NE(conf, nullptr);
  EXPECT_EQ(conf->platform_id, "acme");
  EXPECT_EQ(conf->name, "Acme server");
  EXPECT_TRUE(conf->confidential);
  EXPECT_EQ(conf->secret, "cs_0001");

  const Event* planning = FindById(fx->events, "evt_alice0001");
  ASSERT_NE(planning, nullptr);
  EXPECT_EQ(planning->account_id, "cpa_alice0001");
  EXPECT_EQ(planning->calendar_id, "cal_alice0001");
  EXPECT_EQ(planning->start_unix, kNow);
  EXPECT_EQ(planning->end_unix, kNow + 3600);
  EXPECT_EQ(planning->status, "confirmed");
  ASSERT_EQ(planning->attendees.size(), 1u);
  EXPECT_EQ(planning->attendees[0].email, "bob@example.com");
  EXPECT_EQ(planning->attendees[0].response_status, "accepted");

  const Event* offsite = FindById(fx->events, "evt_alice0002");
  ASSERT_NE(offsite, nullptr);
  EXPECT_TRUE(offsite->all_day);
  EXPECT_EQ(offsite->start, "2026-12-14");
  EXPECT_EQ(offsite->end_unix - offsite->start_unix, 2 * 86400);

  EXPECT_EQ(fx->grants[0].scopes, ScopeSet(kEventsRead | kCalendarsRead));
  EXPECT_EQ(fx->grants[0].client_id, "cli_public0001");
  EXPECT_FALSE(fx->grants[0].expires_at.has_value());
}

// `now` fills the `created` values the file leaves out; `updated` defaults to `created`.
TEST(LoadFixturesText, MissingCreatedIsNow) {
  StatusOr<Fixtures> fx = LoadFixturesText(kValid, "valid.yaml", kNow);
  ASSERT_TRUE(fx.ok()) << fx.status().message();
  EXPECT_EQ(FindById(fx->accounts, "cpa_alice0001")->created, kNow);
  EXPECT_EQ(FindById(fx->accounts, "cpa_carol0001")->created, 1772359200);  // 2026-03-01T10:00Z
  EXPECT_EQ(FindById(fx->provider_connections, "con_alice0001")->created, kNow);
  const Event* planning = FindById(fx->events, "evt_alice0001");
  EXPECT_EQ(planning->created, kNow);
  EXPECT_EQ(planning->updated, kNow);
}

TEST(LoadFixturesText, ReadsExpiresAtAndAutoConsent) {
  std::string doc = Replace(kValid, "auto_consent: false", "auto_consent: true");
  doc += "    expires_at: 2026-12-07T10:00:00+01:00\n";
  StatusOr<Fixtures> fx = LoadFixturesText(doc, "valid.yaml", kNow);
  ASSERT_TRUE(fx.ok()) << fx.status().message();
  EXPECT_TRUE(fx->auto_consent);
  EXPECT_EQ(fx->grants[0].expires_at, kNow);
}

// One broken document: `from` in kValid becomes `to`; the error must be reported at the start of
// `at` (unique in the broken document) for field `path`, with `says` in the message.
struct BrokenCase {
  const char* name;
  const char* from;
  const char* to;
  const char* at;
  const char* path;
  const char* says;
};

void PrintTo(const BrokenCase& c, std::ostream* os) { *os << c.name; }

const BrokenCase kBrokenCases[] = {
    {"UnknownTopLevelKey", "auto_consent: false\n", "auto_consent: false\ncolour: blue\n", "colour",
     "colour", "unknown key (allowed here: auto_consent, platforms, users, accounts, tokens)"},
    {"UnknownKeyDeepInside", "                summary: Planning\n",
     "                summary: Planning\n                colour: red\n", "colour: red",
     "accounts[0].provider_connections[0].calendars[0].events[0].colour", "unknown key"},
    {"MisspelledKey", "redirect_uris:\n          - https://app.example/cb\n",
     "redirect_uri:\n          - https://app.example/cb\n", "redirect_uri:\n",
     "platforms[0].clients[0].redirect_uri", "unknown key"},
    {"DuplicateKey", "    name: Globex\n", "    name: Globex\n    name: Globex Corp\n",
     "name: Globex Corp", "platforms[1].name", "key given twice"},
    {"ListExpected", "    secret_keys:\n      - sk_test_acme0001\n",
     "    secret_keys: sk_test_acme0001\n", "sk_test_acme0001", "platforms[0].secret_keys",
     "expected a list"},
    {"StringExpected", "name: Work", "name: [Work]", "[Work]",
     "accounts[0].provider_connections[0].calendars[0].name", "expected a string"},
    {"NullIsNotAString", "timezone: Europe/London", "timezone: ~", "~",
     "accounts[0].provider_connections[0].calendars[0].timezone", "expected a string"},
    {"BoolExpected", "auto_consent: false", "auto_consent: yes", "yes", "auto_consent",
     "expected true or false"},
    {"MappingExpected", "  - email: carol@example.com\n", "  - carol@example.com\n",
     "carol@example.com\naccounts", "users[1]", "expected a mapping"},
    {"MissingRequiredField", "      - id: cli_public0001\n        type: public\n",
     "      - id: cli_public0001\n", "id: cli_public0001", "platforms[0].clients[0].type",
     "missing (required)"},
    {"MissingRequiredEventField", "                summary: Offsite\n", "", "id: evt_alice0002",
     "accounts[0].provider_connections[0].calendars[0].events[1].summary", "missing (required)"},
    {"BadClientIdPrefix", "id: cli_conf0001", "id: client_conf0001", "client_conf0001",
     "platforms[0].clients[1].id", "must be cli_ followed by letters and digits"},
    {"BadAccountIdPrefix", "id: cpa_carol0001", "id: acct_carol0001", "acct_carol0001",
     "accounts[1].id", "must be cpa_"},
    {"IdWithNonBase62Character", "id: evt_alice0002", "id: evt_alice-0002", "evt_alice-0002",
     "accounts[0].provider_connections[0].calendars[0].events[1].id", "must be evt_"},
    {"IdThatIsOnlyAPrefix", "id: cal_alice0001", "id: cal_", "cal_\n",
     "accounts[0].provider_connections[0].calendars[0].id", "must be cal_"},
    {"BadAccessTokenPrefix", "access_token: cat_alice0001", "access_token: tok_alice0001",
     "tok_alice0001", "tokens[0].access_token", "must be cat_"},
    {"BadRefreshTokenPrefix", "refresh_token: crt_alice0001", "refresh_token: cat_alice0002",
     "cat_alice0002", "tokens[0].refresh_token", "must be crt_"},
    {"DuplicateClientId", "      - id: cli_globex0001\n", "      - id: cli_public0001\n",
     "cli_public0001\n        type: public\n        redirect_uris:\n          - https://globex",
     "platforms[1].clients[0].id", "\"cli_public0001\" is used twice"},
    {"DuplicatePlatformId", "  - id: globex\n", "  - id: acme\n", "acme\n    name: Globex",
     "platforms[1].id", "\"acme\" is used twice"},
    {"DuplicateEventId", "id: evt_alice0002", "id: evt_alice0001",
     "evt_alice0001\n                summary: Offsite",
     "accounts[0].provider_connections[0].calendars[0].events[1].id", "is used twice"},
    {"DuplicateUser", "  - email: carol@example.com\n", "  - email: alice@example.com\n",
     "alice@example.com\naccounts", "users[1].email", "\"alice@example.com\" is used twice"},
    {"DuplicateSecretKey", "sk_live_globex01", "sk_test_acme0001",
     "sk_test_acme0001\n    clients:\n      - id: cli_globex", "platforms[1].secret_keys[0]",
     "is used twice"},
    {"BadSecretKeyPrefix", "sk_live_globex01", "pk_live_globex01", "pk_live_globex01",
     "platforms[1].secret_keys[0]", "starts with sk_live_ or sk_test_"},
    {"BadPlatformId", "  - id: globex\n", "  - id: Globex Inc\n", "Globex Inc", "platforms[1].id",
     "lower-case letters"},
    {"UnknownPlatformReference", "platform: globex", "platform: initech", "initech",
     "accounts[1].platform", "no platform with id \"initech\""},
    {"UnknownUserReference", "user: carol@example.com", "user: dave@example.com",
     "dave@example.com", "accounts[1].user", "no user with email \"dave@example.com\""},
    {"SecondAccountOnOnePlatform", "    platform: globex\n    user: carol@example.com\n",
     "    platform: acme\n    user: alice@example.com\n", "alice@example.com\n    created",
     "accounts[1].user", "already has an account on platform \"acme\""},
    {"UnknownClientReference", "client: cli_public0001", "client: cli_nobody0001", "cli_nobody0001",
     "tokens[0].client", "no client with id \"cli_nobody0001\""},
    {"UnknownAccountReference", "account: cpa_alice0001", "account: cpa_nobody0001",
     "cpa_nobody0001", "tokens[0].account", "no account with id \"cpa_nobody0001\""},
    {"TokenAccountOnAnotherPlatformThanItsClient", "client: cli_public0001",
     "client: cli_globex0001", "cpa_alice0001\n    scope", "tokens[0].account",
     "the account belongs to platform \"acme\" but the client to \"globex\""},
    {"PublicClientWithSecret",
     "        type: public\n        redirect_uris:\n          - https://app",
     "        type: public\n        secret: cs_oops0001\n        redirect_uris:\n"
     "          - https://app",
     "cs_oops0001", "platforms[0].clients[0].secret", "a public client has no secret"},
    {"ConfidentialClientWithoutSecret", "        secret: cs_0001\n", "", "id: cli_conf0001",
     "platforms[0].clients[1].secret", "a confidential client needs a secret"},
    {"UnknownClientType", "        type: confidential\n", "        type: private\n", "private",
     "platforms[0].clients[1].type",
     "must be one of \"public\", \"confidential\", got \"private\""},
    {"RelativeRedirectUri", "https://globex.example/cb", "globex.example/cb", "globex.example/cb",
     "platforms[1].clients[0].redirect_uris[0]", "not an absolute URI: \"globex.example/cb\""},
    {"RedirectUriWithSpace", "https://app.example/cb\n", "https://app.example/c b\n",
     "https://app.example/c b", "platforms[0].clients[0].redirect_uris[0]", "not an absolute URI"},
    {"RedirectUriWithFragment", "https://app.example/server-cb", "https://app.example/server-cb#x",
     "https://app.example/server-cb#x", "platforms[0].clients[1].redirect_uris[0]",
     "a redirect URI may not have a fragment"},
    {"NoRedirectUris", "        redirect_uris:\n          - https://globex.example/cb\n",
     "        redirect_uris: []\n", "[]", "platforms[1].clients[0].redirect_uris",
     "list at least one"},
    {"BadRfc3339Start", "start: 2026-12-07T09:00:00Z", "start: 2026-12-07 09:00",
     "2026-12-07 09:00", "accounts[0].provider_connections[0].calendars[0].events[0].start",
     "must be an RFC 3339 time like 2026-12-07T09:00:00Z"},
    {"LeapSecondEnd", "end: 2026-12-07T10:00:00Z", "end: 2026-12-07T23:59:60Z",
     "2026-12-07T23:59:60Z", "accounts[0].provider_connections[0].calendars[0].events[0].end",
     "must be an RFC 3339 time"},
    {"EndWithoutOffset", "end: 2026-12-07T10:00:00Z", "end: 2026-12-07T10:00:00",
     "2026-12-07T10:00:00\n", "accounts[0].provider_connections[0].calendars[0].events[0].end",
     "must be an RFC 3339 time"},
    {"BadCreated", "created: 2026-03-01T10:00:00Z", "created: 2026-02-30T10:00:00Z",
     "2026-02-30T10:00:00Z", "accounts[1].created", "must be an RFC 3339 time"},
    {"EndBeforeStart", "end: 2026-12-07T10:00:00Z", "end: 2026-12-07T08:00:00Z",
     "2026-12-07T08:00:00Z", "accounts[0].provider_connections[0].calendars[0].events[0].end",
     "must be after start"},
    {"EndEqualToStart", "end: 2026-12-07T10:00:00Z", "end: 2026-12-07T09:00:00Z",
     "2026-12-07T09:00:00Z\n                attendees",
     "accounts[0].provider_connections[0].calendars[0].events[0].end", "must be after start"},
    {"AllDayEventWithTimes", "                summary: Planning\n",
     "                summary: Planning\n                all_day: true\n", "2026-12-07T09:00:00Z",
     "accounts[0].provider_connections[0].calendars[0].events[0].start",
     "must be a date like 2026-12-07 (all_day is true)"},
    {"TimedEventWithDates", "                all_day: true\n", "", "2026-12-14",
     "accounts[0].provider_connections[0].calendars[0].events[1].start",
     "must be an RFC 3339 time"},
    {"AllDayEndBeforeStart", "end: 2026-12-16", "end: 2026-12-13", "2026-12-13",
     "accounts[0].provider_connections[0].calendars[0].events[1].end", "must be after start"},
    {"InvalidConnectionEmail", "email: alice@gmail.example", "email: alice.gmail.example",
     "alice.gmail.example", "accounts[0].provider_connections[0].email",
     "not an email address: \"alice.gmail.example\""},
    {"InvalidUserEmail", "  - email: carol@example.com\n", "  - email: \"@example.com\"\n",
     "\"@example.com\"", "users[1].email", "not an email address"},
    {"InvalidAttendeeEmail", "{email: bob@example.com", "{email: bob example.com",
     "bob example.com",
     "accounts[0].provider_connections[0].calendars[0].events[0].attendees[0].email",
     "not an email address"},
    {"UnknownScope", "scope: events:read calendars:read", "scope: events:read calendar:write",
     "events:read calendar:write", "tokens[0].scope", "unknown scope \"calendar:write\""},
    {"EmptyScope", "scope: events:read calendars:read", "scope: \"\"", "\"\"", "tokens[0].scope",
     "name at least one scope"},
    {"UnknownProvider", "provider: google", "provider: yahoo", "yahoo",
     "accounts[0].provider_connections[0].provider",
     "must be one of \"google\", \"microsoft\", got \"yahoo\""},
    {"UnknownResponseStatus", "response_status: accepted", "response_status: maybe", "maybe",
     "accounts[0].provider_connections[0].calendars[0].events[0].attendees[0].response_status",
     "must be one of"},
    {"ControlCharacterInName", "    name: Acme\n", "    name: \"Ac\\tme\"\n", "\"Ac\\tme\"",
     "platforms[0].name", "control characters"},
    {"BadExpiresAt", "    scope: events:read calendars:read\n",
     "    scope: events:read calendars:read\n    expires_at: tomorrow\n", "tomorrow",
     "tokens[0].expires_at", "must be an RFC 3339 time"},
};

class BrokenFixturesTest : public ::testing::TestWithParam<BrokenCase> {};

// CLI-3: "a one-line error naming the problem (file, line, field)".
TEST_P(BrokenFixturesTest, NamesFileLineColumnAndField) {
  const BrokenCase& c = GetParam();
  const std::string doc = Replace(kValid, c.from, c.to);
  StatusOr<Fixtures> fx = LoadFixturesText(doc, "broken.yaml", kNow);
  ASSERT_FALSE(fx.ok()) << "loaded:\n" << doc;
  const std::string& message = fx.status().message();
  const std::string expected_prefix =
      "broken.yaml:" + PositionOf(doc, c.at) + ": " + std::string(c.path) + ": ";
  EXPECT_EQ(message.rfind(expected_prefix, 0), 0u)
      << "expected prefix: " << expected_prefix << "\n got: " << message;
  EXPECT_NE(message.find(c.says), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(fx.status().code(), "invalid_fixtures");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BrokenFixturesTest, ::testing::ValuesIn(kBrokenCases),
                         [](const ::testing::TestParamInfo<BrokenCase>& info) {
                           return std::string(info.param.name);
                         });

// Guards the table: each case's `from` occurs exactly once in kValid (Replace checks that).
TEST(LoadFixturesText, EveryBrokenCaseChangesTheDocument) {
  for (const BrokenCase& c : kBrokenCases) {
    EXPECT_NE(Replace(kValid, c.from, c.to), kValid) << c.name;
  }
}

// CLI-3
TEST(LoadFixturesText, YamlSyntaxErrorNamesLineAndColumn) {
  const std::string doc = Replace(kValid, "    name: Globex\n", "    name: Globex\n   bad: x\n");
  StatusOr<Fixtures> fx = LoadFixturesText(doc, "broken.yaml", kNow);
  ASSERT_FALSE(fx.ok());
  const std::string position = PositionOf(doc, "bad: x");
  const std::string expected_prefix = "broken.yaml:" + position.substr(0, position.find(':') + 1);
  EXPECT_EQ(fx.status().message().rfind(expected_prefix, 0), 0u) << fx.status().message();
  EXPECT_EQ(fx.status().code(), "invalid_fixtures");
}

// CLI-3
TEST(LoadFixturesText, UnclosedFlowSequenceIsASyntaxError) {
  const std::string doc = "platforms: [\n";
  StatusOr<Fixtures> fx = LoadFixturesText(doc, "broken.yaml", kNow);
  ASSERT_FALSE(fx.ok());
  EXPECT_EQ(fx.status().message().rfind("broken.yaml:", 0), 0u) << fx.status().message();
  EXPECT_EQ(fx.status().code(), "invalid_fixtures");
}

// CLI-3
TEST(LoadFixturesText, TabIndentationIsASyntaxError) {
  const std::string doc = "platforms:\n\t- id: acme\n";
  StatusOr<Fixtures> fx = LoadFixturesText(doc, "broken.yaml", kNow);
  ASSERT_FALSE(fx.ok());
  EXPECT_EQ(fx.status().message().rfind("broken.yaml:2:", 0), 0u) << fx.status().message();
}

TEST(LoadFixturesText, MissingPlatformsIsReportedAtTheTop) {
  StatusOr<Fixtures> fx = LoadFixturesText("users: []\n", "broken.yaml", kNow);
  ASSERT_FALSE(fx.ok());
  EXPECT_EQ(fx.status().message(), "broken.yaml:1:1: platforms: missing (required)");
}

TEST(LoadFixturesText, EmptyDocumentIsAnError) {
  for (const char* doc : {"", "# only a comment\n", "~\n"}) {
    StatusOr<Fixtures> fx = LoadFixturesText(doc, "empty.yaml", kNow);
    ASSERT_FALSE(fx.ok()) << doc;
    EXPECT_EQ(fx.status().message().rfind("empty.yaml", 0), 0u) << fx.status().message();
    EXPECT_NE(fx.status().message().find("empty"), std::string::npos) << fx.status().message();
  }
}

TEST(LoadFixturesText, TopLevelListIsAnError) {
  StatusOr<Fixtures> fx = LoadFixturesText("- a\n- b\n", "broken.yaml", kNow);
  ASSERT_FALSE(fx.ok());
  EXPECT_EQ(fx.status().message().rfind("broken.yaml:1:1: ", 0), 0u) << fx.status().message();
  EXPECT_NE(fx.status().message().find("expected a mapping"), std::string::npos);
}

TEST(LoadFixturesFile, MissingFileNamesThePath) {
  const std::string path = ::testing::TempDir() + "/no-such-dir/no-such-fixtures.yaml";
  StatusOr<Fixtures> fx = LoadFixturesFile(path, kNow);
  ASSERT_FALSE(fx.ok());
  EXPECT_EQ(fx.status().message().rfind(path + ": ", 0), 0u) << fx.status().message();
  EXPECT_NE(fx.status().message().find("cannot open"), std::string::npos);
  EXPECT_EQ(fx.status().code(), "invalid_fixtures");
}

class FixturesFileTest : public ::testing::Test {
 protected:
  void Write(const std::string& text) {
    std::ofstream out(path_, std::ios::binary);
    out << text;
  }
  void TearDown() override { std::remove(path_.c_str()); }

  const std::string path_ =
      ::testing::TempDir() + "/fixtures_test_" +
      std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + ".yaml";
};

TEST_F(FixturesFileTest, LoadsAFileAndRecordsItsName) {
  Write(kValid);
  StatusOr<Fixtures> fx = LoadFixturesFile(path_, kNow);
  ASSERT_TRUE(fx.ok()) << fx.status().message();
  EXPECT_EQ(fx->source, path_);
  EXPECT_EQ(fx->clients.size(), 3u);
}

// CLI-3: errors in a file name that file.
TEST_F(FixturesFileTest, ErrorsNameTheFile) {
  const std::string doc = Replace(kValid, "type: confidential", "type: private");
  Write(doc);
  StatusOr<Fixtures> fx = LoadFixturesFile(path_, kNow);
  ASSERT_FALSE(fx.ok());
  // Line 14 of kValid is "        type: confidential"; the value starts in column 15.
  ASSERT_EQ(PositionOf(doc, "private"), "14:15");
  EXPECT_EQ(fx.status().message(),
            path_ +
                ":14:15: platforms[0].clients[1].type: must be one of \"public\", "
                "\"confidential\", got \"private\"");
}

}  // namespace
}  // namespace chronapilot
