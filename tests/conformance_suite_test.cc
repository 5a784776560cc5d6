// The scenario suite judged as a whole (SPEC HARN-6): the reference client passes every scenario;
// each deliberately broken client behaviour (`--defect`) fails every scenario that claims to
// catch it; every client scenario catches at least one defect and every defect is caught; and
// every server-side scenario fails against a server that accepts everything. Together these
// make sure that no check can pass vacuously.
#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

#include "harness/runner.h"
#include "harness/scenario.h"
#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

const std::vector<Scenario>& Suite() {
  static const std::vector<Scenario>* suite = [] {
    auto loaded = LoadScenarios({CHRONAPILOT_SCENARIOS_DIR});
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status().message();
      return new std::vector<Scenario>();
    }
    return new std::vector<Scenario>(std::move(loaded).value());
  }();
  return *suite;
}

// The defect names the reference client knows (`--list-defects`, first word of each line).
std::vector<std::string> KnownDefects() {
  std::vector<std::string> names;
  std::FILE* pipe =
      popen((std::string(CHRONAPILOT_REFERENCE_CLIENT) + " --list-defects").c_str(), "r");
  if (!pipe) return names;
  char line[1024];
  while (std::fgets(line, sizeof line, pipe)) {
    std::string text(line);
    const size_t end = text.find_first_of(" \t\r\n");
    if (end > 0 && text[0] != ' ' && text[0] != '#') names.push_back(text.substr(0, end));
  }
  pclose(pipe);
  return names;
}

// Runs `scenarios` two at a time, as `-j 2` would.
std::vector<ScenarioResult> RunAll(const std::vector<const Scenario*>& scenarios,
                                   const RunnerOptions& options) {
  return RunScenarios(scenarios, options, 2);
}

std::string Describe(const ScenarioResult& r) {
  std::string text = r.id + ": " + OutcomeName(r.outcome) + " " + r.reason;
  for (const CheckResult& c : r.checks) {
    if (c.verdict == Verdict::kPass) continue;
    text += "\n  " + c.what + "\n    expected: " + c.expected + "\n    seen: " + c.seen;
    for (const std::string& e : c.evidence) text += "\n    " + e;
  }
  if (!r.client_stderr.empty()) text += "\n  client stderr: " + r.client_stderr.substr(0, 2000);
  return text;
}

RunnerOptions ReferenceClient(const std::string& defect = "") {
  RunnerOptions options;
  options.client_command = CHRONAPILOT_REFERENCE_CLIENT;
  if (!defect.empty()) options.client_command += " --defect " + defect;
  return options;
}

TEST(ConformanceSuite, HasAtLeastFortyScenariosWithRequirementIds) {
  ASSERT_GE(Suite().size(), 40u);
  for (const Scenario& s : Suite()) EXPECT_FALSE(s.requirements.empty()) << s.id;
}

TEST(ConformanceSuite, ReferenceClientPassesEveryScenario) {
  std::vector<const Scenario*> all;
  for (const Scenario& s : Suite()) all.push_back(&s);
  for (const ScenarioResult& r : RunAll(all, ReferenceClient())) {
    EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  }
}

TEST(ConformanceSuite, EveryClientScenarioNamesDefectsTheClientHas) {
  const std::vector<std::string> known = KnownDefects();
  ASSERT_GE(known.size(), 13u) << "chronapilot-reference-client --list-defects";
  for (const Scenario& s : Suite()) {
    if (!s.UsesClient()) continue;
    EXPECT_FALSE(s.catches.empty()) << s.id << " drives the client but catches no defect";
    for (const std::string& d : s.catches) {
      EXPECT_NE(std::find(known.begin(), known.end(), d), known.end())
          << s.id << " names unknown defect " << d;
    }
  }
}

TEST(ConformanceSuite, EveryDefectIsCaughtBySomeScenario) {
  std::set<std::string> caught;
  for (const Scenario& s : Suite()) caught.insert(s.catches.begin(), s.catches.end());
  for (const std::string& d : KnownDefects())
    EXPECT_TRUE(caught.count(d)) << d << " is caught by no scenario";
}

