// The run's bookkeeping and its renderings (SPEC HARN-5): expected-failure rules as protobuf's
// conformance runner has them, the exit code, and that the console, JUnit XML and JSON Lines
// carry what a reader needs, safely escaped.
#include <gtest/gtest.h>
#include <stdio.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness/report.h"

namespace chronapilot {
namespace {

std::string WriteTempFile(const std::string& content) {
  char path[] = "/tmp/chronapilot-report-test-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  return path;
}

ScenarioResult Result(const std::string& id, Outcome outcome) {
  ScenarioResult result;
  result.id = id;
  result.title = "title of " + id;
  result.file = "scenarios/x.yaml:1:1";
  result.outcome = outcome;
  result.duration_ms = 12;
  return result;
}

ExpectedFailures Listed(std::map<std::string, int> lines) {
  ExpectedFailures expected;
  expected.file = "expected-failures.txt";
  expected.lines = std::move(lines);
  return expected;
}

CheckResult FailedTokenType() {
  CheckResult check;
  check.verdict = Verdict::kFail;
  check.requirements = {"TOKEN-5"};
  check.step = 3;
  check.what = "step 3 (op complete_authorization): result.token_type";
  check.expected = "equals_ci \"bearer\"";
  check.seen = "\"mac\"";
  check.evidence = {
      "curl -X POST 'http://127.0.0.1:1234/oauth/token' --data-binary "
      "'grant_type=authorization_code'"};
  return check;
}

// ---------------------------------------------------------------- expected failures, counts

TEST(Summarize, ListedFailureIsExpectedFailureNotFailure) {
  std::vector<ScenarioResult> results = {Result("Required.A.B", Outcome::kFail)};
  RunSummary summary = Summarize(results, Listed({{"Required.A.B", 3}}));
  EXPECT_EQ(results[0].outcome, Outcome::kExpectedFailure);
  EXPECT_EQ(summary.expected_failures, 1);
  EXPECT_EQ(summary.failed, 0);
  EXPECT_TRUE(summary.problems.empty());
  EXPECT_EQ(summary.ExitCode(), 0);
}

TEST(Summarize, ListedPassIsUnexpectedPassNamingTheLineToRemove) {
  std::vector<ScenarioResult> results = {Result("Required.X.Y", Outcome::kPass)};
  RunSummary summary = Summarize(results, Listed({{"Required.X.Y", 12}}));
  EXPECT_EQ(results[0].outcome, Outcome::kUnexpectedPass);
  EXPECT_EQ(summary.unexpected_passes, 1);
  EXPECT_EQ(summary.passed, 0);
  ASSERT_EQ(summary.problems.size(), 1u);
  EXPECT_EQ(summary.problems[0], "expected-failures.txt:12: Required.X.Y passed; remove this line");
  EXPECT_EQ(summary.ExitCode(), 1);
}

TEST(Summarize, ListedIdMatchingNoScenarioIsProblem) {
  std::vector<ScenarioResult> results = {Result("Required.A.B", Outcome::kPass)};
  RunSummary summary = Summarize(results, Listed({{"Required.Nope", 7}}));
  ASSERT_EQ(summary.problems.size(), 1u);
  EXPECT_EQ(summary.problems[0],
            "expected-failures.txt:7: Required.Nope matches no scenario; remove this line");
  EXPECT_EQ(summary.passed, 1);
  EXPECT_EQ(summary.ExitCode(), 1);
}

TEST(Summarize, ListedIdOfALoadedButFilteredScenarioIsNoProblem) {
  std::vector<ScenarioResult> results = {Result("Required.A.B", Outcome::kPass)};
  RunSummary summary = Summarize(results, Listed({{"Required.Filtered.Out", 2}}),
                                 {"Required.A.B", "Required.Filtered.Out"});
  EXPECT_TRUE(summary.problems.empty());
  EXPECT_EQ(summary.ExitCode(), 0);
}

TEST(Summarize, ListedSkipStaysSkipWithoutProblem) {
  std::vector<ScenarioResult> results = {Result("Required.A.B", Outcome::kSkip)};
  RunSummary summary = Summarize(results, Listed({{"Required.A.B", 1}}));
  EXPECT_EQ(results[0].outcome, Outcome::kSkip);
  EXPECT_EQ(summary.skipped, 1);
  EXPECT_TRUE(summary.problems.empty());
  EXPECT_EQ(summary.ExitCode(), 0);
}

TEST(Summarize, WarnNeverFailsTheRun) {
  std::vector<ScenarioResult> results = {Result("Recommended.A.B", Outcome::kWarn),
                                         Result("Required.C.D", Outcome::kPass)};
  RunSummary summary = Summarize(results, ExpectedFailures());
  EXPECT_EQ(summary.warned, 1);
  EXPECT_EQ(summary.passed, 1);
  EXPECT_EQ(summary.ExitCode(), 0);
}

TEST(Summarize, ListedWarnIsExpectedFailure) {
  std::vector<ScenarioResult> results = {Result("Recommended.A.B", Outcome::kWarn)};
  RunSummary summary = Summarize(results, Listed({{"Recommended.A.B", 1}}));
  EXPECT_EQ(results[0].outcome, Outcome::kExpectedFailure);
  EXPECT_EQ(summary.expected_failures, 1);
  EXPECT_EQ(summary.ExitCode(), 0);
}

TEST(Summarize, UnlistedFailureFailsTheRun) {
  std::vector<ScenarioResult> results = {Result("Required.A.B", Outcome::kFail)};
  RunSummary summary = Summarize(results, ExpectedFailures());
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(summary.ExitCode(), 1);
}

TEST(Summarize, CountsEveryOutcomeAndSortsProblemsByLine) {
  std::vector<ScenarioResult> results = {
      Result("Required.P1", Outcome::kPass), Result("Required.P2", Outcome::kPass),
      Result("Required.F1", Outcome::kFail), Result("Recommended.W1", Outcome::kWarn),
      Result("Required.S1", Outcome::kSkip), Result("Required.XF", Outcome::kFail),
      Result("Required.XP", Outcome::kPass),
  };
  RunSummary summary =
      Summarize(results, Listed({{"Required.XF", 2}, {"Required.XP", 9}, {"Required.Gone", 4}}));
  EXPECT_EQ(summary.passed, 2);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_EQ(summary.warned, 1);
  EXPECT_EQ(summary.skipped, 1);
  EXPECT_EQ(summary.expected_failures, 1);
  EXPECT_EQ(summary.unexpected_passes, 1);
  ASSERT_EQ(summary.problems.size(), 2u);
  EXPECT_NE(summary.problems[0].find(":4: Required.Gone"), std::string::npos);
  EXPECT_NE(summary.problems[1].find(":9: Required.XP"), std::string::npos);
}

TEST(RunSummary, ExitCodeIsZeroOnlyWhenNothingFailedUnexpectedly) {
  RunSummary clean;
  clean.passed = 3;
  clean.warned = 1;
  clean.skipped = 1;
  clean.expected_failures = 2;
  EXPECT_EQ(clean.ExitCode(), 0);

  RunSummary failed = clean;
  failed.failed = 1;
  EXPECT_EQ(failed.ExitCode(), 1);
  RunSummary xpass = clean;
  xpass.unexpected_passes = 1;
  EXPECT_EQ(xpass.ExitCode(), 1);
  RunSummary problem = clean;
  problem.problems = {"x:1: Required.Z matches no scenario; remove this line"};
  EXPECT_EQ(problem.ExitCode(), 1);
}

TEST(LoadExpectedFailures, ReadsIdsSkippingCommentsBlanksAndWhitespace) {
  std::string path = WriteTempFile(
      "# known failures of our SDK\n"
      "\n"
      "Required.PKCE.S256Challenge\n"
      "   Required.Token.Refresh   # rotation not done yet\r\n"
      "\t\n"
      "Recommended.Retry.RetryAfter");
  auto loaded = LoadExpectedFailures(path);
  std::remove(path.c_str());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->file, path);
  EXPECT_EQ(loaded->lines, (std::map<std::string, int>{{"Required.PKCE.S256Challenge", 3},
                                                       {"Required.Token.Refresh", 4},
                                                       {"Recommended.Retry.RetryAfter", 6}}));
}

TEST(LoadExpectedFailures, DuplicateIdIsErrorNamingBothLines) {
  std::string path = WriteTempFile("Required.A\nRequired.B\n  Required.A  \n");
  auto loaded = LoadExpectedFailures(path);
  std::remove(path.c_str());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(), path + ":3: Required.A is listed twice (first on line 1)");
}

