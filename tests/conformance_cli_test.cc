// chronapilot-conformance as a user runs it (SPEC HARN-1, HARN-2, HARN-5): the binary, its flags,
// its exit status and its report files, with the bundled reference client, a scriptable fake
// client and throwaway scenario files.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/test_support.h"

namespace chronapilot::testing {
namespace {

namespace fs = std::filesystem;

struct CliRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

CliRun Conformance(const std::string& args) {
  const std::string command = std::string(CHRONAPILOT_CONFORMANCE_BINARY) + " " + args + " 2>&1";
  CliRun run;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) run.output.append(buffer, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// A temporary directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "conformance-cli-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    const fs::path file = fs::path(path_) / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file.string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A client scenario that passes with the reference client and fails with --defect plain_pkce.
constexpr char kPkceScenario[] = R"(id: Required.Cli.Pkce
title: PKCE flow
requirements: [AUTHZ-1]
tags: [cli]
catches: [plain_pkce]
client: public
steps:
  - op: authorization_url
    args: {scopes: ["events:read"]}
    save: {url: result.url}
  - browser: {open: "${url}", action: approve, login: alice@example.com}
    expect: {query.code: {prefix: cac_}}
    save: {callback: location}
  - op: complete_authorization
    args: {callback_url: "${callback}"}
)";

// A server-side scenario (no client, no control API).
constexpr char kHealthScenario[] = R"(id: Required.Cli.Metadata
title: metadata
requirements: [TOKEN-9]
tags: [server]
steps:
  - http: {method: GET, path: /.well-known/oauth-authorization-server}
    expect: {status: 200, json.code_challenge_methods_supported: ["S256"]}
)";

TEST(ConformanceCli, ListPrintsTheSelectedScenariosAndExitsZero) {  // HARN-1
  CliRun all = Conformance("--list");
  EXPECT_EQ(all.exit_code, 0) << all.output;
  EXPECT_NE(all.output.find("Required.PKCE.S256Challenge"), std::string::npos) << all.output;
  CliRun tagged = Conformance("--list --tag server --filter 'Required.Server.Token.*'");
  EXPECT_EQ(tagged.exit_code, 0);
  EXPECT_NE(tagged.output.find("Required.Server.Token."), std::string::npos) << tagged.output;
  EXPECT_EQ(tagged.output.find("Required.PKCE."), std::string::npos) << tagged.output;
}

TEST(ConformanceCli, ReferenceClientRunExitsZeroAndWritesJunitAndJsonLines) {  // HARN-1, HARN-5
  TempDir dir;
  dir.Write("s/pkce.yaml", kPkceScenario);
  dir.Write("s/meta.yaml", kHealthScenario);
  const std::string junit = dir.path() + "/out.xml", json = dir.path() + "/out.jsonl";
  CliRun run = Conformance("-j 2 --scenarios " + Quote(dir.path() + "/s") + " --junit " +
                           Quote(junit) + " --json " + Quote(json));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("2 scenarios: 2 passed"), std::string::npos) << run.output;

  const std::string xml = ReadFile(junit);
  EXPECT_NE(xml.find("<testsuite"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"Pkce\""), std::string::npos) << xml;

  std::istringstream lines(ReadFile(json));
  std::vector<Json> records;
  for (std::string line; std::getline(lines, line);) records.push_back(Json::parse(line));
  ASSERT_EQ(records.size(), 4u);  // header, two scenarios, footer
  EXPECT_EQ(records.front()["type"], "header");
  EXPECT_EQ(records.front()["client"]["name"], "chronapilot-reference-client");
  EXPECT_EQ(records.back()["type"], "footer");
  EXPECT_EQ(records.back()["exit_code"], 0);
}