// One test per defect: every scenario that claims to catch it must fail with it switched on.
class DefectMatrix : public ::testing::TestWithParam<std::string> {};

TEST_P(DefectMatrix, ScenariosThatClaimTheDefectFail) {
  const std::string defect = GetParam();
  std::vector<const Scenario*> claimed;
  for (const Scenario& s : Suite()) {
    if (std::find(s.catches.begin(), s.catches.end(), defect) != s.catches.end()) {
      claimed.push_back(&s);
    }
  }
  ASSERT_FALSE(claimed.empty()) << "no scenario catches " << defect;
  for (const ScenarioResult& r : RunAll(claimed, ReferenceClient(defect))) {
    const bool caught = r.outcome == Outcome::kFail || r.outcome == Outcome::kWarn;
    EXPECT_TRUE(caught) << "--defect " << defect << " was not caught by " << r.id << " ("
                        << OutcomeName(r.outcome) << " " << r.reason << ")";
  }
}

INSTANTIATE_TEST_SUITE_P(ReferenceClient, DefectMatrix, ::testing::ValuesIn(KnownDefects()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// A server that answers 200 {} to everything: the "defect" for server-side scenarios.
class LenientServer {
 public:
  LenientServer() {
    server_.set_error_handler([](const httplib::Request&, httplib::Response&) {});
    auto any = [](const httplib::Request&, httplib::Response& res) {
      res.status = 200;
      res.set_content("{}", "application/json");
    };
    server_.Get(".*", any);
    server_.Post(".*", any);
    server_.Patch(".*", any);
    server_.Delete(".*", any);
    server_.Put(".*", any);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  ~LenientServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::vector<const Scenario*> ServerSideScenarios() {
  std::vector<const Scenario*> out;
  for (const Scenario& s : Suite()) {
    if (!s.UsesClient()) out.push_back(&s);
  }
  return out;
}

TEST(ConformanceSuite, ServerSideScenariosRunWithTarget) {
  for (const Scenario* s : ServerSideScenarios()) {
    EXPECT_FALSE(s->NeedsControl()) << s->id << " has no client op but needs the control API, so "
                                    << "--target skips it and nothing proves its checks can fail";
  }
}

TEST(ConformanceSuite, ServerSideScenariosPassAgainstARunningMockWithTarget) {
  MockServer server;
  RunnerOptions options;
  options.target = server.url();
  const auto scenarios = ServerSideScenarios();
  ASSERT_FALSE(scenarios.empty());
  for (const ScenarioResult& r : RunAll(scenarios, options)) {
    EXPECT_EQ(r.outcome, Outcome::kPass) << Describe(r);
  }
}

TEST(ConformanceSuite, ServerSideScenariosFailAgainstAServerThatAcceptsEverything) {
  LenientServer lenient;
  RunnerOptions options;
  options.target = lenient.url();
  for (const ScenarioResult& r : RunAll(ServerSideScenarios(), options)) {
    const bool caught = r.outcome == Outcome::kFail || r.outcome == Outcome::kWarn;
    EXPECT_TRUE(caught) << r.id << " passed against a server that accepts everything";
  }
}

TEST(ConformanceSuite, TargetSkipsScenariosThatNeedTheControlApi) {
  MockServer server;
  RunnerOptions options = ReferenceClient();
  options.target = server.url();
  for (const Scenario& s : Suite()) {
    if (!s.NeedsControl()) continue;
    ScenarioResult r = RunScenario(s, options);
    EXPECT_EQ(r.outcome, Outcome::kSkip) << s.id;
    EXPECT_NE(r.reason.find("control API"), std::string::npos) << r.reason;
    break;  // one is enough: the rule does not depend on the scenario
  }
}

}  // namespace
}  // namespace chronapilot::testing