TEST(LoadExpectedFailures, TwoIdsOnOneLineIsError) {
  std::string path = WriteTempFile("Required.A Required.B\n");
  auto loaded = LoadExpectedFailures(path);
  std::remove(path.c_str());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find(path + ":1: expected one scenario id per line"),
            std::string::npos)
      << loaded.status().message();
}

TEST(LoadExpectedFailures, MissingFileIsErrorNamingIt) {
  auto loaded = LoadExpectedFailures("/nonexistent/expected-failures.txt");
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("/nonexistent/expected-failures.txt"),
            std::string::npos);
}

TEST(Names, VerdictAndOutcomeNames) {
  EXPECT_STREQ(VerdictName(Verdict::kPass), "PASS");
  EXPECT_STREQ(VerdictName(Verdict::kFail), "FAIL");
  EXPECT_STREQ(VerdictName(Verdict::kWarn), "WARN");
  EXPECT_STREQ(VerdictName(Verdict::kSkip), "SKIP");
  EXPECT_STREQ(OutcomeName(Outcome::kPass), "PASS");
  EXPECT_STREQ(OutcomeName(Outcome::kFail), "FAIL");
  EXPECT_STREQ(OutcomeName(Outcome::kWarn), "WARN");
  EXPECT_STREQ(OutcomeName(Outcome::kSkip), "SKIP");
  EXPECT_STREQ(OutcomeName(Outcome::kExpectedFailure), "XFAIL");
  EXPECT_STREQ(OutcomeName(Outcome::kUnexpectedPass), "XPASS");
}

