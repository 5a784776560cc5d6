// What a scenario computes with (scenarios/README.md): ${name} substitution, dotted paths into a
// step's result, and the matchers of an `expect` block. Pure functions on JSON values, so the
// runner, the loader (which validates matchers) and the tests share one definition.
//
// Thread safety: free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mock/json.h"
#include "mock/status.h"

namespace chronapilot {

// Replaces "${name}" and "${name.path}" in every string inside `spec` (keys are left alone) with
// values from `vars` (an object). A string that is exactly one "${…}" becomes the value itself,
// whatever its type; inside a longer string a string value is inserted as is and any other value
// as its JSON text. "$${" is a literal "${". An unknown name or path is an error naming it.
StatusOr<Json> Substitute(const Json& spec, const Json& vars);

// The "${…}" references in `text`, in order, without "${" and "}" ("name", "name.path.0"); "$${"
// is skipped as a literal. An error for an unterminated "${" or a malformed reference. The loader
// uses it to check references before anything runs.
StatusOr<std::vector<std::string>> FindReferences(std::string_view text);
// Whether `text` is exactly one reference ("${name}" or "${name.path}"), which Substitute
// replaces by the value itself, of whatever type.
bool IsWholeReference(std::string_view text);

// The value at a dotted path ("result.data.0.id", "headers.www-authenticate"); a segment that
// is a number indexes an array. "" is `value` itself. nullopt when any segment is missing.
std::optional<Json> Lookup(const Json& value, std::string_view path);

// The result of one matcher on one value, with texts for the report.
struct MatchOutcome {
  bool passed = false;
  std::string expected;  // e.g. "equals \"S256\"", "matches /^cat_/"
  std::string seen;      // the value as JSON, or "(absent)"
};

// Applies `matcher` to `seen` (nullopt: the path was absent). A scalar, list or null matcher is
// equality (numbers by value, object keys in any order); a mapping is a set of operators that
// must all hold (scenarios/README.md, "Matchers"). An absent value fails every operator except
// `exists: false` and `not` (absent is "not X"). `not` takes a matcher (`not: "x"`, `not:
// {prefix: "x"}`); `length` takes a number or a matcher on the length (`length: {gte: 43}`);
// string lengths count UTF-8 characters. Pass the matcher through Substitute first.
MatchOutcome Match(const Json& matcher, const std::optional<Json>& seen);

// Whether `key` is one of the matcher operators ("equals", "matches", ...).
bool IsMatcherOperator(std::string_view key);

// Whether `matcher` is well-formed (known operators, operands of the right type, regexes that
// compile). The loader calls it so that a typo fails at load time, not as a failed check. An
// operand that is a whole "${…}" reference passes for any operator, and a `matches` pattern with
// a reference in it is compiled only at run time: both are known only after Substitute. (Match
// checks the substituted matcher strictly and fails the check if it is malformed.)
Status ValidateMatcher(const Json& matcher);

}  // namespace chronapilot
