#include "mock/fixtures.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

#include "mock/text.h"
#include "mock/time_format.h"
#include "mock/url.h"

namespace chronapilot {

extern const char* const kDefaultFixturesYaml;  // generated from fixtures/default.yaml

namespace {

// Thrown inside this file only, to unwind the recursive descent; LoadFixturesText turns it into a
// Status before anything leaves the module.
struct FixtureError {
  std::string message;
};

class Parser {
 public:
  Parser(std::string source, int64_t now) : source_(std::move(source)), now_(now) {}

  Fixtures Parse(const YAML::Node& root) {
    Fixtures fx;
    fx.source = source_;
    if (!root.IsDefined() || root.IsNull()) Fail(root, "", "the file is empty");
    CheckMap(root, "", {"auto_consent", "platforms", "users", "accounts", "tokens"}, {"platforms"});
    if (root["auto_consent"]) fx.auto_consent = Bool(root["auto_consent"], "auto_consent");
    ForEach(root["platforms"], "platforms",
            [&](const YAML::Node& n, const std::string& path) { ParsePlatform(n, path, fx); });
    if (root["users"]) {
      ForEach(root["users"], "users", [&](const YAML::Node& n, const std::string& path) {
        CheckMap(n, path, {"email"}, {"email"});
        User user{Email(n["email"], path + ".email")};
        Unique(users_, user.email, n["email"], path + ".email");
        fx.users.push_back(user);
      });
    }
    if (root["accounts"]) {
      ForEach(root["accounts"], "accounts",
              [&](const YAML::Node& n, const std::string& path) { ParseAccount(n, path, fx); });
    }
    if (root["tokens"]) {
      ForEach(root["tokens"], "tokens",
              [&](const YAML::Node& n, const std::string& path) { ParseGrant(n, path, fx); });
    }
    return fx;
  }

 private:
  void ParsePlatform(const YAML::Node& n, const std::string& path, Fixtures& fx) {
    CheckMap(n, path, {"id", "name", "secret_keys", "clients"}, {"id", "name", "secret_keys"});
    Platform p;
    p.id = String(n["id"], path + ".id");
    for (char c : p.id) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        Fail(n["id"], path + ".id", "use lower-case letters, digits, '-' and '_' only");
      }
    }
    Unique(platforms_, p.id, n["id"], path + ".id");
    p.name = String(n["name"], path + ".name");
    ForEach(n["secret_keys"], path + ".secret_keys",
            [&](const YAML::Node& k, const std::string& kp) {
              std::string key = String(k, kp);
              if (!StartsWith(key, "sk_live_") && !StartsWith(key, "sk_test_")) {
                Fail(k, kp, "a secret key starts with sk_live_ or sk_test_");
              }
              Unique(secret_keys_, key, k, kp);
              p.secret_keys.push_back(key);
            });
    if (n["clients"]) {
      ForEach(n["clients"], path + ".clients",
              [&](const YAML::Node& c, const std::string& cp) { ParseClient(c, cp, p.id, fx); });
    }
    fx.platforms.push_back(std::move(p));
  }

  void ParseClient(const YAML::Node& n, const std::string& path, const std::string& platform_id,
                   Fixtures& fx) {
    CheckMap(n, path, {"id", "name", "type", "secret", "redirect_uris"},
             {"id", "type", "redirect_uris"});
    OAuthClient c;
    c.id = PrefixedId(n["id"], path + ".id", "cli_");
    Unique(clients_, c.id, n["id"], path + ".id");
    c.platform_id = platform_id;
    if (n["name"]) c.name = String(n["name"], path + ".name");
    const std::string type = OneOf(n["type"], path + ".type", {"public", "confidential"});
    c.confidential = type == "confidential";
    if (c.confidential && !n["secret"]) {
      Fail(n, path + ".secret", "a confidential client needs a secret");
    }
    if (!c.confidential && n["secret"]) {
      Fail(n["secret"], path + ".secret", "a public client has no secret; remove it");
    }
    if (n["secret"]) c.secret = String(n["secret"], path + ".secret");
    ForEach(n["redirect_uris"], path + ".redirect_uris",
            [&](const YAML::Node& u, const std::string& up) {
              std::string uri = String(u, up);
              auto parsed = ParseUri(uri);
              if (!parsed) Fail(u, up, "not an absolute URI: \"" + uri + "\"");
              if (parsed->has_fragment) Fail(u, up, "a redirect URI may not have a fragment");
              c.redirect_uris.push_back(uri);
            });
    if (c.redirect_uris.empty())
      Fail(n["redirect_uris"], path + ".redirect_uris", "list at least one");
    fx.clients.push_back(std::move(c));
  }