// ---------------------------------------------------------------- a run to render

struct SampleRun {
  RunInfo info;
  std::vector<ScenarioResult> results;
  RunSummary summary;
};

// Text with every XML special character, control characters and a broken UTF-8 byte.
const std::string kNasty = "a<b & c>\"d\" 'e' \x01\x1b[31m \xff end é";

SampleRun MakeSampleRun() {
  SampleRun run;
  run.info.client_command = "./build/bin/chronapilot-reference-client --flag";
  run.info.client_hello = {{"name", "reference"}, {"version", "0.1.0"}, {"language", "C++"}};
  run.info.jobs = 4;

  ScenarioResult pass = Result("Required.PKCE.S256Challenge", Outcome::kPass);
  pass.requirements = {"PKCE-1"};
  pass.tags = {"oauth"};
  CheckResult passed;
  passed.what = "step 1 (op authorization_url): result.url";
  passed.step = 1;
  pass.checks = {passed};

  ScenarioResult fail = Result("Required.Token.TokenType", Outcome::kFail);
  fail.checks = {passed, FailedTokenType()};
  fail.reason = "CRASH: exited with status 3";
  for (int i = 1; i <= 30; ++i) fail.client_stderr += "stderr line " + std::to_string(i) + "\n";

  ScenarioResult skip = Result("Required.Webhooks.Verify", Outcome::kSkip);
  skip.reason = "op verify_webhook unsupported";

  ScenarioResult warn = Result("Recommended.Retry.RetryAfter", Outcome::kWarn);
  CheckResult warned = FailedTokenType();
  warned.verdict = Verdict::kWarn;
  warned.what = "step 2 (op list_events): journal retry after Retry-After";
  warn.checks = {warned};

  ScenarioResult nasty = Result("Required.Escaping." + kNasty, Outcome::kFail);
  nasty.title = kNasty;
  CheckResult nasty_check = FailedTokenType();
  nasty_check.what = kNasty;
  nasty_check.seen = kNasty;
  nasty.checks = {nasty_check};
  nasty.reason = "PROTOCOL: " + kNasty;
  nasty.client_stderr = kNasty + "\n";

  ScenarioResult xpass = Result("Required.Listed.ButPasses", Outcome::kPass);
  ScenarioResult xfail = Result("Required.Listed.AndFails", Outcome::kFail);
  xfail.checks = {FailedTokenType()};

  run.results = {pass, fail, skip, warn, nasty, xpass, xfail};
  run.summary = Summarize(
      run.results, Listed({{"Required.Listed.ButPasses", 5}, {"Required.Listed.AndFails", 6}}));
  run.summary.duration_ms = 2100;
  return run;
}

