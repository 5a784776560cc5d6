// The scenario model (SPEC HARN-4) and its YAML loader; scenarios/README.md is the format.
//
// A scenario file holds one or more YAML documents, each a scenario. Loading checks everything
// that can be checked before running: required keys, unknown keys, step kinds, matchers, ids
// (`Required.` / `Recommended.` prefix, no duplicates across all files). Every error names
// "file:line:column".
//
// Thread safety: plain values; a loaded Scenario is immutable and shared by runner threads.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mock/json.h"
#include "mock/status.h"

namespace chronapilot {

struct SourcePos {
  std::string file;
  int line = 0;                  // 1-based
  int column = 0;                // 1-based
  std::string ToString() const;  // "scenarios/pkce.yaml:12:5"
};

enum class StepKind {
  kOp,            // op: NAME, args: {...}
  kBrowser,       // browser: {open, action, login, scopes}
  kHttp,          // http: {method, path|url, ...}
  kControl,       // control: {method, path, json}
  kAdvanceClock,  // advance_clock: SECONDS
  kFault,         // fault: {CTRL-5 body}
  kReceiver,      // receiver: {status, times, headers}
  kWaitDelivery,  // wait_delivery: {match, count, within_ms}
  kJournal,       // journal: {method, path, path_prefix, from, within_ms}
  kLet,           // let: {name: value}
  kSignWebhook,   // sign_webhook: {secret, id, body, timestamp_offset}
};
const char* StepKindName(StepKind kind);  // "op", "browser", ... as written in YAML

struct Expectation {
  std::string path;  // into the step's result; "" = the whole result
  Json matcher;      // validated by ValidateMatcher at load time
  SourcePos pos;
};

struct Step {
  StepKind kind = StepKind::kOp;
  int number = 0;  // 1-based position in the scenario, for the report
  SourcePos pos;
  std::string op;  // kOp: the op's name
  // The kind key's value (for kOp: the `args` mapping, {} when absent), as JSON with the
  // "${…}" references left for run time. kAdvanceClock: a number. Header, query and form values
  // (http, receiver, fault.response.headers, basic) are strings as written ("Retry-After: 1" →
  // "1"), a repeated query/form parameter a list of strings; a "${…}" may still substitute to
  // another type. Defaults (method, action, count, ...) are not filled in: absent stays absent.
  Json spec;
  std::vector<Expectation> expect;  // in file order
  bool has_expect = false;          // an `expect` key was written (even if empty)
  std::vector<std::pair<std::string, std::string>> save;  // variable name → result path
  std::vector<std::string> requirements;                  // the step's own; empty: the scenario's
  int64_t timeout_ms = 0;                                 // 0: the kind's default
};

// Variables the runner defines before the first step (scenarios/README.md). The loader refuses a
// "${name}" that is neither one of these nor saved or let by an earlier step.
inline constexpr const char* kBuiltinVariables[] = {"base_url", "issuer", "receiver_url"};

enum class Level { kRequired, kRecommended };

struct Scenario {
  std::string id;
  std::string title;
  Level level = Level::kRequired;
  std::vector<std::string> requirements;
  std::vector<std::string> tags;
  std::vector<std::string> catches;  // reference-client defects that must make it fail
  SourcePos pos;                     // where its `id` is written

  // mock: {...}
  std::string fixtures;  // absolute path, or "" for the built-in fixtures
  bool auto_consent = false;
  std::vector<int64_t> retry_schedule;  // seconds; empty: the mock's default

  Json client;  // the configure op's args without base_url (names resolved); null: none given
  std::vector<Step> steps;

  bool UsesClient() const;  // any op step
  // Whether it needs the in-process mock: control/clock/fault/journal steps, a fixture file,
  // auto_consent or a retry schedule. Such scenarios are skipped with --target (HARN-1).
  bool NeedsControl() const;
  bool HasTag(const std::string& tag) const;
};

// One file (one scenario per YAML document). `display_name` is used in error positions.
StatusOr<std::vector<Scenario>> LoadScenarioFile(const std::string& path);
// Parses YAML text; `file` is only used for positions and to resolve relative fixture paths.
StatusOr<std::vector<Scenario>> ParseScenarios(const std::string& yaml, const std::string& file);

// Files and directories (searched recursively for *.yaml and *.yml, in sorted path order).
// A duplicate id anywhere is an error naming both positions.
StatusOr<std::vector<Scenario>> LoadScenarios(const std::vector<std::string>& paths);

}  // namespace chronapilot