  void ParseAccount(const YAML::Node& n, const std::string& path, Fixtures& fx) {
    CheckMap(n, path, {"id", "platform", "user", "created", "provider_connections"},
             {"id", "platform", "user"});
    Account a;
    a.id = PrefixedId(n["id"], path + ".id", "cpa_");
    Unique(accounts_, a.id, n["id"], path + ".id");
    a.platform_id = String(n["platform"], path + ".platform");
    if (!platforms_.count(a.platform_id)) {
      Fail(n["platform"], path + ".platform", "no platform with id \"" + a.platform_id + "\"");
    }
    a.email = String(n["user"], path + ".user");
    if (!users_.count(a.email)) {
      Fail(n["user"], path + ".user", "no user with email \"" + a.email + "\" under users");
    }
    if (!account_keys_.insert(a.platform_id + "\n" + a.email).second) {
      Fail(n["user"], path + ".user",
           "\"" + a.email + "\" already has an account on platform \"" + a.platform_id + "\"");
    }
    account_platform_[a.id] = a.platform_id;
    a.created = Created(n, path);
    if (n["provider_connections"]) {
      ForEach(n["provider_connections"], path + ".provider_connections",
              [&](const YAML::Node& c, const std::string& cp) { ParseConnection(c, cp, a, fx); });
    }
    fx.accounts.push_back(std::move(a));
  }

  void ParseConnection(const YAML::Node& n, const std::string& path, const Account& account,
                       Fixtures& fx) {
    CheckMap(n, path, {"id", "provider", "email", "status", "created", "calendars"},
             {"id", "provider", "email"});
    ProviderConnection c;
    c.id = PrefixedId(n["id"], path + ".id", "con_");
    Unique(ids_, c.id, n["id"], path + ".id");
    c.account_id = account.id;
    c.provider = OneOf(n["provider"], path + ".provider", {"google", "microsoft"});
    c.email = Email(n["email"], path + ".email");
    if (n["status"]) c.status = OneOf(n["status"], path + ".status", {"active", "revoked"});
    c.created = Created(n, path);
    if (n["calendars"]) {
      ForEach(n["calendars"], path + ".calendars",
              [&](const YAML::Node& cal, const std::string& p) { ParseCalendar(cal, p, c, fx); });
    }
    fx.provider_connections.push_back(std::move(c));
  }

  void ParseCalendar(const YAML::Node& n, const std::string& path, const ProviderConnection& con,
                     Fixtures& fx) {
    CheckMap(n, path, {"id", "name", "timezone", "primary", "events"}, {"id", "name", "timezone"});
    Calendar cal;
    cal.id = PrefixedId(n["id"], path + ".id", "cal_");
    Unique(ids_, cal.id, n["id"], path + ".id");
    cal.account_id = con.account_id;
    cal.provider_connection_id = con.id;
    cal.name = String(n["name"], path + ".name");
    cal.timezone = String(n["timezone"], path + ".timezone");
    if (n["primary"]) cal.primary = Bool(n["primary"], path + ".primary");
    cal.created = con.created;
    if (n["events"]) {
      ForEach(n["events"], path + ".events",
              [&](const YAML::Node& e, const std::string& p) { ParseEvent(e, p, cal, fx); });
    }
    fx.calendars.push_back(std::move(cal));
  }

