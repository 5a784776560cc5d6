// Results of a conformance run and the three ways to show them (SPEC HARN-5): the console (one
// line per scenario, the details of each failed check), JUnit XML (--junit) and JSON Lines
// (--json: a header, one line per scenario, a footer). Expected failures (--expected-failures)
// follow protobuf's conformance rules: a listed scenario that fails is no failure; one that
// passes, or a line that names no scenario, fails the run and says which line to remove.
//
// Thread safety: plain values and free functions.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "mock/json.h"
#include "mock/status.h"

namespace chronapilot {

enum class Verdict { kPass, kFail, kWarn, kSkip };
const char* VerdictName(Verdict verdict);  // "PASS", "FAIL", "WARN", "SKIP"

// One check: an `expect` entry, an implicit one (an op that must succeed), or the scenario's
// own failure (a step that could not run: CRASH, PROTOCOL, TIMEOUT, a bad ${} reference).
struct CheckResult {
  Verdict verdict = Verdict::kPass;
  std::vector<std::string> requirements;  // SPEC ids
  int step = 0;                           // 1-based; 0: the scenario as a whole
  std::string what;                       // "step 3 (op complete_authorization): result.token_type"
  std::string expected;                   // for failures: the matcher in words
  std::string seen;                       // for failures: what came
  std::vector<std::string> evidence;      // journal entries involved, one curl line each
};

enum class Outcome {
  kPass,
  kFail,
  kWarn,             // a Recommended scenario with failed checks: reported, not a failure
  kSkip,             // unsupported op, or needs the control API under --target
  kExpectedFailure,  // failed, and listed in --expected-failures
  kUnexpectedPass,   // passed, but listed in --expected-failures: fails the run
};
const char* OutcomeName(Outcome outcome);  // "PASS", "FAIL", "WARN", "SKIP", "XFAIL", "XPASS"

struct ScenarioResult {
  std::string id;
  std::string title;
  std::string file;  // "scenarios/oauth/pkce.yaml:1:1"
  std::vector<std::string> requirements;
  std::vector<std::string> tags;
  Outcome outcome = Outcome::kPass;
  std::string reason;               // skip reason, or "CRASH: exited with status 3" and the like
  std::vector<CheckResult> checks;  // in step order
  std::string client_stderr;        // kept when the scenario did not pass
  Json client_hello;                // the client's hello answer; null when none was started
  double duration_ms = 0;
};

// The parsed --expected-failures file: one scenario id per line; '#' starts a comment.
struct ExpectedFailures {
  std::string file;
  std::map<std::string, int> lines;  // id → line number
};
StatusOr<ExpectedFailures> LoadExpectedFailures(const std::string& path);

struct RunSummary {
  int passed = 0, failed = 0, warned = 0, skipped = 0, expected_failures = 0, unexpected_passes = 0;
  // Problems with the expected-failures file, each a full sentence naming the line to remove.
  std::vector<std::string> problems;
  double duration_ms = 0;
  int ExitCode() const;  // 0 iff nothing failed unexpectedly and there are no problems
};

// Turns kFail into kExpectedFailure and kPass into kUnexpectedPass for listed ids, counts every
// outcome, and records listed ids that match no scenario among `results`.
RunSummary Summarize(std::vector<ScenarioResult>& results, const ExpectedFailures& expected);
// The same, where `known_ids` are all loaded scenarios (also those --filter or --tag left out):
// a listed id among them that did not run is no problem. A kWarn scenario that is listed counts
// as an expected failure; a listed kSkip stays a skip. kUnexpectedPass counts in
// unexpected_passes (not in failed) and adds a problem.
RunSummary Summarize(std::vector<ScenarioResult>& results, const ExpectedFailures& expected,
                     const std::vector<std::string>& known_ids);

// Who was tested and how, for the report headers.
struct RunInfo {
  std::string client_command;
  Json client_hello;   // {name, version, language}, or null when no client was started
  std::string target;  // "" for the in-process mock
  int jobs = 1;
};

void WriteConsole(std::ostream& out, const RunInfo& info,
                  const std::vector<ScenarioResult>& results, const RunSummary& summary);
std::string JunitXml(const RunInfo& info, const std::vector<ScenarioResult>& results,
                     const RunSummary& summary);
std::string JsonLines(const RunInfo& info, const std::vector<ScenarioResult>& results,
                      const RunSummary& summary);

// A curl command line that repeats a request (for failure evidence). `headers` as sent.
std::string CurlLine(const std::string& method, const std::string& url,
                     const std::vector<std::pair<std::string, std::string>>& headers,
                     const std::string& body);

}  // namespace chronapilot