std::string Console(const SampleRun& run) {
  std::ostringstream out;
  WriteConsole(out, run.info, run.results, run.summary);
  return out.str();
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------- console

TEST(WriteConsole, HeaderNamesClientTargetAndJobs) {
  std::string text = Console(MakeSampleRun());
  std::string first_line = text.substr(0, text.find('\n'));
  EXPECT_TRUE(Contains(first_line, "chronapilot-conformance " CHRONAPILOT_VERSION)) << first_line;
  EXPECT_TRUE(Contains(first_line, "reference 0.1.0 (C++)")) << first_line;
  EXPECT_TRUE(Contains(first_line, "in-process mock")) << first_line;
  EXPECT_TRUE(Contains(first_line, "-j 4")) << first_line;
}

TEST(WriteConsole, OneLinePerScenarioWithOutcomeAndDuration) {
  std::string text = Console(MakeSampleRun());
  EXPECT_TRUE(Contains(text, "\nPASS   Required.PKCE.S256Challenge  (12 ms)\n")) << text;
  EXPECT_TRUE(
      Contains(text, "\nSKIP   Required.Webhooks.Verify  (12 ms)  op verify_webhook unsupported\n"))
      << text;
  EXPECT_TRUE(Contains(text, "\nXFAIL  Required.Listed.AndFails  (12 ms)\n")) << text;
  EXPECT_TRUE(Contains(text, "\nXPASS  Required.Listed.ButPasses  (12 ms)\n")) << text;
  EXPECT_TRUE(Contains(text, "\nWARN   Recommended.Retry.RetryAfter  (12 ms)\n")) << text;
}

TEST(WriteConsole, FailureShowsExpectedSeenEvidenceReasonAndStderrTail) {
  std::string text = Console(MakeSampleRun());
  EXPECT_TRUE(Contains(text,
                       "  ✗ step 3 (op complete_authorization): result.token_type [TOKEN-5]\n"
                       "      expected: equals_ci \"bearer\"\n"
                       "      seen:     \"mac\"\n"
                       "      curl -X POST 'http://127.0.0.1:1234/oauth/token' --data-binary "
                       "'grant_type=authorization_code'\n"))
      << text;
  EXPECT_TRUE(Contains(text, "  CRASH: exited with status 3\n")) << text;
  EXPECT_TRUE(Contains(text, "    | stderr line 30\n")) << text;
  EXPECT_TRUE(Contains(text, "    | stderr line 11\n")) << text;
  EXPECT_FALSE(Contains(text, "    | stderr line 10\n")) << text;  // only the last 20
  // The passing check of the failed scenario is not listed.
  EXPECT_FALSE(Contains(text, "result.url")) << text;
}

TEST(WriteConsole, WarnAndUnexpectedPassAreDetailedButExpectedFailureIsNot) {
  std::string text = Console(MakeSampleRun());
  EXPECT_TRUE(Contains(text, "journal retry after Retry-After (WARN) [TOKEN-5]")) << text;
  EXPECT_TRUE(
      Contains(text, "\nXPASS  Required.Listed.ButPasses: title of Required.Listed.ButPasses\n"))
      << text;
  EXPECT_FALSE(Contains(text, "\nXFAIL  Required.Listed.AndFails: ")) << text;
}

TEST(WriteConsole, SummaryLineAndProblems) {
  std::string text = Console(MakeSampleRun());
  EXPECT_TRUE(Contains(text,
                       "\n7 scenarios: 1 passed, 2 failed, 1 warned, 1 skipped, 1 expected "
                       "failure, 1 unexpected pass (2.1 s)\n"
                       "expected-failures.txt:5: Required.Listed.ButPasses passed; remove this "
                       "line\n"))
      << text;
}

TEST(WriteConsole, SummaryLineOfACleanRun) {
  std::vector<ScenarioResult> results(42, Result("Required.A", Outcome::kPass));
  results[0].outcome = Outcome::kFail;
  results[1].outcome = Outcome::kSkip;
  RunSummary summary = Summarize(results, ExpectedFailures());
  summary.duration_ms = 2100;
  std::ostringstream out;
  WriteConsole(out, RunInfo(), results, summary);
  EXPECT_TRUE(Contains(
      out.str(), "42 scenarios: 40 passed, 1 failed, 1 skipped, 0 expected failures (2.1 s)\n"))
      << out.str();
}

TEST(WriteConsole, ControlCharactersFromTheClientAreShownNotSent) {
  std::string text = Console(MakeSampleRun());
  EXPECT_FALSE(Contains(text, "\x1b")) << "raw escape sequence reached the console";
  EXPECT_FALSE(Contains(text, "\x01"));
  EXPECT_TRUE(Contains(text, "\\x1b[31m")) << text;
}

// ---------------------------------------------------------------- JUnit XML

// Just enough of an XML 1.0 parser to prove well-formedness of what JunitXml writes: one root
// element, balanced tags, quoted attributes, known entities, only characters XML allows.
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // character data directly inside, entities decoded
  std::vector<XmlElement> children;

  const XmlElement* Child(const std::string& child_name, size_t nth = 0) const {
    for (const XmlElement& child : children) {
      if (child.name == child_name && nth-- == 0) return &child;
    }
    return nullptr;
  }
};