TEST(ConformanceCli, AFailureExitsOneWithExpectedSeenAndACurlLine) {  // HARN-5, HARN-6
  TempDir dir;
  const std::string file = dir.Write("pkce.yaml", kPkceScenario);
  CliRun run =
      Conformance("--scenarios " + Quote(file) + " --client " +
                  Quote(std::string(CHRONAPILOT_REFERENCE_CLIENT) + " --defect plain_pkce"));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("FAIL"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("expected: prefix \"cac_\""), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("curl "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("code_challenge_method=plain"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("[AUTHZ-1]"), std::string::npos) << run.output;
}

TEST(ConformanceCli, ExpectedFailuresFollowProtobufRules) {  // HARN-5
  TempDir dir;
  const std::string file = dir.Write("pkce.yaml", kPkceScenario);
  const std::string broken =
      Quote(std::string(CHRONAPILOT_REFERENCE_CLIENT) + " --defect plain_pkce");
  const std::string listed = dir.Write("xfail.txt", "# known\nRequired.Cli.Pkce\n");

  // Listed and failing: not a failure.
  CliRun xfail = Conformance("--scenarios " + Quote(file) + " --client " + broken +
                             " --expected-failures " + Quote(listed));
  EXPECT_EQ(xfail.exit_code, 0) << xfail.output;
  EXPECT_NE(xfail.output.find("XFAIL"), std::string::npos) << xfail.output;

  // Listed and passing: the run fails and names the line to remove.
  CliRun xpass =
      Conformance("--scenarios " + Quote(file) + " --expected-failures " + Quote(listed));
  EXPECT_EQ(xpass.exit_code, 1) << xpass.output;
  EXPECT_NE(xpass.output.find("XPASS"), std::string::npos) << xpass.output;
  EXPECT_NE(xpass.output.find(":2:"), std::string::npos) << xpass.output;
  EXPECT_NE(xpass.output.find("remove"), std::string::npos) << xpass.output;

  // A line that names no scenario fails the run too.
  const std::string stale = dir.Write("stale.txt", "Required.Cli.Gone\n");
  CliRun unknown =
      Conformance("--scenarios " + Quote(file) + " --expected-failures " + Quote(stale));
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("Required.Cli.Gone"), std::string::npos) << unknown.output;
}

TEST(ConformanceCli, UnsupportedOpSkipsTheScenario) {  // HARN-2
  TempDir dir;
  const std::string file = dir.Write("pkce.yaml", kPkceScenario);
  CliRun run = Conformance("--scenarios " + Quote(file) + " --client " +
                           Quote(std::string(CHRONAPILOT_FAKE_CLIENT) + " unsupported"));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("SKIP"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("1 skipped"), std::string::npos) << run.output;
}

TEST(ConformanceCli, CrashingClientFailsItsScenarioAndTheNextOneStillRuns) {  // HARN-2
  TempDir dir;
  dir.Write("s/a.yaml", kPkceScenario);
  std::string second = kPkceScenario;
  second.replace(second.find("Required.Cli.Pkce"), 17, "Required.Cli.Pkce2");
  dir.Write("s/b.yaml", second);
  CliRun run = Conformance("--scenarios " + Quote(dir.path() + "/s") + " --client " +
                           Quote(std::string(CHRONAPILOT_FAKE_CLIENT) + " segv"));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("CRASH"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("2 scenarios: 0 passed, 2 failed"), std::string::npos) << run.output;
}

TEST(ConformanceCli, GarbageAndSilenceAreProtocolAndTimeoutFailures) {  // HARN-2
  TempDir dir;
  const std::string file = dir.Write("pkce.yaml", kPkceScenario);
  CliRun garbage = Conformance("--scenarios " + Quote(file) + " --client " +
                               Quote(std::string(CHRONAPILOT_FAKE_CLIENT) + " garbage"));
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.output.find("PROTOCOL"), std::string::npos) << garbage.output;
  CliRun silent = Conformance("--timeout 300 --scenarios " + Quote(file) + " --client " +
                              Quote(std::string(CHRONAPILOT_FAKE_CLIENT) + " silent"));
  EXPECT_EQ(silent.exit_code, 1);
  EXPECT_NE(silent.output.find("TIMEOUT"), std::string::npos) << silent.output;
}

TEST(ConformanceCli, TargetRunsServerSideScenariosAgainstARunningServer) {  // HARN-1
  MockServer server;
  TempDir dir;
  dir.Write("s/pkce_journal.yaml", std::string(kPkceScenario) +
                                       "  - journal: {method: POST, path: /oauth/token}\n"
                                       "    expect: {count: 1}\n");
  dir.Write("s/meta.yaml", kHealthScenario);
  CliRun run = Conformance("--scenarios " + Quote(dir.path() + "/s") + " --target " + server.url());
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("1 passed"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("control API"), std::string::npos) << run.output;  // the skip reason
}

TEST(ConformanceCli, ScenarioErrorsExitTwoNamingFileLineAndColumn) {  // HARN-4
  TempDir dir;
  const std::string bad = dir.Write("bad.yaml", std::string(kHealthScenario) + "    expct: {}\n");
  CliRun run = Conformance("--scenarios " + Quote(bad));
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("bad.yaml:8:5"), std::string::npos) << run.output;

  dir.Write("dup/a.yaml", kHealthScenario);
  dir.Write("dup/b.yaml", kHealthScenario);
  CliRun dup = Conformance("--scenarios " + Quote(dir.path() + "/dup"));
  EXPECT_EQ(dup.exit_code, 2) << dup.output;
  EXPECT_NE(dup.output.find("a.yaml"), std::string::npos) << dup.output;
  EXPECT_NE(dup.output.find("b.yaml"), std::string::npos) << dup.output;
}

TEST(ConformanceCli, BadArgumentsExitTwo) {  // HARN-1
  EXPECT_EQ(Conformance("--frobnicate").exit_code, 2);
  EXPECT_EQ(Conformance("-j 0").exit_code, 2);
  EXPECT_EQ(Conformance("--target ftp://example").exit_code, 2);
  EXPECT_EQ(Conformance("--filter 'Nothing.*'").exit_code, 2);
  EXPECT_EQ(Conformance("--expected-failures /nonexistent/file").exit_code, 2);
  CliRun help = Conformance("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--expected-failures"), std::string::npos);
}

}  // namespace
}  // namespace chronapilot::testing
