#include "harness/scenario.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>

#include "harness/checks.h"
#include "mock/faults.h"
#include "mock/fixtures.h"
#include "mock/options.h"
#include "mock/text.h"

namespace chronapilot {

namespace fs = std::filesystem;

namespace {

// Bounds on one YAML value, so that odd input ends in an error rather than a crash: an alias
// inside itself makes a cycle, and aliases of aliases can expand exponentially.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxValues = 1000000;
constexpr int64_t kMaxTimeoutMs = 600000;

const char* const kStrTag = "tag:yaml.org,2002:str";
const char* const kIntTag = "tag:yaml.org,2002:int";
const char* const kFloatTag = "tag:yaml.org,2002:float";
const char* const kBoolTag = "tag:yaml.org,2002:bool";
const char* const kNullTag = "tag:yaml.org,2002:null";
const char* const kSeqTag = "tag:yaml.org,2002:seq";
const char* const kMapTag = "tag:yaml.org,2002:map";

// In StepKind order.
const char* const kStepKinds[] = {
    "op",       "browser",       "http",    "control", "advance_clock", "fault",
    "receiver", "wait_delivery", "journal", "let",     "sign_webhook"};
const std::vector<std::string> kCommonStepKeys = {"expect", "save", "requirements", "timeout_ms"};
const std::vector<std::string> kTopLevelKeys = {"id",      "title", "requirements", "tags",
                                                "catches", "mock",  "client",       "steps"};

// The fixture clients of scenarios/README.md, "The client" (fixtures/default.yaml).
struct NamedClient {
  const char* name;
  const char* client_id;
  const char* client_secret;  // nullptr: a public client
  const char* redirect_uri;
  const char* platform_key;
};
const NamedClient kNamedClients[] = {
    {"public", "cli_4eC39HqLyjWDarjtT1zdp7dc", nullptr, "http://127.0.0.1/callback",
     "sk_test_acme00000000000000000000"},
    {"confidential", "cli_conf0000000000000000001", "cs_conf_secret_0000000000000001",
     "https://your-app.com/oauth/callback", "sk_live_acme00000000000000000000"},
    {"special", "cli_confSpecial00000000002", "cs_special:+%41 secret/0002",
     "https://your-app.com/oauth/callback", "sk_live_acme00000000000000000000"},
    {"globex", "cli_globex00000000000000001", nullptr, "https://globex.example/cb",
     "sk_live_globex0000000000000000000"},
};
const char* const kClientFields[] = {"client_id", "client_secret", "redirect_uri", "platform_key"};

// The first segment of a path into each kind's result (scenarios/README.md, "Steps").
// nullopt: not checked; empty: the kind has no result, so `expect` and `save` make no sense.
std::optional<std::vector<std::string>> ResultFields(StepKind kind) {
  switch (kind) {
    case StepKind::kOp:
      return std::vector<std::string>{"ok", "result", "error"};
    case StepKind::kBrowser:
      return std::vector<std::string>{"status", "headers", "location", "query", "body"};
    case StepKind::kHttp:
    case StepKind::kControl:
      return std::vector<std::string>{"status", "headers", "json", "body"};
    case StepKind::kWaitDelivery:
      return std::vector<std::string>{"count", "deliveries", "first", "last"};
    case StepKind::kJournal:
      return std::vector<std::string>{"count", "entries", "first", "last"};
    case StepKind::kSignWebhook:
      return std::vector<std::string>{"headers", "body"};
    case StepKind::kAdvanceClock:
    case StepKind::kLet:
      return std::vector<std::string>{};
    case StepKind::kFault:
    case StepKind::kReceiver:
      return std::nullopt;
  }
  return std::nullopt;
}
const std::vector<std::string> kDeliveryFields = {"path", "headers", "body", "json", "received_ms"};

// Thrown inside this file only, to unwind the recursive descent; ParseScenarios turns it into
// a Status before anything leaves the module.
struct LoadError {
  std::string message;
};

Status Invalid(const std::string& message) {
  return Status::InvalidRequest("scenario_invalid", message);
}

std::string JoinList(const std::vector<std::string>& items) { return Join(items, ", "); }

std::string Quote(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool IsBuiltinVariable(const std::string& name) {
  for (const char* builtin : kBuiltinVariables) {
    if (name == builtin) return true;
  }
  return false;
}

// "AUTHZ-1", "TOKEN-10": a SPEC requirement id.
bool IsRequirementId(const std::string& s) {
  const size_t dash = s.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == s.size()) return false;
  if (!std::isupper(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 0; i < dash; ++i) {
    const char c = s[i];
    if (!std::isupper(static_cast<unsigned char>(c)) &&
        !std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return std::all_of(s.begin() + dash + 1, s.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// A plain (unquoted, untagged) scalar as YAML 1.2's core schema reads it, restricted to what
// JSON can hold: true/false in three spellings, numbers in JSON's syntax (plus a leading '+'),
// everything else a string. Leading zeros ("007"), hex, ".inf" and "yes"/"no" stay strings.
// (yaml-cpp already turns ~, null, Null, NULL and an empty value into a Null node.)
Json PlainScalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  size_t i = 0;
  auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const size_t int_start = i;
  const size_t int_digits = digits();
  if (int_digits == 0 || (int_digits > 1 && s[int_start] == '0')) return s;
  bool integer = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return s;
    integer = false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return s;
    integer = false;
  }
  if (i != s.size()) return s;
  if (integer) {
    errno = 0;
    const long long value = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0) return static_cast<int64_t>(value);
    if (s[0] != '-') {
      errno = 0;
      const unsigned long long big = std::strtoull(s.c_str(), nullptr, 10);
      if (errno == 0) return static_cast<uint64_t>(big);
    }
  }
  const double value = std::strtod(s.c_str(), nullptr);
  if (!std::isfinite(value)) return s;
  return value;
}

std::string Describe(const Json& v) {
  if (v.is_null()) return "nothing (null)";
  if (v.is_object()) return "a mapping";
  if (v.is_array()) return "a list";
  if (v.is_string()) return "the string " + Quote(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return "the number " + v.dump();
}

std::string Describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "nothing (null)";
    default:
      return "the scalar " + Quote(n.Scalar());
  }
}

// What a field of a kind's mapping must be.
enum class Field {
  kString,
  kMethod,       // an upper-case HTTP method
  kPath,         // starts with '/'
  kControlPath,  // starts with "/_mock/"
  kUrl,          // http:// or https://
  kBool,
  kInt,          // any whole number
  kPositiveInt,  // >= 1
  kCount,        // >= 0
  kStatus,       // 100-599
  kStringList,
  kTextMap,       // name → text; values become strings ("Retry-After: 1" → "1")
  kTextListMap,   // name → text or list of texts (a repeated parameter)
  kFormPairs,     // list of [name, value]
  kBasic,         // {user, password}
  kAny,           // any value
  kMatchers,      // path → matcher
  kSecrets,       // a string or a list of strings
  kAction,        // approve | deny | none
  kFrom,          // client | harness | any
  kFaultMatch,    // {method, path}
  kFaultResponse  // {status, headers, body}
};

struct FieldRule {
  const char* name;
  Field type;
  bool required = false;
};

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

// One YAML document → one Scenario. Throws LoadError.
class DocParser {
 public:
  explicit DocParser(const std::string& file) : file_(file) {
    for (const char* name : kBuiltinVariables) defined_.insert(name);
  }

  Scenario Parse(const YAML::Node& doc) {
    Value(doc);  // the whole document first: tags, UTF-8, duplicate keys, depth, size
    if (!doc.IsMap()) {
      Fail(doc,
           "a scenario is a mapping with id, title, requirements and steps, not " + Describe(doc));
    }
    const std::vector<Entry> entries = EntriesOf(doc);
    CheckAllowed(entries, kTopLevelKeys, "unknown key");
    for (const char* key : {"id", "title", "requirements", "steps"}) {
      if (!Find(entries, key)) {
        Fail(doc, std::string("missing \"") + key +
                      "\" (a scenario needs id, title, requirements and steps)");
      }
    }
    Scenario sc;
    ParseId(*Find(entries, "id"), sc);
    sc.title = String(Find(entries, "title")->value, "title");
    if (Trim(sc.title).empty()) Fail(Find(entries, "title")->value, "title must not be empty");
    const YAML::Node& requirements = Find(entries, "requirements")->value;
    if (!requirements.IsSequence()) {
      Fail(requirements, "requirements must be a list of SPEC ids, e.g. [AUTHZ-1], got " +
                             Describe(requirements));
    }
    sc.requirements = Requirements(requirements, "requirements");
    if (sc.requirements.empty()) {
      Fail(Find(entries, "requirements")->value,
           "requirements must list at least one SPEC id, e.g. [AUTHZ-1]");
    }
    if (const Entry* e = Find(entries, "tags")) sc.tags = Names(e->value, "tags");
    if (const Entry* e = Find(entries, "catches")) sc.catches = Names(e->value, "catches");
    if (const Entry* e = Find(entries, "mock")) ParseMock(e->value, sc);
    if (const Entry* e = Find(entries, "client")) sc.client = ParseClient(e->value);

    const YAML::Node& steps = Find(entries, "steps")->value;
    if (!steps.IsSequence()) Fail(steps, "steps must be a list of steps, got " + Describe(steps));
    if (steps.size() == 0) Fail(steps, "steps must list at least one step");
    int number = 0;
    for (const YAML::Node& step : steps) sc.steps.push_back(ParseStep(step, ++number));
    return sc;
  }

 private:
  [[noreturn]] void Fail(const YAML::Node& at, const std::string& message) const {
    throw LoadError{Pos(at).ToString() + ": " + message};
  }

  // yaml-cpp places an empty value ("journal:" and nothing after) where the next token starts,
  // often the next line; such values are reported at their key instead.
  SourcePos Pos(const YAML::Node& n) const {
    SourcePos pos;
    pos.file = file_;
    if (!n.IsDefined()) return pos;
    YAML::Mark mark = n.Mark();
    if (n.IsNull()) {
      auto key = null_value_keys_.find({mark.line, mark.column});
      if (key != null_value_keys_.end()) mark = key->second;
    }
    if (!mark.is_null()) {
      pos.line = mark.line + 1;
      pos.column = mark.column + 1;
    }
    return pos;
  }

  // ---- YAML → JSON -----------------------------------------------------------------------

  // The entries of a mapping in file order; keys are strings, valid UTF-8 and unique.
  std::vector<Entry> EntriesOf(const YAML::Node& n) const {
    std::vector<Entry> out;
    std::map<std::string, YAML::Node> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        Fail(key, "a key must be a plain string, not " + Describe(key));
      }
      const std::string& text = key.Scalar();
      if (!IsValidUtf8(text)) Fail(key, "key is not valid UTF-8");
      auto [prev, inserted] = seen.emplace(text, key);
      if (!inserted) {
        Fail(key, "key " + Quote(text) + " given twice (first at line " +
                      std::to_string(Pos(prev->second).line) + ")");
      }
      if (it->second.IsNull()) {
        const YAML::Mark value_mark = it->second.Mark();
        null_value_keys_[{value_mark.line, value_mark.column}] = key.Mark();
      }
      out.push_back({text, key, it->second});
    }
    return out;
  }