  void ParseEvent(const YAML::Node& n, const std::string& path, const Calendar& cal, Fixtures& fx) {
    CheckMap(n, path,
             {"id", "summary", "description", "location", "start", "end", "all_day", "attendees",
              "status", "created", "updated"},
             {"id", "summary", "start", "end"});
    Event e;
    e.id = PrefixedId(n["id"], path + ".id", "evt_");
    Unique(ids_, e.id, n["id"], path + ".id");
    e.account_id = cal.account_id;
    e.calendar_id = cal.id;
    e.summary = String(n["summary"], path + ".summary");
    if (e.summary.size() > 1024) Fail(n["summary"], path + ".summary", "at most 1024 characters");
    if (n["description"]) e.description = String(n["description"], path + ".description", true);
    if (n["location"]) e.location = String(n["location"], path + ".location");
    if (n["all_day"]) e.all_day = Bool(n["all_day"], path + ".all_day");
    e.start = String(n["start"], path + ".start");
    e.end = String(n["end"], path + ".end");
    auto parse = e.all_day ? ParseDate : ParseRfc3339;
    const char* format = e.all_day ? "a date like 2026-12-07 (all_day is true)"
                                   : "an RFC 3339 time like 2026-12-07T09:00:00Z";
    auto start = parse(e.start);
    if (!start) Fail(n["start"], path + ".start", std::string("must be ") + format);
    auto end = parse(e.end);
    if (!end) Fail(n["end"], path + ".end", std::string("must be ") + format);
    if (*end <= *start) Fail(n["end"], path + ".end", "must be after start");
    e.start_unix = *start;
    e.end_unix = *end;
    if (n["attendees"]) {
      ForEach(n["attendees"], path + ".attendees", [&](const YAML::Node& a, const std::string& ap) {
        CheckMap(a, ap, {"email", "response_status"}, {"email"});
        Attendee att;
        att.email = Email(a["email"], ap + ".email");
        if (a["response_status"]) {
          att.response_status = OneOf(a["response_status"], ap + ".response_status",
                                      {"needsAction", "accepted", "declined", "tentative"});
        }
        e.attendees.push_back(att);
      });
    }
    if (n["status"]) {
      e.status = OneOf(n["status"], path + ".status", {"confirmed", "tentative", "cancelled"});
    }
    e.created = Created(n, path);
    e.updated = n["updated"] ? Time(n["updated"], path + ".updated") : e.created;
    fx.events.push_back(std::move(e));
  }

  void ParseGrant(const YAML::Node& n, const std::string& path, Fixtures& fx) {
    CheckMap(n, path, {"access_token", "refresh_token", "client", "account", "scope", "expires_at"},
             {"access_token", "client", "account", "scope"});
    FixtureGrant g;
    g.access_token = PrefixedId(n["access_token"], path + ".access_token", "cat_");
    Unique(tokens_, g.access_token, n["access_token"], path + ".access_token");
    if (n["refresh_token"]) {
      g.refresh_token = PrefixedId(n["refresh_token"], path + ".refresh_token", "crt_");
      Unique(tokens_, g.refresh_token, n["refresh_token"], path + ".refresh_token");
    }
    g.client_id = String(n["client"], path + ".client");
    std::string client_platform;
    for (const auto& c : fx.clients) {
      if (c.id == g.client_id) client_platform = c.platform_id;
    }
    if (client_platform.empty()) {
      Fail(n["client"], path + ".client", "no client with id \"" + g.client_id + "\"");
    }
    g.account_id = String(n["account"], path + ".account");
    auto it = account_platform_.find(g.account_id);
    if (it == account_platform_.end()) {
      Fail(n["account"], path + ".account", "no account with id \"" + g.account_id + "\"");
    }
    if (it->second != client_platform) {
      Fail(n["account"], path + ".account",
           "the account belongs to platform \"" + it->second + "\" but the client to \"" +
               client_platform + "\"");
    }
    std::string unknown;
    auto scopes = ParseScopes(String(n["scope"], path + ".scope"), &unknown);
    if (!scopes) Fail(n["scope"], path + ".scope", "unknown scope \"" + unknown + "\"");
    if (*scopes == 0) Fail(n["scope"], path + ".scope", "name at least one scope");
    g.scopes = *scopes;
    if (n["expires_at"]) g.expires_at = Time(n["expires_at"], path + ".expires_at");
    fx.grants.push_back(std::move(g));
  }

