#include "harness/checks.h"

#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <functional>
#include <regex>
#include <utility>
#include <vector>

#include "mock/crypto.h"
#include "mock/text.h"

namespace chronapilot {
namespace {

constexpr size_t kMaxShownChars = 300;    // of a value in MatchOutcome texts
constexpr size_t kMaxRegexInput = 65536;  // longer strings fail `matches` instead of recursing
constexpr size_t kRegexStackBytes = 256u << 20;  // reserved, touched only as deep as needed
constexpr size_t kMaxInlineRegexInput = 2048;    // safe on an ordinary thread's stack

const char* const kOperators[] = {
    "equals", "not", "equals_ci", "matches", "prefix", "contains", "not_contains", "exists",
    "one_of", "gt",  "gte",       "lt",      "lte",    "length",   "type",         "s256"};
const char* const kTypeNames[] = {"string", "number", "boolean", "object", "array", "null"};

bool IsOperator(const std::string& key) {
  for (const char* op : kOperators) {
    if (key == op) return true;
  }
  return false;
}

std::string OperatorList() {
  std::string out;
  for (const char* op : kOperators) {
    if (!out.empty()) out += ", ";
    out += op;
  }
  return out;
}

// `text` cut to at most `max` bytes on a UTF-8 character boundary, with "…" when cut.
std::string Truncate(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

// JSON text that never throws: invalid UTF-8 inside strings becomes U+FFFD.
std::string Dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Show(const Json& value) { return Truncate(Dump(value), kMaxShownChars); }

std::string TypeName(const Json& value) {
  if (value.is_string()) return "string";
  if (value.is_number()) return "number";
  if (value.is_boolean()) return "boolean";
  if (value.is_object()) return "object";
  if (value.is_array()) return "array";
  if (value.is_null()) return "null";
  return "binary";
}

// -1, 0 or 1; integers compare exactly, anything involving a float as doubles.
int CompareNumbers(const Json& a, const Json& b) {
  auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.is_number_integer() && b.is_number_integer()) {
    if (a.is_number_unsigned() && b.is_number_unsigned()) {
      return sign(a.get<uint64_t>(), b.get<uint64_t>());
    }
    if (!a.is_number_unsigned() && !b.is_number_unsigned()) {
      return sign(a.get<int64_t>(), b.get<int64_t>());
    }
    // One unsigned (possibly above INT64_MAX), one signed.
    if (a.is_number_unsigned()) {
      const int64_t s = b.get<int64_t>();
      return s < 0 ? 1 : sign(a.get<uint64_t>(), static_cast<uint64_t>(s));
    }
    const int64_t s = a.get<int64_t>();
    return s < 0 ? -1 : sign(static_cast<uint64_t>(s), b.get<uint64_t>());
  }
  return sign(a.get<double>(), b.get<double>());
}

// Deep equality where numbers compare by value (1 == 1.0) and object key order does not matter.
bool DeepEqual(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return CompareNumbers(a, b) == 0;
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!DeepEqual(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !DeepEqual(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// Characters (UTF-8 code points) of a valid UTF-8 string; bytes otherwise.
size_t StringLength(const std::string& s) {
  if (!IsValidUtf8(s)) return s.size();
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::optional<size_t> LengthOf(const Json& value) {
  if (value.is_string()) return StringLength(value.get_ref<const std::string&>());
  if (value.is_array() || value.is_object()) return value.size();
  return std::nullopt;
}

bool Contains(const Json& haystack, const Json& needle) {
  if (haystack.is_string() && needle.is_string()) {
    return haystack.get_ref<const std::string&>().find(needle.get_ref<const std::string&>()) !=
           std::string::npos;
  }
  if (haystack.is_array()) {
    return std::any_of(haystack.begin(), haystack.end(),
                       [&](const Json& item) { return DeepEqual(item, needle); });
  }
  return false;
}

// Runs `fn` on a thread with a large stack: libstdc++'s std::regex recurses once per input
// character and overflows an 8 MiB stack at about 20,000 characters. When no such thread can be
// had (address-space limits), runs it here only if `small` says the input is short enough for
// an ordinary stack; returns whether `fn` ran.
bool RunWithLargeStack(const std::function<void()>& fn, bool small) {
  pthread_attr_t attr;
  pthread_t thread;
  bool started = false;
  if (pthread_attr_init(&attr) == 0) {
    if (pthread_attr_setstacksize(&attr, kRegexStackBytes) == 0) {
      auto trampoline = [](void* arg) -> void* {
        (*static_cast<const std::function<void()>*>(arg))();
        return nullptr;
      };
      started =
          pthread_create(&thread, &attr, trampoline, const_cast<std::function<void()>*>(&fn)) == 0;
    }
    pthread_attr_destroy(&attr);
  }
  if (started) {
    pthread_join(thread, nullptr);
    return true;
  }
  if (!small) return false;
  fn();
  return true;
}

// Compiles `pattern`; "" on success, else why not.
std::string CompileError(const std::string& pattern) {
  std::string error;
  const bool ran = RunWithLargeStack(
      [&] {
        try {
          std::regex re(pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          error = e.what();
        }
      },
      pattern.size() <= kMaxInlineRegexInput);
  if (!ran) error = "no thread to compile it on";
  return error;
}

// Whether `pattern` is found anywhere in `text`; `error` says why not when it could not tell.
bool RegexSearch(const std::string& pattern, const std::string& text, std::string& error) {
  if (text.size() > kMaxRegexInput) {
    error = "the value is " + std::to_string(text.size()) + " bytes, too long for a regex (max " +
            std::to_string(kMaxRegexInput) + ")";
    return false;
  }
  bool found = false;
  const bool ran = RunWithLargeStack(
      [&] {
        try {
          std::regex re(pattern, std::regex::ECMAScript);
          found = std::regex_search(text, re);
        } catch (const std::regex_error& e) {
          error = std::string("regex error: ") + e.what();
        }
      },
      text.size() + pattern.size() <= kMaxInlineRegexInput);
  if (!ran) error = "no thread with a large enough stack for this regex";
  return found;
}

Status Invalid(const std::string& message) {
  return Status::InvalidRequest("scenario_invalid", message);
}

// A matcher operand that is a whole "${…}" reference is only known at run time; the loader
// accepts it wherever an operand of any type may stand.
bool Deferred(const Json& operand, bool lenient) {
  return lenient && operand.is_string() && IsWholeReference(operand.get_ref<const std::string&>());
}

Status Validate(const Json& matcher, bool lenient);

Status ValidateOperand(const std::string& op, const Json& operand, bool lenient) {
  if (Deferred(operand, lenient)) return Status();
  auto need = [&](const std::string& what) {
    return Invalid("\"" + op + "\" needs " + what + ", got " + Show(operand));
  };
  if (op == "equals" || op == "contains" || op == "not_contains") return Status();
  if (op == "not") return Validate(operand, lenient);
  if (op == "equals_ci" || op == "prefix" || op == "s256") {
    return operand.is_string() ? Status() : need("a string");
  }
  if (op == "matches") {
    if (!operand.is_string()) return need("a string (an ECMAScript regex)");
    const std::string& pattern = operand.get_ref<const std::string&>();
    // A pattern with references in it is only complete at run time.
    if (lenient && pattern.find("${") != std::string::npos) return Status();
    std::string error = CompileError(pattern);
    if (!error.empty()) return Invalid("invalid regex /" + pattern + "/: " + error);
    return Status();
  }
  if (op == "exists") return operand.is_boolean() ? Status() : need("true or false");
  if (op == "one_of") return operand.is_array() ? Status() : need("a list");
  if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
    return operand.is_number() ? Status() : need("a number");
  }
  if (op == "length") {
    if (operand.is_number_unsigned() ||
        (operand.is_number_integer() && operand.get<int64_t>() >= 0)) {
      return Status();
    }
    if (operand.is_object()) return Validate(operand, lenient);
    return need("a whole number >= 0 or a matcher like {gte: 43}");
  }
  if (op == "type") {
    if (operand.is_string()) {
      for (const char* name : kTypeNames) {
        if (operand.get_ref<const std::string&>() == name) return Status();
      }
    }
    return need("one of string, number, boolean, object, array, null");
  }
  return Invalid("unknown matcher operator \"" + op + "\"");
}

Status Validate(const Json& matcher, bool lenient) {
  if (!matcher.is_object()) return Status();  // equality with a scalar, list or null
  if (matcher.empty()) {
    return Invalid("an empty mapping is not a matcher; to compare with {} write {equals: {}}");
  }
  for (auto it = matcher.begin(); it != matcher.end(); ++it) {
    if (!IsOperator(it.key())) {
      return Invalid("\"" + it.key() + "\" is not a matcher operator (operators: " +
                     OperatorList() + "); to compare with a mapping write {equals: {...}}");
    }
    if (Status s = ValidateOperand(it.key(), it.value(), lenient); !s.ok()) return s;
  }
  return Status();
}

struct OpOutcome {
  bool passed;
  std::string text;
};

OpOutcome ApplyOperator(const std::string& op, const Json& operand,
                        const std::optional<Json>& seen) {
  const bool present = seen.has_value();
  const bool is_string = present && seen->is_string();
  if (op == "equals") return {present && DeepEqual(*seen, operand), "equals " + Show(operand)};
  if (op == "not") {
    MatchOutcome inner = Match(operand, seen);
    const bool compound = operand.is_object() && operand.size() > 1;
    return {!inner.passed, compound ? "not (" + inner.expected + ")" : "not " + inner.expected};
  }
  if (op == "equals_ci") {
    return {is_string && EqualsIgnoreCase(seen->get_ref<const std::string&>(),
                                          operand.get_ref<const std::string&>()),
            "equals_ci " + Show(operand)};
  }
  if (op == "matches") {
    const std::string& pattern = operand.get_ref<const std::string&>();
    std::string text = "matches /" + Truncate(pattern, kMaxShownChars) + "/";
    if (!is_string) return {false, text};
    std::string error;
    const bool found = RegexSearch(pattern, seen->get_ref<const std::string&>(), error);
    if (!error.empty()) text += " (" + error + ")";
    return {found, text};
  }
  if (op == "prefix") {
    return {is_string && StartsWith(seen->get_ref<const std::string&>(),
                                    operand.get_ref<const std::string&>()),
            "prefix " + Show(operand)};
  }
  if (op == "contains") return {present && Contains(*seen, operand), "contains " + Show(operand)};
  if (op == "not_contains") {
    const bool searchable =
        present && ((seen->is_string() && operand.is_string()) || seen->is_array());
    return {searchable && !Contains(*seen, operand), "not_contains " + Show(operand)};
  }
  if (op == "exists") {
    const bool want = operand.get<bool>();
    return {present == want, want ? "exists" : "is absent"};
  }
  if (op == "one_of") {
    const bool any = present && std::any_of(operand.begin(), operand.end(),
                                            [&](const Json& v) { return DeepEqual(*seen, v); });
    return {any, "one_of " + Show(operand)};
  }
  if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
    const char* symbol = op == "gt" ? "> " : op == "gte" ? ">= " : op == "lt" ? "< " : "<= ";
    bool ok = false;
    if (present && seen->is_number()) {
      const int c = CompareNumbers(*seen, operand);
      ok = op == "gt" ? c > 0 : op == "gte" ? c >= 0 : op == "lt" ? c < 0 : c <= 0;
    }
    return {ok, symbol + Show(operand)};
  }
  if (op == "length") {
    std::optional<size_t> length = present ? LengthOf(*seen) : std::nullopt;
    if (operand.is_object()) {
      std::optional<Json> n;
      if (length) n = Json(static_cast<uint64_t>(*length));
      MatchOutcome inner = Match(operand, n);
      return {length && inner.passed, "length (" + inner.expected + ")"};
    }
    return {length && DeepEqual(Json(static_cast<uint64_t>(*length)), operand),
            "length " + Show(operand)};
  }
  if (op == "type") {
    const std::string& want = operand.get_ref<const std::string&>();
    return {present && TypeName(*seen) == want, "type " + want};
  }
  if (op == "s256") {
    // PKCE (RFC 7636 §4.2): the value is a verifier whose BASE64URL(SHA256(·)) is the operand,
    // so `code_verifier: {s256: "${challenge}"}` reads as it should.
    const std::string& challenge = operand.get_ref<const std::string&>();
    const std::string hash =
        is_string ? Base64UrlEncode(Sha256(seen->get_ref<const std::string&>())) : "";
    return {is_string && hash == challenge,
            "s256 hash " + Truncate(Dump(challenge), 60) +
                (is_string ? " (the value hashes to \"" + hash + "\")" : "")};
  }
  return {false, "unknown operator " + op};  // not reached: Validate ran first
}

// The pieces of a string: literal text and references, in order.
struct Piece {
  bool reference = false;
  std::string text;  // the literal, or the reference without "${" and "}"
};

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

StatusOr<std::vector<Piece>> SplitReferences(std::string_view text) {
  std::vector<Piece> pieces;
  std::string literal;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      literal += "${";
      i += 3;
    } else if (text.compare(i, 2, "${") == 0) {
      const size_t close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        return Invalid("unterminated \"${\" in " + Show(std::string(text)) +
                       " (write $${ for a literal ${)");
      }
      std::string ref(text.substr(i + 2, close - i - 2));
      const std::vector<std::string> segments = Split(ref, '.');
      const bool empty_segment = std::any_of(segments.begin(), segments.end(),
                                             [](const std::string& s) { return s.empty(); });
      if (!IsIdentifier(segments[0]) || empty_segment) {
        return Invalid("bad reference \"${" + ref +
                       "}\": write ${name} or ${name.path.to.value} (a name is letters, digits "
                       "and _; $${ is a literal ${)");
      }
      if (!literal.empty()) pieces.push_back({false, std::move(literal)});
      literal.clear();
      pieces.push_back({true, std::move(ref)});
      i = close + 1;
    } else {
      literal += text[i++];
    }
  }
  if (!literal.empty()) pieces.push_back({false, std::move(literal)});
  return pieces;
}

StatusOr<Json> Resolve(const std::string& ref, const Json& vars) {
  const size_t dot = ref.find('.');
  const std::string name = ref.substr(0, dot);
  if (!vars.is_object() || !vars.contains(name)) {
    std::string known;
    if (vars.is_object()) {
      for (auto it = vars.begin(); it != vars.end(); ++it) {
        known += (known.empty() ? "" : ", ") + it.key();
      }
    }
    return Status::InvalidRequest("unknown_value", "unknown value ${" + ref + "} (defined: " +
                                                       (known.empty() ? "none" : known) + ")");
  }
  const Json& value = vars[name];
  if (dot == std::string::npos) return value;
  std::optional<Json> found = Lookup(value, std::string_view(ref).substr(dot + 1));
  if (!found) {
    return Status::InvalidRequest("unknown_value", "unknown value ${" + ref + "}: " + name +
                                                       " has no \"" + ref.substr(dot + 1) + "\" (" +
                                                       name + " is " + Truncate(Dump(value), 200) +
                                                       ")");
  }
  return *found;
}

StatusOr<Json> SubstituteString(const std::string& text, const Json& vars) {
  if (text.find('$') == std::string::npos) return Json(text);
  StatusOr<std::vector<Piece>> pieces = SplitReferences(text);
  if (!pieces.ok()) return pieces.status();
  if (pieces->size() == 1 && (*pieces)[0].reference) return Resolve((*pieces)[0].text, vars);
  std::string out;
  for (const Piece& piece : *pieces) {
    if (!piece.reference) {
      out += piece.text;
      continue;
    }
    StatusOr<Json> value = Resolve(piece.text, vars);
    if (!value.ok()) return value.status();
    out += value->is_string() ? value->get<std::string>() : Dump(*value);
  }
  return Json(std::move(out));
}

}  // namespace

StatusOr<std::vector<std::string>> FindReferences(std::string_view text) {
  std::vector<std::string> refs;
  if (text.find('$') == std::string_view::npos) return refs;
  StatusOr<std::vector<Piece>> pieces = SplitReferences(text);
  if (!pieces.ok()) return pieces.status();
  for (const Piece& piece : *pieces) {
    if (piece.reference) refs.push_back(piece.text);
  }
  return refs;
}

bool IsWholeReference(std::string_view text) {
  if (text.size() < 4 || text.compare(0, 2, "${") != 0 || text.back() != '}') return false;
  StatusOr<std::vector<Piece>> pieces = SplitReferences(text);
  return pieces.ok() && pieces->size() == 1 && (*pieces)[0].reference;
}

StatusOr<Json> Substitute(const Json& spec, const Json& vars) {
  if (spec.is_string()) return SubstituteString(spec.get_ref<const std::string&>(), vars);
  if (spec.is_array()) {
    Json out = Json::array();
    for (const Json& item : spec) {
      StatusOr<Json> value = Substitute(item, vars);
      if (!value.ok()) return value.status();
      out.push_back(std::move(*value));
    }
    return out;
  }
  if (spec.is_object()) {
    Json out = Json::object();
    for (auto it = spec.begin(); it != spec.end(); ++it) {
      StatusOr<Json> value = Substitute(it.value(), vars);
      if (!value.ok()) return value.status();
      out[it.key()] = std::move(*value);
    }
    return out;
  }
  return spec;
}

std::optional<Json> Lookup(const Json& value, std::string_view path) {
  if (path.empty()) return value;
  const Json* current = &value;
  for (const std::string& segment : Split(path, '.')) {
    if (current->is_object()) {
      auto it = current->find(segment);
      if (it == current->end()) return std::nullopt;
      current = &*it;
    } else if (current->is_array()) {
      if (segment.empty() || segment.size() > 9 ||
          !std::all_of(segment.begin(), segment.end(),
                       [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
      }
      const size_t index = std::stoul(segment);
      if (index >= current->size()) return std::nullopt;
      current = &(*current)[index];
    } else {
      return std::nullopt;
    }
  }
  return *current;
}

MatchOutcome Match(const Json& matcher, const std::optional<Json>& seen) {
  MatchOutcome out;
  out.seen = seen ? Show(*seen) : "(absent)";
  if (Status s = Validate(matcher, /*lenient=*/false); !s.ok()) {
    out.expected = "a valid matcher (" + s.message() + ")";
    return out;
  }
  if (!matcher.is_object()) {
    out.passed = seen && DeepEqual(*seen, matcher);
    out.expected = "equals " + Show(matcher);
    return out;
  }
  out.passed = true;
  for (auto it = matcher.begin(); it != matcher.end(); ++it) {
    OpOutcome op = ApplyOperator(it.key(), it.value(), seen);
    out.passed = out.passed && op.passed;
    if (!out.expected.empty()) out.expected += " and ";
    out.expected += op.text;
  }
  return out;
}

bool IsMatcherOperator(std::string_view key) { return IsOperator(std::string(key)); }

Status ValidateMatcher(const Json& matcher) { return Validate(matcher, /*lenient=*/true); }

}  // namespace chronapilot