  static const Entry* Find(const std::vector<Entry>& entries, const std::string& key) {
    for (const Entry& e : entries) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }

  void CheckAllowed(const std::vector<Entry>& entries, const std::vector<std::string>& allowed,
                    const std::string& what) const {
    for (const Entry& e : entries) {
      if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
        Fail(e.key_node, what + " " + Quote(e.key) + " (allowed: " + JoinList(allowed) + ")");
      }
    }
  }

  Json Value(const YAML::Node& n) const {
    size_t budget = kMaxValues;
    return Convert(n, 0, budget);
  }

  Json Convert(const YAML::Node& n, int depth, size_t& budget) const {
    if (budget == 0) {
      Fail(n, "more than " + std::to_string(kMaxValues) +
                  " values in one document (aliases that expand too much?)");
    }
    --budget;
    if (depth > kMaxDepth) {
      Fail(n, "nested more than " + std::to_string(kMaxDepth) +
                  " levels deep (an alias inside itself?)");
    }
    switch (n.Type()) {
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar:
        return Scalar(n);
      case YAML::NodeType::Sequence: {
        CheckCollectionTag(n, kSeqTag);
        Json out = Json::array();
        for (const YAML::Node& item : n) out.push_back(Convert(item, depth + 1, budget));
        return out;
      }
      case YAML::NodeType::Map: {
        CheckCollectionTag(n, kMapTag);
        Json out = Json::object();
        for (const Entry& e : EntriesOf(n)) out[e.key] = Convert(e.value, depth + 1, budget);
        return out;
      }
      default:
        Fail(n, "missing value");
    }
  }