class XmlParser {
 public:
  explicit XmlParser(const std::string& xml) : xml_(xml) {}

  std::optional<XmlElement> Parse(std::string* error) {
    if (!CheckCharacters(error)) return std::nullopt;
    if (xml_.compare(0, 5, "<?xml") == 0) {
      size_t end = xml_.find("?>");
      if (end == std::string::npos) return Fail(error, "unterminated declaration");
      pos_ = end + 2;
    }
    SkipSpace();
    XmlElement root;
    if (!Element(root, error)) return std::nullopt;
    SkipSpace();
    if (pos_ != xml_.size()) return Fail(error, "content after the root element");
    return root;
  }

 private:
  std::nullopt_t Fail(std::string* error, const std::string& what) {
    *error = what + " at byte " + std::to_string(pos_);
    return std::nullopt;
  }

  bool CheckCharacters(std::string* error) {
    for (size_t i = 0; i < xml_.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(xml_[i]);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        pos_ = i;
        Fail(error, "control character");
        return false;
      }
      if (c == 0xFF || c == 0xFE || c == 0xC0 || c == 0xC1) {
        pos_ = i;
        Fail(error, "byte that is never UTF-8");
        return false;
      }
    }
    return true;
  }

  void SkipSpace() {
    while (pos_ < xml_.size() && std::isspace(static_cast<unsigned char>(xml_[pos_]))) ++pos_;
  }

  std::string Name() {
    size_t start = pos_;
    while (pos_ < xml_.size() &&
           (std::isalnum(static_cast<unsigned char>(xml_[pos_])) || xml_[pos_] == '_' ||
            xml_[pos_] == '-' || xml_[pos_] == ':' || xml_[pos_] == '.')) {
      ++pos_;
    }
    return xml_.substr(start, pos_ - start);
  }

  // Character data up to `stop`, decoding entities; '<' is never allowed inside.
  bool CharData(char stop, std::string& out, std::string* error) {
    while (pos_ < xml_.size() && xml_[pos_] != stop) {
      char c = xml_[pos_];
      if (c == '<') return Fail(error, "raw '<'"), false;
      if (stop == '"' && c == '"') break;
      if (c != '&') {
        out += c;
        ++pos_;
        continue;
      }
      size_t semi = xml_.find(';', pos_);
      if (semi == std::string::npos) return Fail(error, "unterminated entity"), false;
      std::string entity = xml_.substr(pos_ + 1, semi - pos_ - 1);
      static const std::map<std::string, std::string> kNamed = {
          {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
      if (kNamed.count(entity)) {
        out += kNamed.at(entity);
      } else if (entity.size() > 1 && entity[0] == '#') {
        long cp = entity[1] == 'x' ? std::stol(entity.substr(2), nullptr, 16)
                                   : std::stol(entity.substr(1));
        if (cp != 9 && cp != 10 && cp != 13 && cp < 0x20) {
          return Fail(error, "entity for a forbidden character"), false;
        }
        out += static_cast<char>(cp);  // only ASCII ones are written
      } else {
        return Fail(error, "unknown entity &" + entity + ";"), false;
      }
      pos_ = semi + 1;
    }
    return true;
  }

  bool Element(XmlElement& element, std::string* error) {
    if (pos_ >= xml_.size() || xml_[pos_] != '<') return Fail(error, "expected '<'"), false;
    ++pos_;
    element.name = Name();
    if (element.name.empty()) return Fail(error, "expected an element name"), false;
    for (;;) {
      SkipSpace();
      if (xml_.compare(pos_, 2, "/>") == 0) {
        pos_ += 2;
        return true;
      }
      if (pos_ < xml_.size() && xml_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string attribute = Name();
      if (attribute.empty() || xml_.compare(pos_, 2, "=\"") != 0) {
        return Fail(error, "bad attribute"), false;
      }
      pos_ += 2;
      std::string value;
      if (!CharData('"', value, error)) return false;
      if (pos_ >= xml_.size()) return Fail(error, "unterminated attribute"), false;
      ++pos_;
      if (!element.attributes.emplace(attribute, value).second) {
        return Fail(error, "duplicate attribute " + attribute), false;
      }
    }
    for (;;) {
      if (!CharData('<', element.text, error)) return false;
      if (pos_ >= xml_.size()) return Fail(error, "unclosed <" + element.name + ">"), false;
      if (xml_.compare(pos_, 2, "</") == 0) {
        pos_ += 2;
        std::string closing = Name();
        if (closing != element.name || pos_ >= xml_.size() || xml_[pos_] != '>') {
          return Fail(error, "</" + closing + "> closes <" + element.name + ">"), false;
        }
        ++pos_;
        return true;
      }
      element.children.emplace_back();
      if (!Element(element.children.back(), error)) return false;
    }
  }

  const std::string& xml_;
  size_t pos_ = 0;
};

XmlElement ParseJunit(const SampleRun& run) {
  std::string xml = JunitXml(run.info, run.results, run.summary);
  std::string error;
  std::optional<XmlElement> root = XmlParser(xml).Parse(&error);
  EXPECT_TRUE(root.has_value()) << error << "\n" << xml;
  return root.value_or(XmlElement());
}

TEST(JunitXml, IsWellFormedWithSuiteCounts) {
  XmlElement root = ParseJunit(MakeSampleRun());
  EXPECT_EQ(root.name, "testsuites");
  const XmlElement* suite = root.Child("testsuite");
  ASSERT_NE(suite, nullptr);
  EXPECT_EQ(suite->attributes.at("name"), "chronapilot-conformance");
  EXPECT_EQ(suite->attributes.at("tests"), "7");
  EXPECT_EQ(suite->attributes.at("failures"), "3");  // FAIL, the nasty FAIL, XPASS
  EXPECT_EQ(suite->attributes.at("skipped"), "2");   // SKIP, XFAIL
  EXPECT_EQ(suite->attributes.at("time"), "2.100");
}

TEST(JunitXml, TestcaseNamesSplitTheIdAtItsLastDot) {
  XmlElement root = ParseJunit(MakeSampleRun());
  const XmlElement* first = root.Child("testsuite")->Child("testcase");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->attributes.at("classname"), "Required.PKCE");
  EXPECT_EQ(first->attributes.at("name"), "S256Challenge");
  EXPECT_EQ(first->attributes.at("time"), "0.012");
  EXPECT_TRUE(first->children.empty());  // a pass has nothing inside
}

TEST(JunitXml, FailureCarriesTheCheckDetailsAndStderr) {
  XmlElement root = ParseJunit(MakeSampleRun());
  const XmlElement* testcase = root.Child("testsuite")->Child("testcase", 1);
  ASSERT_NE(testcase, nullptr);
  const XmlElement* failure = testcase->Child("failure");
  ASSERT_NE(failure, nullptr);
  EXPECT_EQ(failure->attributes.at("message"),
            "step 3 (op complete_authorization): result.token_type");
  EXPECT_TRUE(Contains(failure->text, "expected: equals_ci \"bearer\"")) << failure->text;
  EXPECT_TRUE(Contains(failure->text, "seen:     \"mac\"")) << failure->text;
  EXPECT_TRUE(Contains(failure->text, "curl -X POST 'http://127.0.0.1:1234/oauth/token'"));
  EXPECT_TRUE(Contains(failure->text, "CRASH: exited with status 3"));
  const XmlElement* stderr_element = testcase->Child("system-err");
  ASSERT_NE(stderr_element, nullptr);
  EXPECT_TRUE(Contains(stderr_element->text, "stderr line 1\n"));
}

TEST(JunitXml, SkipsAndExpectedFailuresAreSkipped) {
  XmlElement root = ParseJunit(MakeSampleRun());
  const XmlElement* suite = root.Child("testsuite");
  const XmlElement* skip = suite->Child("testcase", 2)->Child("skipped");
  ASSERT_NE(skip, nullptr);
  EXPECT_EQ(skip->attributes.at("message"), "op verify_webhook unsupported");
  const XmlElement* xfail = suite->Child("testcase", 6)->Child("skipped");
  ASSERT_NE(xfail, nullptr);
  EXPECT_TRUE(Contains(xfail->attributes.at("message"), "expected failure"));
  const XmlElement* xpass = suite->Child("testcase", 5)->Child("failure");
  ASSERT_NE(xpass, nullptr);
  EXPECT_TRUE(Contains(xpass->text, "Remove Required.Listed.ButPasses"));
}

TEST(JunitXml, EscapesSpecialAndDropsControlCharacters) {
  SampleRun run = MakeSampleRun();
  std::string xml = JunitXml(run.info, run.results, run.summary);
  EXPECT_FALSE(Contains(xml, "\x01"));
  EXPECT_FALSE(Contains(xml, "\x1b"));
  EXPECT_FALSE(Contains(xml, "\xff"));
  XmlElement root = ParseJunit(run);
  const XmlElement* nasty = root.Child("testsuite")->Child("testcase", 4);
  ASSERT_NE(nasty, nullptr);
  // Round trip: what a parser reads back is the text minus what XML cannot carry.
  const std::string readable = "a<b & c>\"d\" 'e' [31m \xEF\xBF\xBD end é";
  EXPECT_EQ(nasty->attributes.at("name"), readable);
  EXPECT_EQ(nasty->Child("failure")->attributes.at("message"), readable);
  EXPECT_TRUE(Contains(nasty->Child("failure")->text, "seen:     " + readable));
  EXPECT_EQ(nasty->Child("system-err")->text, readable + "\n");
}

// ---------------------------------------------------------------- JSON Lines

std::vector<Json> ParseLines(const std::string& text) {
  std::vector<Json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    Json parsed = Json::parse(line, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << line;
    lines.push_back(parsed);
  }
  return lines;
}

TEST(JsonLines, HeaderScenariosFooterEachParse) {
  SampleRun run = MakeSampleRun();
  std::string text = JsonLines(run.info, run.results, run.summary);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  std::vector<Json> lines = ParseLines(text);
  ASSERT_EQ(lines.size(), 1 + run.results.size() + 1);

  const Json& header = lines.front();
  EXPECT_EQ(header["type"], "header");
  EXPECT_EQ(header["tool"], "chronapilot-conformance");
  EXPECT_EQ(header["version"], CHRONAPILOT_VERSION);
  EXPECT_EQ(header["client"]["name"], "reference");
  EXPECT_EQ(header["client_command"], run.info.client_command);
  EXPECT_EQ(header["jobs"], 4);

  const Json& failed = lines[2];
  EXPECT_EQ(failed["type"], "scenario");
  EXPECT_EQ(failed["id"], "Required.Token.TokenType");
  EXPECT_EQ(failed["outcome"], "FAIL");
  EXPECT_EQ(failed["reason"], "CRASH: exited with status 3");
  EXPECT_EQ(failed["duration_ms"], 12);
  ASSERT_EQ(failed["checks"].size(), 2u);
  const Json& check = failed["checks"][1];
  EXPECT_EQ(check["verdict"], "FAIL");
  EXPECT_EQ(check["step"], 3);
  EXPECT_EQ(check["requirements"], Json::array({"TOKEN-5"}));
  EXPECT_EQ(check["expected"], "equals_ci \"bearer\"");
  EXPECT_EQ(check["seen"], "\"mac\"");
  EXPECT_EQ(check["evidence"].size(), 1u);
  EXPECT_TRUE(Contains(failed["client_stderr"].get<std::string>(), "stderr line 30"));
  EXPECT_EQ(lines[1]["requirements"], Json::array({"PKCE-1"}));
  EXPECT_EQ(lines[1]["tags"], Json::array({"oauth"}));

  const Json& footer = lines.back();
  EXPECT_EQ(footer["type"], "footer");
  EXPECT_EQ(footer["passed"], 1);
  EXPECT_EQ(footer["failed"], 2);
  EXPECT_EQ(footer["unexpected_passes"], 1);
  EXPECT_EQ(footer["problems"].size(), 1u);
  EXPECT_EQ(footer["exit_code"], 1);
  EXPECT_EQ(footer["duration_ms"], 2100);
}

TEST(JsonLines, InvalidUtf8AndNewlinesStayInsideOneLine) {
  SampleRun run = MakeSampleRun();
  run.results[4].client_stderr = "line one\nline two \xff\n";
  std::vector<Json> lines = ParseLines(JsonLines(run.info, run.results, run.summary));
  ASSERT_EQ(lines.size(), 1 + run.results.size() + 1);
  EXPECT_EQ(lines[5]["client_stderr"], "line one\nline two \xEF\xBF\xBD\n");
}

TEST(JsonLines, TargetIsNullForTheInProcessMock) {
  SampleRun run = MakeSampleRun();
  EXPECT_TRUE(ParseLines(JsonLines(run.info, {}, run.summary))[0]["target"].is_null());
  run.info.target = "http://127.0.0.1:8080";
  EXPECT_EQ(ParseLines(JsonLines(run.info, {}, run.summary))[0]["target"], "http://127.0.0.1:8080");
}

// ---------------------------------------------------------------- curl lines

TEST(CurlLine, PostWithHeadersAndBody) {
  EXPECT_EQ(CurlLine("POST", "http://127.0.0.1:8080/oauth/token",
                     {{"Content-Type", "application/x-www-form-urlencoded"},
                      {"Authorization", "Basic Y2xpOnNlY3JldA=="}},
                     "grant_type=refresh_token"),
            "curl -X POST 'http://127.0.0.1:8080/oauth/token'"
            " -H 'Content-Type: application/x-www-form-urlencoded'"
            " -H 'Authorization: Basic Y2xpOnNlY3JldA==' --data-binary 'grant_type=refresh_token'");
}

TEST(CurlLine, GetOmitsMethodAndEmptyBody) {
  EXPECT_EQ(CurlLine("GET", "http://h/v1/events?limit=2&calendar=cal_1",
                     {{"Authorization", "Bearer cat_x"}}, ""),
            "curl 'http://h/v1/events?limit=2&calendar=cal_1' -H 'Authorization: Bearer cat_x'");
}

TEST(CurlLine, EscapesSingleQuotes) {
  EXPECT_EQ(CurlLine("PATCH", "http://h/v1/events/evt_1", {}, "{\"title\":\"Bob's party\"}"),
            "curl -X PATCH 'http://h/v1/events/evt_1' --data-binary "
            "'{\"title\":\"Bob'\\''s party\"}'");
}

TEST(CurlLine, DropsContentLengthWhichCurlComputes) {
  EXPECT_EQ(CurlLine("DELETE", "http://h/x", {{"Content-Length", "0"}}, ""),
            "curl -X DELETE 'http://h/x'");
}

TEST(CurlLine, QuotedBodySurvivesTheShell) {
  const std::string body = "it's \"$HOME\" `id` \\n; rm -rf / #\nsecond line";
  std::string line = CurlLine("POST", "http://h/", {}, body);
  std::string quoted = line.substr(line.find("--data-binary ") + 14);
  FILE* shell = popen(("printf '%s' " + quoted).c_str(), "r");
  ASSERT_NE(shell, nullptr);
  std::string output;
  char buffer[256];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, shell)) > 0) output.append(buffer, n);
  EXPECT_EQ(pclose(shell), 0);
  EXPECT_EQ(output, body);
}

}  // namespace
}  // namespace chronapilot