  // --- typed access with positions -------------------------------------------------------------

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& path, const std::string& msg) {
    std::ostringstream out;
    out << source_;
    if (node.IsDefined()) {
      const YAML::Mark mark = node.Mark();
      if (!mark.is_null()) out << ":" << mark.line + 1 << ":" << mark.column + 1;
    }
    out << ": ";
    if (!path.empty()) out << path << ": ";
    out << msg;
    throw FixtureError{out.str()};
  }

  // A map whose keys are all in `allowed` (no repeats) and that has every key in `required`.
  void CheckMap(const YAML::Node& n, const std::string& path,
                std::initializer_list<const char*> allowed,
                std::initializer_list<const char*> required) {
    if (!n.IsMap()) Fail(n, path, "expected a mapping");
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) Fail(kv.first, path, "keys must be plain names");
      const std::string key = kv.first.Scalar();
      const std::string where = path.empty() ? key : path + "." + key;
      bool known = false;
      for (const char* a : allowed) known = known || key == a;
      if (!known) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        Fail(kv.first, where, "unknown key (allowed here: " + list + ")");
      }
      if (!seen.insert(key).second) Fail(kv.first, where, "key given twice");
    }
    for (const char* r : required) {
      if (!seen.count(r)) Fail(n, path.empty() ? r : path + "." + r, "missing (required)");
    }
  }

  template <typename F>
  void ForEach(const YAML::Node& n, const std::string& path, F&& f) {
    if (!n.IsSequence()) Fail(n, path, "expected a list");
    for (size_t i = 0; i < n.size(); ++i) f(n[i], path + "[" + std::to_string(i) + "]");
  }

  // A one-line string unless `multiline` (descriptions may hold line breaks and tabs).
  std::string String(const YAML::Node& n, const std::string& path, bool multiline = false) {
    if (!n.IsScalar()) Fail(n, path, "expected a string");
    const std::string s = n.Scalar();
    if (!IsValidUtf8(s)) Fail(n, path, "not valid UTF-8");
    for (char c : s) {
      const bool allowed = multiline && (c == '\n' || c == '\t' || c == '\r');
      if ((uint8_t(c) < 0x20 || c == 0x7F) && !allowed) {
        Fail(n, path, "control characters (CR, LF, tab, ...) are not allowed here");
      }
    }
    return s;
  }

  bool Bool(const YAML::Node& n, const std::string& path) {
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    if (s == "true") return true;
    if (s == "false") return false;
    Fail(n, path, "expected true or false");
  }

  std::string OneOf(const YAML::Node& n, const std::string& path,
                    std::initializer_list<const char*> values) {
    const std::string s = String(n, path);
    std::string list;
    for (const char* v : values) {
      if (s == v) return s;
      list += (list.empty() ? "\"" : ", \"") + std::string(v) + "\"";
    }
    Fail(n, path, "must be one of " + list + ", got \"" + s + "\"");
  }

  std::string PrefixedId(const YAML::Node& n, const std::string& path, const std::string& prefix) {
    const std::string s = String(n, path);
    bool base62 = s.size() > prefix.size();
    for (size_t i = prefix.size(); i < s.size(); ++i) {
      const char c = s[i];
      base62 =
          base62 && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    }
    if (!StartsWith(s, prefix) || !base62) {
      Fail(n, path, "must be " + prefix + " followed by letters and digits, got \"" + s + "\"");
    }
    return s;
  }

  std::string Email(const YAML::Node& n, const std::string& path) {
    const std::string s = String(n, path);
    if (!IsPlausibleEmail(s)) Fail(n, path, "not an email address: \"" + s + "\"");
    return s;
  }

  int64_t Time(const YAML::Node& n, const std::string& path) {
    auto t = ParseRfc3339(String(n, path));
    if (!t) Fail(n, path, "must be an RFC 3339 time like 2026-12-07T09:00:00Z");
    return *t;
  }

  int64_t Created(const YAML::Node& n, const std::string& path) {
    return n["created"] ? Time(n["created"], path + ".created") : now_;
  }

  void Unique(std::set<std::string>& seen, const std::string& value, const YAML::Node& n,
              const std::string& path) {
    if (!seen.insert(value).second) Fail(n, path, "\"" + value + "\" is used twice");
  }

  std::string source_;
  int64_t now_;
  std::set<std::string> platforms_, clients_, secret_keys_, users_, accounts_, account_keys_, ids_,
      tokens_;
  std::map<std::string, std::string> account_platform_;
};

}  // namespace

StatusOr<Fixtures> LoadFixturesText(std::string_view yaml, const std::string& source, int64_t now) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    return Parser(source, now).Parse(root);
  } catch (const FixtureError& e) {
    return Status::InvalidRequest("invalid_fixtures", e.message);
  } catch (const YAML::Exception& e) {
    std::ostringstream out;
    out << source;
    if (!e.mark.is_null()) out << ":" << e.mark.line + 1 << ":" << e.mark.column + 1;
    out << ": " << e.msg;
    return Status::InvalidRequest("invalid_fixtures", out.str());
  }
}

StatusOr<Fixtures> LoadFixturesFile(const std::string& path, int64_t now) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidRequest("invalid_fixtures", path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return LoadFixturesText(text.str(), path, now);
}

StatusOr<Fixtures> LoadDefaultFixtures(int64_t now) {
  return LoadFixturesText(kDefaultFixturesYaml, "fixtures/default.yaml (built in)", now);
}

}  // namespace chronapilot