  void CheckCollectionTag(const YAML::Node& n, const char* standard) const {
    const std::string& tag = n.Tag();
    if (tag != "?" && tag != "!" && tag != standard && !tag.empty()) {
      Fail(n, "unsupported tag " + Quote(tag) + " (a scenario is plain data: remove the tag)");
    }
  }

  // Quoted and block scalars are strings; plain ones are typed by PlainScalar; the standard
  // tags (!!str, !!int, !!float, !!bool, !!null) are honoured, any other tag is an error.
  Json Scalar(const YAML::Node& n) const {
    const std::string& s = n.Scalar();
    if (!IsValidUtf8(s)) Fail(n, "not valid UTF-8");
    const std::string& tag = n.Tag();
    if (tag == "!" || tag == kStrTag) return s;
    if (tag == "?" || tag.empty()) return PlainScalar(s);
    const Json typed = PlainScalar(s);
    if (tag == kIntTag && typed.is_number_integer()) return typed;
    if (tag == kFloatTag && typed.is_number()) return typed.get<double>();
    if (tag == kBoolTag && typed.is_boolean()) return typed;
    if (tag == kNullTag && (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")) {
      return nullptr;
    }
    if (tag == kIntTag || tag == kFloatTag || tag == kBoolTag || tag == kNullTag) {
      Fail(n, Quote(s) + " does not fit its tag " + Quote(tag));
    }
    Fail(n, "unsupported tag " + Quote(tag) +
                " (a scenario is plain data: remove the tag; quote a value to keep it a string)");
  }

  bool IsReference(const YAML::Node& n) const {
    if (!n.IsScalar()) return false;
    const Json v = Value(n);
    return v.is_string() && IsWholeReference(v.get_ref<const std::string&>());
  }

  std::string String(const YAML::Node& n, const std::string& what) const {
    const Json v = Value(n);
    if (!v.is_string()) Fail(n, what + " must be a string, got " + Describe(v));
    return v.get<std::string>();
  }

  // A scalar as text, whatever YAML made of it ("1" for 1): for header, query and form values.
  std::string Text(const YAML::Node& n, const std::string& what) const {
    if (n.IsNull()) Fail(n, what + " needs a value (write \"\" for an empty one)");
    if (!n.IsScalar()) Fail(n, what + " must be a single value, got " + Describe(n));
    Value(n);  // tags, UTF-8
    return n.Scalar();
  }

  int64_t Integer(const YAML::Node& n, const std::string& what, int64_t min, int64_t max) const {
    const Json v = Value(n);
    const std::string range = max >= INT64_MAX / 2
                                  ? ">= " + std::to_string(min)
                                  : "from " + std::to_string(min) + " to " + std::to_string(max);
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(max))) {
      Fail(n, what + " must be a whole number " + range + ", got " + Describe(v));
    }
    const int64_t i = v.get<int64_t>();
    if (i < min || i > max)
      Fail(n, what + " must be a whole number " + range + ", got " + v.dump());
    return i;
  }

  std::vector<std::string> StringList(const YAML::Node& n, const std::string& what) const {
    if (!n.IsSequence()) Fail(n, what + " must be a list of strings, got " + Describe(n));
    std::vector<std::string> out;
    for (const YAML::Node& item : n) {
      out.push_back(String(item, what + " item"));
      if (out.back().empty()) Fail(item, what + " items must not be empty");
    }
    return out;
  }

  // tags, catches: names without spaces.
  std::vector<std::string> Names(const YAML::Node& n, const std::string& what) const {
    std::vector<std::string> out = StringList(n, what);
    size_t i = 0;
    for (const YAML::Node& item : n) {
      const std::string& name = out[i++];
      if (name.find_first_of(" \t\r\n,") != std::string::npos || HasControlChars(name)) {
        Fail(item, what + " items are single words, got " + Quote(name));
      }
    }
    return out;
  }

  // A string or a list of SPEC ids.
  std::vector<std::string> Requirements(const YAML::Node& n, const std::string& what) const {
    std::vector<std::string> out;
    std::vector<YAML::Node> nodes;
    if (n.IsSequence()) {
      for (const YAML::Node& item : n) nodes.push_back(item);
    } else if (n.IsScalar()) {
      nodes.push_back(n);
    } else {
      Fail(n, what + " must be a SPEC id or a list of them, e.g. [AUTHZ-1, TOKEN-3], got " +
                  Describe(n));
    }
    for (const YAML::Node& item : nodes) {
      const std::string id = String(item, what + " item");
      if (!IsRequirementId(id)) {
        Fail(item, Quote(id) + " is not a SPEC requirement id (like AUTHZ-1 or TOKEN-10)");
      }
      out.push_back(id);
    }
    return out;
  }

  // ---- Top level -------------------------------------------------------------------------

  void ParseId(const Entry& e, Scenario& sc) const {
    sc.id = String(e.value, "id");
    sc.pos = Pos(e.value);
    const std::vector<std::string> parts = Split(sc.id, '.');
    if (parts[0] == "Required") {
      sc.level = Level::kRequired;
    } else if (parts[0] == "Recommended") {
      sc.level = Level::kRecommended;
    } else {
      Fail(e.value, "id " + Quote(sc.id) +
                        " must start with \"Required.\" (a MUST) or \"Recommended.\" (a SHOULD)");
    }
    for (const std::string& part : parts) {
      const bool ok = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
      });
      if (!ok) {
        Fail(e.value, "id " + Quote(sc.id) +
                          ": each dotted part is letters, digits, '_' or '-', got " + Quote(part));
      }
    }
    if (parts.size() < 3) {
      Fail(e.value, "id " + Quote(sc.id) +
                        " needs at least three dotted parts, like Required.PKCE.S256Challenge");
    }
  }

  void ParseMock(const YAML::Node& n, Scenario& sc) const {
    if (!n.IsMap()) {
      Fail(n,
           "mock must be a mapping (auto_consent, fixtures, retry_schedule), got " + Describe(n));
    }
    const std::vector<Entry> entries = EntriesOf(n);
    CheckAllowed(entries, {"auto_consent", "fixtures", "retry_schedule"}, "unknown mock key");
    if (const Entry* e = Find(entries, "auto_consent")) {
      const Json v = Value(e->value);
      if (!v.is_boolean()) Fail(e->value, "auto_consent must be true or false, got " + Describe(v));
      sc.auto_consent = v.get<bool>();
    }
    if (const Entry* e = Find(entries, "fixtures")) sc.fixtures = FixturesPath(e->value);
    if (const Entry* e = Find(entries, "retry_schedule")) {
      const std::string text = String(e->value, "retry_schedule");
      StatusOr<std::vector<int64_t>> schedule = ParseRetrySchedule(text);
      Status s = schedule.status();
      if (s.ok()) {
        Options options;  // the mock's own bounds on a schedule
        options.retry_schedule = *schedule;
        s = options.Validate();
      }
      if (!s.ok()) {
        std::string message = s.message();
        if (StartsWith(message, "--retry-schedule: ")) message.erase(0, 18);
        Fail(e->value, "retry_schedule: " + message);
      }
      sc.retry_schedule = *schedule;
    }
  }

  std::string FixturesPath(const YAML::Node& n) const {
    const std::string text = String(n, "fixtures");
    if (text.empty()) Fail(n, "fixtures must name a file");
    fs::path path(text);
    if (path.is_relative()) path = fs::path(file_).parent_path() / path;
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec);
    if (ec) absolute = path;
    absolute = absolute.lexically_normal();
    if (!fs::is_regular_file(absolute, ec)) {
      Fail(n, "fixtures file " + Quote(text) + " not found (looked for " + absolute.string() +
                  "; a relative path is relative to the scenario file)");
    }
    StatusOr<Fixtures> fixtures = LoadFixturesFile(absolute.string(), std::time(nullptr));
    if (!fixtures.ok()) Fail(n, "fixtures: " + fixtures.status().message());
    return absolute.string();
  }

  Json ParseClient(const YAML::Node& n) const {
    const std::string names = "public, confidential, special, globex";
    auto named = [&](const YAML::Node& at) {
      const std::string name = String(at, "client");
      for (const NamedClient& c : kNamedClients) {
        if (name != c.name) continue;
        Json out = Json::object();
        out["client_id"] = c.client_id;
        if (c.client_secret) out["client_secret"] = c.client_secret;
        out["redirect_uri"] = c.redirect_uri;
        out["platform_key"] = c.platform_key;
        return out;
      }
      Fail(at, "unknown client " + Quote(name) + " (named clients: " + names +
                   "; or a mapping with use, client_id, client_secret, redirect_uri, "
                   "platform_key)");
    };
    if (n.IsScalar()) return named(n);
    if (!n.IsMap()) {
      Fail(n, "client must be a name (" + names + ") or a mapping, got " + Describe(n));
    }
    const std::vector<Entry> entries = EntriesOf(n);
    CheckAllowed(entries, {"use", "client_id", "client_secret", "redirect_uri", "platform_key"},
                 "unknown client key");
    Json base = Json::object();
    if (const Entry* e = Find(entries, "use")) base = named(e->value);
    // A field given as null removes it (a confidential client made to forget its secret).
    for (const Entry& e : entries) {
      if (e.key == "use") continue;
      if (e.value.IsNull()) {
        base.erase(e.key);
      } else {
        base[e.key] = String(e.value, "client." + e.key);
      }
    }
    Json out = Json::object();  // in the configure op's order
    for (const char* field : kClientFields) {
      if (base.contains(field)) out[field] = base[field];
    }
    if (!out.contains("client_id") || !out.contains("redirect_uri")) {
      Fail(n,
           "client needs client_id and redirect_uri (or start from a named client: use: "
           "public)");
    }
    return out;
  }

  // ---- Steps -----------------------------------------------------------------------------

  static std::optional<StepKind> KindOf(const std::string& key) {
    for (size_t i = 0; i < std::size(kStepKinds); ++i) {
      if (key == kStepKinds[i]) return static_cast<StepKind>(i);
    }
    return std::nullopt;
  }

  static std::string KindList() {
    std::vector<std::string> kinds(std::begin(kStepKinds), std::end(kStepKinds));
    return JoinList(kinds);
  }

  Step ParseStep(const YAML::Node& n, int number) {
    Step step;
    step.number = number;
    step.pos = Pos(n);
    if (!n.IsMap()) {
      Fail(n, "step " + std::to_string(number) + " must be a mapping with one of " + KindList() +
                  ", got " + Describe(n));
    }
    const std::vector<Entry> entries = EntriesOf(n);
    const Entry* kind = nullptr;
    for (const Entry& e : entries) {
      if (!KindOf(e.key)) continue;
      if (kind) {
        Fail(e.key_node, "a step has exactly one kind, but " + Quote(kind->key) + " and " +
                             Quote(e.key) + " are both given (make them two steps)");
      }
      kind = &e;
    }
    for (const Entry& e : entries) {
      if (KindOf(e.key) || std::find(kCommonStepKeys.begin(), kCommonStepKeys.end(), e.key) !=
                               kCommonStepKeys.end()) {
        continue;
      }
      if (e.key == "args" && kind && kind->key == "op") continue;
      if (e.key == "args" && kind) Fail(e.key_node, "\"args\" goes with op steps only");
      std::string allowed = kind ? (kind->key == "op" ? "args, " : "") + JoinList(kCommonStepKeys)
                                 : KindList() + "; and " + JoinList(kCommonStepKeys);
      Fail(e.key_node, "unknown step key " + Quote(e.key) + " (allowed: " + allowed + ")");
    }
    if (!kind) Fail(n, "a step needs one of " + KindList());
    step.kind = *KindOf(kind->key);

    ParseKind(step, *kind, Find(entries, "args"));
    CheckReferences(kind->value, defined_);
    if (const Entry* args = Find(entries, "args")) CheckReferences(args->value, defined_);

    // The runner checks `expect` before it saves, so expect sees only earlier steps' variables.
    if (const Entry* e = Find(entries, "expect")) ParseExpect(step, e->value, defined_);
    if (const Entry* e = Find(entries, "save")) ParseSave(step, e->value);
    if (const Entry* e = Find(entries, "requirements")) {
      step.requirements = Requirements(e->value, "requirements");
      if (step.requirements.empty()) {
        Fail(e->value, "requirements: list at least one, or leave the key out");
      }
    }
    if (const Entry* e = Find(entries, "timeout_ms")) {
      step.timeout_ms = Integer(e->value, "timeout_ms", 1, kMaxTimeoutMs);
    }
    for (const auto& [name, path] : step.save) defined_.insert(name);
    if (step.kind == StepKind::kLet) {
      for (auto it = step.spec.begin(); it != step.spec.end(); ++it) defined_.insert(it.key());
    }
    return step;
  }

  void ParseKind(Step& step, const Entry& kind, const Entry* args) {
    const YAML::Node& v = kind.value;
    switch (step.kind) {
      case StepKind::kOp: {
        step.op = String(v, "op");
        const bool ok = !step.op.empty() && std::islower(static_cast<unsigned char>(step.op[0])) &&
                        std::all_of(step.op.begin(), step.op.end(), [](char c) {
                          return std::islower(static_cast<unsigned char>(c)) ||
                                 std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                        });
        if (!ok) Fail(v, "op must be an op name like create_event, got " + Quote(step.op));
        step.spec = Json::object();
        if (args) {
          if (!args->value.IsMap()) {
            Fail(args->value,
                 "args must be a mapping (the op's arguments), got " + Describe(args->value));
          }
          step.spec = Value(args->value);
        }
        return;
      }
      case StepKind::kAdvanceClock: {
        step.spec = Value(v);
        if (IsReference(v)) return;
        if (!step.spec.is_number() || !(step.spec.get<double>() > 0)) {
          Fail(v, "advance_clock takes a number of seconds > 0, got " + Describe(step.spec));
        }
        return;
      }
      case StepKind::kLet: {
        if (!v.IsMap() || v.size() == 0) {
          Fail(v, "let takes a mapping of names to values, e.g. {state: abc}, got " + Describe(v));
        }
        for (const Entry& e : EntriesOf(v)) CheckVariableName(e.key, e.key_node);
        step.spec = Value(v);
        return;
      }
      case StepKind::kBrowser:
        step.spec = Fields(v, "browser",
                           {{"open", Field::kString, true},
                            {"action", Field::kAction},
                            {"login", Field::kString},
                            {"scopes", Field::kStringList}});
        return;
      case StepKind::kHttp:
        step.spec = Fields(v, "http",
                           {{"method", Field::kMethod},
                            {"path", Field::kPath},
                            {"url", Field::kUrl},
                            {"query", Field::kTextListMap},
                            {"headers", Field::kTextMap},
                            {"basic", Field::kBasic},
                            {"form", Field::kTextListMap},
                            {"form_pairs", Field::kFormPairs},
                            {"json", Field::kAny},
                            {"body", Field::kString},
                            {"content_type", Field::kString}});
        if (step.spec.contains("path") == step.spec.contains("url")) {
          Fail(v, "http needs exactly one of path (to the mock) and url (anywhere)");
        }
        {
          std::vector<std::string> bodies;
          for (const char* key : {"form", "form_pairs", "json", "body"}) {
            if (step.spec.contains(key)) bodies.push_back(key);
          }
          if (bodies.size() > 1) {
            Fail(v, "http takes at most one of form, form_pairs, json and body; got " +
                        JoinList(bodies));
          }
        }
        return;
      case StepKind::kControl:
        step.spec = Fields(v, "control",
                           {{"method", Field::kMethod},
                            {"path", Field::kControlPath, true},
                            {"json", Field::kAny}});
        return;
      case StepKind::kFault:
        step.spec = Fields(v, "fault",
                           {{"match", Field::kFaultMatch},
                            {"response", Field::kFaultResponse},
                            {"delay_ms", Field::kCount},
                            {"drop_connection", Field::kBool},
                            {"times", Field::kPositiveInt}});
        CheckFault(v, step.spec);
        return;
      case StepKind::kReceiver:
        step.spec = Fields(v, "receiver",
                           {{"status", Field::kStatus},
                            {"times", Field::kPositiveInt},
                            {"headers", Field::kTextMap}});
        return;
      case StepKind::kWaitDelivery:
        step.spec = Fields(v, "wait_delivery",
                           {{"match", Field::kMatchers},
                            {"count", Field::kCount},
                            {"within_ms", Field::kPositiveInt}});
        return;
      case StepKind::kJournal:
        step.spec = Fields(v, "journal",
                           {{"method", Field::kMethod},
                            {"path", Field::kPath},
                            {"path_prefix", Field::kPath},
                            {"from", Field::kFrom},
                            {"within_ms", Field::kPositiveInt}});
        if (step.spec.contains("path") && step.spec.contains("path_prefix")) {
          Fail(v, "journal takes path or path_prefix, not both");
        }
        return;
      case StepKind::kSignWebhook:
        step.spec = Fields(v, "sign_webhook",
                           {{"secret", Field::kSecrets, true},
                            {"id", Field::kString},
                            {"body", Field::kAny, true},
                            {"timestamp_offset", Field::kInt}});
        return;
    }
  }

  // The kind's mapping, checked against `rules`, as JSON (text maps normalized to strings).
  Json Fields(const YAML::Node& v, const std::string& what, const std::vector<FieldRule>& rules) {
    std::vector<std::string> names;
    for (const FieldRule& r : rules) names.push_back(r.name);
    if (!v.IsMap()) {
      Fail(v, what + " takes a mapping (" + JoinList(names) + "), got " + Describe(v));
    }
    const std::vector<Entry> entries = EntriesOf(v);
    CheckAllowed(entries, names, "unknown " + what + " key");
    for (const FieldRule& r : rules) {
      if (r.required && !Find(entries, r.name)) {
        Fail(v, what + " needs " + Quote(r.name));
      }
    }
    Json out = Json::object();
    for (const Entry& e : entries) {
      const FieldRule& rule = *std::find_if(rules.begin(), rules.end(),
                                            [&](const FieldRule& r) { return e.key == r.name; });
      out[e.key] = FieldValue(e.value, what + "." + e.key, rule.type);
    }
    return out;
  }

  Json FieldValue(const YAML::Node& n, const std::string& what, Field type) {
    // A whole reference stands for a value of any type, known only at run time.
    if (type != Field::kMatchers && IsReference(n)) return Value(n);
    auto string_with = [&](std::initializer_list<const char*> prefixes, const std::string& hint) {
      const std::string s = String(n, what);
      if (StartsWith(s, "${")) return Json(s);
      for (const char* prefix : prefixes) {
        if (StartsWith(s, prefix)) return Json(s);
      }
      Fail(n, what + " " + hint + ", got " + Quote(s));
    };
    switch (type) {
      case Field::kString:
        return String(n, what);
      case Field::kMethod: {
        const std::string s = String(n, what);
        const bool ok = !s.empty() && std::all_of(s.begin(), s.end(),
                                                  [](char c) { return c >= 'A' && c <= 'Z'; });
        if (!ok)
          Fail(n, what + " must be an upper-case HTTP method like GET or POST, got " + Quote(s));
        return s;
      }
      case Field::kPath:
        return string_with({"/"}, "must start with '/'");
      case Field::kControlPath:
        return string_with({"/_mock/"}, "must start with /_mock/ (the control API)");
      case Field::kUrl:
        return string_with({"http://", "https://"}, "must be an http:// or https:// URL");
      case Field::kBool: {
        const Json b = Value(n);
        if (!b.is_boolean()) Fail(n, what + " must be true or false, got " + Describe(b));
        return b;
      }
      case Field::kInt:
        return Integer(n, what, INT64_MIN / 2, INT64_MAX / 2);
      case Field::kPositiveInt:
        return Integer(n, what, 1, INT64_MAX / 2);
      case Field::kCount:
        return Integer(n, what, 0, INT64_MAX / 2);
      case Field::kStatus:
        return Integer(n, what, 100, 599);
      case Field::kStringList: {
        Json out = Json::array();
        if (!n.IsSequence()) Fail(n, what + " must be a list of strings, got " + Describe(n));
        for (const YAML::Node& item : n) {
          out.push_back(IsReference(item) ? Value(item) : Json(String(item, what + " item")));
        }
        return out;
      }
      case Field::kTextMap:
      case Field::kTextListMap: {
        if (!n.IsMap()) Fail(n, what + " must be a mapping of names to values, got " + Describe(n));
        Json out = Json::object();
        for (const Entry& e : EntriesOf(n)) {
          const std::string where = what + "." + e.key;
          if (type == Field::kTextListMap && e.value.IsSequence()) {
            Json list = Json::array();
            for (const YAML::Node& item : e.value) list.push_back(Text(item, where + " item"));
            out[e.key] = std::move(list);
          } else {
            out[e.key] = Text(e.value, where);
          }
        }
        return out;
      }
      case Field::kFormPairs: {
        if (!n.IsSequence()) {
          Fail(n, what + " must be a list of [name, value] pairs, got " + Describe(n));
        }
        Json out = Json::array();
        for (const YAML::Node& pair : n) {
          if (!pair.IsSequence() || pair.size() != 2) {
            Fail(pair, what + " items are [name, value] pairs, got " + Describe(pair));
          }
          out.push_back(
              Json::array({Text(pair[0], what + " name"), Text(pair[1], what + " value")}));
        }
        return out;
      }
      case Field::kBasic: {
        if (!n.IsMap()) Fail(n, what + " must be {user, password}, got " + Describe(n));
        const std::vector<Entry> entries = EntriesOf(n);
        CheckAllowed(entries, {"user", "password"}, "unknown " + what + " key");
        if (!Find(entries, "user") || !Find(entries, "password")) {
          Fail(n, what + " needs user and password (\"\" for an empty one)");
        }
        Json out = Json::object();
        out["user"] = Text(Find(entries, "user")->value, what + ".user");
        out["password"] = Text(Find(entries, "password")->value, what + ".password");
        return out;
      }
      case Field::kAny:
        return Value(n);
      case Field::kMatchers: {
        if (!n.IsMap()) {
          Fail(n, what + " must be a mapping from a path to a matcher, got " + Describe(n));
        }
        Json out = Json::object();
        for (const Entry& e : EntriesOf(n)) {
          CheckPath(e.key, e.key_node, kDeliveryFields, "a delivery");
          out[e.key] = Matcher(e.value);
        }
        return out;
      }
      case Field::kSecrets: {
        if (n.IsSequence()) {
          if (n.size() == 0) Fail(n, what + " must list at least one secret");
          Json out = Json::array();
          for (const YAML::Node& item : n) out.push_back(String(item, what + " item"));
          return out;
        }
        return String(n, what + " (a string or a list of strings)");
      }
      case Field::kAction: {
        const std::string s = String(n, what);
        if (s != "approve" && s != "deny" && s != "none") {
          Fail(n, what + " must be approve, deny or none, got " + Quote(s));
        }
        return s;
      }
      case Field::kFrom: {
        const std::string s = String(n, what);
        if (s != "client" && s != "harness" && s != "any") {
          Fail(n, what + " must be client, harness or any, got " + Quote(s));
        }
        return s;
      }
      case Field::kFaultMatch:
        return Fields(n, what, {{"method", Field::kMethod}, {"path", Field::kPath}});
      case Field::kFaultResponse:
        return Fields(n, what,
                      {{"status", Field::kStatus, true},
                       {"headers", Field::kTextMap},
                       {"body", Field::kAny}});
    }
    return Value(n);
  }

  // The mock's own parser has the last word on a fault (limits, a fault that does nothing),
  // unless references leave the values open until run time.
  void CheckFault(const YAML::Node& v, const Json& spec) const {
    if (HasReference(spec)) return;
    StatusOr<Fault> fault = Fault::FromJson(spec);
    if (fault.ok()) return;
    YAML::Node at = v;
    if (!fault.status().param().empty()) {
      for (const std::string& key : Split(fault.status().param(), '.')) {
        if (!at.IsMap()) break;
        const std::vector<Entry> entries = EntriesOf(at);
        const Entry* e = Find(entries, key);
        if (!e) break;
        at = e->value;
      }
    }
    Fail(at, "fault: " + fault.status().message());
  }

  static bool HasReference(const Json& v) {
    if (v.is_string()) return v.get_ref<const std::string&>().find("${") != std::string::npos;
    if (v.is_array() || v.is_object()) {
      for (const Json& item : v) {
        if (HasReference(item)) return true;
      }
    }
    return false;
  }

  Json Matcher(const YAML::Node& n) const {
    const Json matcher = Value(n);
    if (n.IsMap() && !matcher.empty()) {
      // Operator by operator, to point at the one that is wrong.
      for (const Entry& e : EntriesOf(n)) {
        Json single = Json::object();
        single[e.key] = matcher[e.key];
        if (Status s = ValidateMatcher(single); !s.ok()) {
          Fail(IsMatcherOperator(e.key) ? e.value : e.key_node, s.message());
        }
      }
    }
    if (Status s = ValidateMatcher(matcher); !s.ok()) Fail(n, s.message());
    return matcher;
  }

  void CheckPath(const std::string& path, const YAML::Node& at,
                 const std::vector<std::string>& fields, const std::string& what) const {
    if (path.empty()) return;
    const std::string first = path.substr(0, path.find('.'));
    if (std::find(fields.begin(), fields.end(), first) == fields.end()) {
      Fail(at, "path " + Quote(path) + " does not start with a field of " + what + " (" +
                   JoinList(fields) + ")");
    }
  }

  void CheckResultPath(const Step& step, const std::string& path, const YAML::Node& at) const {
    const std::optional<std::vector<std::string>> fields = ResultFields(step.kind);
    if (!fields) return;
    CheckPath(path, at, *fields, std::string("the ") + StepKindName(step.kind) + " step's result");
  }

  void ParseExpect(Step& step, const YAML::Node& n, const std::set<std::string>& visible) const {
    step.has_expect = true;
    const std::optional<std::vector<std::string>> fields = ResultFields(step.kind);
    if (fields && fields->empty()) {
      Fail(n, std::string(StepKindName(step.kind)) + " steps have no result to expect on");
    }
    if (!n.IsMap()) {
      Fail(n, "expect must be a mapping from a path to a matcher, e.g. {status: 200}, got " +
                  Describe(n));
    }
    for (const Entry& e : EntriesOf(n)) {
      CheckResultPath(step, e.key, e.key_node);
      Expectation x;
      x.path = e.key;
      x.matcher = Matcher(e.value);
      x.pos = Pos(e.key_node);
      CheckReferences(e.value, visible);
      step.expect.push_back(std::move(x));
    }
  }

  void ParseSave(Step& step, const YAML::Node& n) const {
    const std::optional<std::vector<std::string>> fields = ResultFields(step.kind);
    if (fields && fields->empty()) {
      Fail(n, std::string(StepKindName(step.kind)) + " steps have no result to save from");
    }
    if (!n.IsMap()) {
      Fail(n,
           "save must be a mapping from a variable name to a path, e.g. {url: result.url}, "
           "got " +
               Describe(n));
    }
    for (const Entry& e : EntriesOf(n)) {
      CheckVariableName(e.key, e.key_node);
      const std::string path = Text(e.value, "save." + e.key);
      CheckResultPath(step, path, e.value);
      step.save.emplace_back(e.key, path);
    }
  }

  void CheckVariableName(const std::string& name, const YAML::Node& at) const {
    if (!IsIdentifier(name)) {
      Fail(at, "variable name " + Quote(name) +
                   " must be letters, digits and '_', not starting with a digit");
    }
    if (IsBuiltinVariable(name)) {
      Fail(at, Quote(name) + " is predefined (" +
                   Join(std::vector<std::string>(std::begin(kBuiltinVariables),
                                                 std::end(kBuiltinVariables)),
                        ", ") +
                   "); choose another name");
    }
  }

  // Every "${name…}" in the strings under `n` is well-formed and names a known variable.
  void CheckReferences(const YAML::Node& n, const std::set<std::string>& defined,
                       int depth = 0) const {
    if (depth > kMaxDepth) return;  // Value() refused such documents already
    if (n.IsSequence()) {
      for (const YAML::Node& item : n) CheckReferences(item, defined, depth + 1);
      return;
    }
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it)
        CheckReferences(it->second, defined, depth + 1);
      return;
    }
    if (!n.IsScalar()) return;
    StatusOr<std::vector<std::string>> refs = FindReferences(n.Scalar());
    if (!refs.ok()) Fail(n, refs.status().message());
    for (const std::string& ref : *refs) {
      const std::string name = ref.substr(0, ref.find('.'));
      if (defined.count(name)) continue;
      std::vector<std::string> known(defined.begin(), defined.end());
      Fail(n, "unknown variable ${" + name + "} (defined before this step: " + JoinList(known) +
                  "; write $${ for a literal ${)");
    }
  }

  std::string file_;
  std::set<std::string> defined_;  // variables that steps so far have defined
  // Where the key of each empty value is: (line, column) of the value → the key's mark.
  mutable std::map<std::pair<int, int>, YAML::Mark> null_value_keys_;
};

// Walks the document stream without building nodes, to find where yaml-cpp 0.7's LoadAll would
// never return: a stray flow token at the top (a lone ",") is never consumed, so LoadAll adds
// empty documents at the same place until memory runs out. Returns that place, if any.
class DocumentStarts : public YAML::EventHandler {
 public:
  static std::optional<YAML::Mark> FindStuck(const std::string& yaml) {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    DocumentStarts handler;
    std::optional<YAML::Mark> previous;
    while (parser.HandleNextDocument(handler)) {
      const YAML::Mark& start = handler.start_;
      if (previous && previous->pos == start.pos) return start;
      previous = start;
    }
    return std::nullopt;
  }

  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  YAML::Mark start_;
};

Status CheckUniqueIds(const std::vector<Scenario>& scenarios) {
  std::map<std::string, const Scenario*> first;
  for (const Scenario& sc : scenarios) {
    auto [it, inserted] = first.emplace(sc.id, &sc);
    if (!inserted) {
      return Invalid(sc.pos.ToString() + ": duplicate id " + Quote(sc.id) + " (first at " +
                     it->second->pos.ToString() + ")");
    }
  }
  return Status();
}

bool IsScenarioFile(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml";
}

}  // namespace

std::string SourcePos::ToString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const char* StepKindName(StepKind kind) {
  const size_t i = static_cast<size_t>(kind);
  return i < std::size(kStepKinds) ? kStepKinds[i] : "unknown";
}

bool Scenario::UsesClient() const {
  return std::any_of(steps.begin(), steps.end(),
                     [](const Step& s) { return s.kind == StepKind::kOp; });
}

bool Scenario::NeedsControl() const {
  if (!fixtures.empty() || auto_consent || !retry_schedule.empty()) return true;
  return std::any_of(steps.begin(), steps.end(), [](const Step& s) {
    return s.kind == StepKind::kControl || s.kind == StepKind::kAdvanceClock ||
           s.kind == StepKind::kFault || s.kind == StepKind::kJournal;
  });
}

bool Scenario::HasTag(const std::string& tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

StatusOr<std::vector<Scenario>> ParseScenarios(const std::string& yaml, const std::string& file) {
  std::vector<Scenario> out;
  try {
    if (std::optional<YAML::Mark> stuck = DocumentStarts::FindStuck(yaml)) {
      return Invalid(file + ":" + std::to_string(stuck->line + 1) + ":" +
                     std::to_string(stuck->column + 1) +
                     ": unexpected token outside any list or mapping (a stray ','?)");
    }
    const std::vector<YAML::Node> docs = YAML::LoadAll(yaml);
    for (const YAML::Node& doc : docs) {
      if (doc.IsNull()) continue;  // an empty document, e.g. after a trailing "---"
      out.push_back(DocParser(file).Parse(doc));
    }
  } catch (const LoadError& e) {
    return Invalid(e.message);
  } catch (const YAML::Exception& e) {
    std::ostringstream text;
    text << file;
    if (!e.mark.is_null()) text << ":" << e.mark.line + 1 << ":" << e.mark.column + 1;
    // yaml-cpp 0.7 reports its nesting limit as "bad file".
    text << ": " << (e.msg == "bad file" ? "nested too deeply" : e.msg);
    return Invalid(text.str());
  } catch (const std::exception& e) {
    return Invalid(file + ": cannot read the scenarios: " + e.what());
  }
  if (out.empty()) {
    return Invalid(file +
                   ":1:1: no scenario in this file (expected a mapping with id, title, "
                   "requirements and steps)");
  }
  if (Status s = CheckUniqueIds(out); !s.ok()) return s;
  return out;
}

StatusOr<std::vector<Scenario>> LoadScenarioFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return Invalid(path + ": is a directory, not a scenario file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Invalid(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Invalid(path + ": cannot read: " + std::strerror(errno));
  return ParseScenarios(text.str(), path);
}

StatusOr<std::vector<Scenario>> LoadScenarios(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) return Invalid(path + ": no such file or directory");
    if (!fs::is_directory(status)) {
      files.push_back(path);
      continue;
    }
    fs::recursive_directory_iterator it(path, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& entry = it->path();
      const bool hidden = entry.filename().string().rfind('.', 0) == 0;
      if (it->is_directory(ec)) {
        if (hidden) it.disable_recursion_pending();
        continue;
      }
      if (!hidden && IsScenarioFile(entry) && it->is_regular_file(ec)) {
        files.push_back(entry.string());
      }
    }
    if (ec) return Invalid(path + ": cannot list: " + ec.message());
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> seen;  // the same file named twice is loaded once
  std::vector<Scenario> all;
  for (const std::string& file : files) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(file, ec);
    if (!seen.insert(ec ? file : canonical.string()).second) continue;
    StatusOr<std::vector<Scenario>> loaded = LoadScenarioFile(file);
    if (!loaded.ok()) return loaded.status();
    for (Scenario& sc : *loaded) all.push_back(std::move(sc));
  }
  if (Status s = CheckUniqueIds(all); !s.ok()) return s;
  return all;
}

}  // namespace chronapilot
