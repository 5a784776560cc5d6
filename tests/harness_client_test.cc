// SubprocessClient against the scriptable fake client (tests/harness_fake_client.cc): every kind
// of reply, and the ways a client under test can misbehave without hurting the harness
// (SPEC HARN-2).
#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "harness/client.h"

namespace chronapilot {
namespace {

using Kind = ClientReply::Kind;
using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kAnswerMs = 10000;  // for answers that do come: generous, never waited out
constexpr int64_t kShortMs = 200;     // for answers that never come

std::unique_ptr<SubprocessClient> Fake(const std::string& mode) {
  auto client = SubprocessClient::Start(std::string(CHRONAPILOT_FAKE_CLIENT) + " " + mode);
  EXPECT_NE(client, nullptr);
  return client;
}

Json Hello() { return {{"protocol", 1}}; }

int64_t MillisSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

// The state letter of /proc/PID/stat ('Z' for a zombie), or 0 when there is no such process.
char ProcessState(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return 0;
  size_t paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

// Waits (up to 5 s) until `pid` is a zombie or gone: for processes the test cannot reap.
bool WaitDeadOrZombie(pid_t pid) {
  auto start = SteadyClock::now();
  while (MillisSince(start) < 5000) {
    char state = ProcessState(pid);
    if (state == 0 || state == 'Z' || state == 'X') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

bool Reaped(pid_t pid) { return kill(pid, 0) == -1 && errno == ESRCH; }

TEST(SubprocessClient, HelloAndEchoAreOk) {
  auto client = Fake("echo");
  ClientReply hello = client->Call("hello", Hello(), kAnswerMs);
  ASSERT_EQ(hello.kind, Kind::kOk) << hello.detail;
  EXPECT_EQ(hello.result, Json({{"name", "fake"}, {"version", "1"}, {"language", "C++"}}));

  Json args = {{"auth", {{"mode", "oauth"}, {"account", "cpa_1"}}}, {"limit", 2}};
  ClientReply reply = client->Call("list_events", args, kAnswerMs);
  ASSERT_EQ(reply.kind, Kind::kOk) << reply.detail;
  EXPECT_EQ(reply.result, Json({{"op", "list_events"}, {"args", args}}));
  EXPECT_TRUE(reply.error.is_null());
  EXPECT_FALSE(reply.Failed());
}

TEST(SubprocessClient, RequestIdsCountFromOne) {
  auto client = Fake("inspect");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  EXPECT_EQ(client->Call("refresh", Json::object(), kAnswerMs).result, Json({{"id", 2}}));
  EXPECT_EQ(client->Call("revoke", Json::object(), kAnswerMs).result, Json({{"id", 3}}));
}

TEST(SubprocessClient, ErrorAnswerIsErrorWithTheErrorAsSent) {
  auto client = Fake("error");
  ClientReply reply = client->Call("get_event", {{"id", "evt_x"}}, kAnswerMs);
  ASSERT_EQ(reply.kind, Kind::kError) << reply.detail;
  EXPECT_EQ(reply.error,
            Json({{"code", "not_found"}, {"status", 404}, {"message", "no such event"}}));
  EXPECT_FALSE(reply.Failed());
  // A client error is an answer, not a broken client: it keeps working.
  EXPECT_EQ(client->Call("get_event", Json::object(), kAnswerMs).kind, Kind::kError);
}

TEST(SubprocessClient, UnsupportedCodeIsUnsupported) {
  auto client = Fake("unsupported");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("verify_webhook", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kUnsupported);
  EXPECT_EQ(reply.error["code"], "unsupported");
  EXPECT_FALSE(reply.Failed());
}

TEST(SubprocessClient, CrashDetailHasTheExitStatusAndStderrIsKept) {
  auto client = Fake("crash-after 1");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kCrash);
  EXPECT_EQ(reply.detail, "exited with status 3");
  EXPECT_TRUE(reply.Failed());
  EXPECT_NE(client->Stderr().find("crashing after 1 answers"), std::string::npos)
      << client->Stderr();
  EXPECT_TRUE(Reaped(client->pid()));
}

TEST(SubprocessClient, SegfaultIsCrashNamingTheSignal) {
  auto client = Fake("segv");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("list_calendars", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kCrash);
  EXPECT_EQ(reply.detail, "killed by signal 11");
}

TEST(SubprocessClient, CompoundShellCommandWorks) {
  auto client = SubprocessClient::Start("cd /tmp && FAKE_MODE=x " CHRONAPILOT_FAKE_CLIENT " echo");
  ASSERT_NE(client, nullptr);
  ClientReply reply = client->Call("hello", Hello(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kOk) << reply.detail;
}

TEST(SubprocessClient, SignalUnderTheShellIsReportedFromItsExitStatus) {
  auto client = SubprocessClient::Start("true; " CHRONAPILOT_FAKE_CLIENT " 'segv'");
  ASSERT_NE(client, nullptr);
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kCrash);
  EXPECT_EQ(reply.detail, "exited with status 139 (killed by signal 11?)");
}

TEST(SubprocessClient, ProgramThatExitsAtOnceIsCrashOnFirstCall) {
  auto client = Fake("exit-at-once");
  ClientReply reply = client->Call("hello", Hello(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kCrash);
  EXPECT_EQ(reply.detail, "exited with status 5");
}

TEST(SubprocessClient, MissingProgramIsCrashWithStatus127) {
  auto client = SubprocessClient::Start("/nonexistent/chronapilot-client --flag");
  ASSERT_NE(client, nullptr);
  ClientReply reply = client->Call("hello", Hello(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kCrash);
  EXPECT_EQ(reply.detail, "exited with status 127 (command not found?)");
  EXPECT_NE(client->Stderr().find("/nonexistent/chronapilot-client"), std::string::npos)
      << client->Stderr();
}

TEST(SubprocessClient, WritingToAnExitedClientIsCrashNotSigpipe) {
  // SIGPIPE keeps its default action in this test process: a stray one would end the test.
  auto client = Fake("exit-at-once");
  ASSERT_TRUE(WaitDeadOrZombie(client->pid()));  // its stdin is closed before we write
  ClientReply reply = client->Call("hello", {{"padding", std::string(1 << 20, 'p')}}, kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kCrash);
  EXPECT_EQ(reply.detail, "exited with status 5");
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
}

TEST(SubprocessClient, ClosedStdoutIsCrash) {
  auto client = Fake("close-stdout");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kCrash);
  EXPECT_EQ(reply.detail, "closed its stdout");
  EXPECT_TRUE(Reaped(client->pid()));  // still running when it closed stdout: killed
}

TEST(SubprocessClient, GarbageLineIsProtocolErrorQuotingTheLine) {
  auto client = Fake("garbage");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kProtocol);
  EXPECT_EQ(reply.detail, "answered a line that is not JSON: \"this is not { JSON\"");
  EXPECT_TRUE(reply.Failed());
}

TEST(SubprocessClient, JsonThatIsNotAnObjectIsProtocolError) {
  auto client = Fake("not-object");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kProtocol);
  EXPECT_NE(reply.detail.find("not an object"), std::string::npos) << reply.detail;
  EXPECT_NE(reply.detail.find("[1, 2, 3]"), std::string::npos) << reply.detail;
}

TEST(SubprocessClient, WrongIdIsProtocolError) {
  auto client = Fake("wrong-id");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kProtocol);
  EXPECT_NE(reply.detail.find("\"id\": 2"), std::string::npos) << reply.detail;
}

TEST(SubprocessClient, MissingOkIsProtocolError) {
  auto client = Fake("no-ok");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kProtocol);
  EXPECT_NE(reply.detail.find("boolean \"ok\""), std::string::npos) << reply.detail;
}

TEST(SubprocessClient, ErrorThatIsNotAnObjectWithCodeIsProtocolError) {
  auto client = Fake("bad-error");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply reply = client->Call("refresh", Json::object(), kAnswerMs);
  EXPECT_EQ(reply.kind, Kind::kProtocol);
  EXPECT_NE(reply.detail.find("\"error\" object"), std::string::npos) << reply.detail;
}

TEST(SubprocessClient, DeadClientRepeatsItsFailureAtOnce) {
  auto client = Fake("garbage");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  ClientReply first = client->Call("refresh", Json::object(), kAnswerMs);
  ASSERT_EQ(first.kind, Kind::kProtocol);
  EXPECT_TRUE(Reaped(client->pid()));
  auto start = SteadyClock::now();
  ClientReply again = client->Call("revoke", Json::object(), kAnswerMs);
  EXPECT_LT(MillisSince(start), 100);
  EXPECT_EQ(again.kind, Kind::kProtocol);
  EXPECT_EQ(again.detail, first.detail);
}

TEST(SubprocessClient, BlankLinesAndCrlfAreTolerated) {
  auto client = Fake("blank-lines");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  for (const char* op : {"refresh", "revoke"}) {
    ClientReply reply = client->Call(op, Json::object(), kAnswerMs);
    ASSERT_EQ(reply.kind, Kind::kOk) << reply.detail;
    EXPECT_EQ(reply.result, Json({{"op", op}}));
  }
}

TEST(SubprocessClient, SilentClientTimesOutAndIsKilled) {
  auto client = Fake("silent");
  auto start = SteadyClock::now();
  ClientReply reply = client->Call("hello", Hello(), kShortMs);
  int64_t elapsed = MillisSince(start);
  EXPECT_EQ(reply.kind, Kind::kTimeout);
  EXPECT_EQ(reply.detail, "no answer to op \"hello\" (id 1) within 200 ms");
  EXPECT_GE(elapsed, kShortMs);
  EXPECT_LT(elapsed, 2000);
  EXPECT_TRUE(Reaped(client->pid()));

  start = SteadyClock::now();
  EXPECT_EQ(client->Call("refresh", Json::object(), kShortMs).kind, Kind::kTimeout);
  EXPECT_LT(MillisSince(start), 100);
}

TEST(SubprocessClient, TimeoutKillsTheWholeProcessGroup) {
  auto client = Fake("sleeper");
  ClientReply hello = client->Call("hello", Hello(), kAnswerMs);
  ASSERT_EQ(hello.kind, Kind::kOk) << hello.detail;
  pid_t grandchild = hello.result["sleeper"].get<pid_t>();
  ASSERT_GT(grandchild, 0);
  EXPECT_EQ(client->Call("refresh", Json::object(), kShortMs).kind, Kind::kTimeout);
  EXPECT_TRUE(WaitDeadOrZombie(grandchild));
}

TEST(SubprocessClient, StderrFloodDoesNotDeadlock) {
  auto client = Fake("stderr-flood");
  ClientReply reply = client->Call("refresh", {{"n", 1}}, kAnswerMs);
  ASSERT_EQ(reply.kind, Kind::kOk) << reply.detail;
  reply = client->Call("revoke", {{"n", 2}}, kAnswerMs);  // a second megabyte
  ASSERT_EQ(reply.kind, Kind::kOk) << reply.detail;
  // The reader thread may still be behind; the tail arrives once it catches up.
  std::string text;
  auto start = SteadyClock::now();
  while (MillisSince(start) < 5000) {
    text = client->Stderr();
    if (text.size() >= 24 && text.compare(text.size() - 24, 24, "fake client: flood done\n") == 0)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(text.size(), 64u << 10);
  EXPECT_EQ(text.substr(text.size() - 24), "fake client: flood done\n");
}

TEST(SubprocessClient, FiveMegabyteAnswerArrivesWhole) {
  auto client = Fake("big");
  ClientReply reply = client->Call("list_events", Json::object(), kAnswerMs);
  ASSERT_EQ(reply.kind, Kind::kOk) << reply.detail;
  EXPECT_EQ(reply.result["blob"].get<std::string>(), std::string(5 << 20, 'b'));
  EXPECT_EQ(reply.result["end"], "here");
}

TEST(SubprocessClient, LargeRequestRoundTrips) {
  auto client = Fake("echo");
  Json args = {{"event", {{"description", std::string(3 << 20, 'd')}}}};
  ClientReply reply = client->Call("create_event", args, kAnswerMs);
  ASSERT_EQ(reply.kind, Kind::kOk) << reply.detail;
  EXPECT_EQ(reply.result["args"], args);
}

TEST(SubprocessClient, LineLongerThan16MiBIsProtocolError) {
  auto client = Fake("huge-line");
  ClientReply reply = client->Call("refresh", Json::object(), 30000);
  EXPECT_EQ(reply.kind, Kind::kProtocol);
  EXPECT_NE(reply.detail.find("longer than 16 MiB"), std::string::npos)
      << reply.detail.substr(0, 300);
  EXPECT_LT(reply.detail.size(), 400u);  // quotes a bounded prefix, not the line
}

TEST(SubprocessClient, ChildInheritsNoDescriptorsAndDefaultSigpipe) {
  int leaked = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaked, 0);
  struct sigaction ignore = {}, old = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old);  // as the harness's main does
  auto client = Fake("inspect");
  ClientReply reply = client->Call("hello", Hello(), kAnswerMs);
  sigaction(SIGPIPE, &old, nullptr);
  close(leaked);
  ASSERT_EQ(reply.kind, Kind::kOk) << reply.detail;
  EXPECT_EQ(reply.result["fds"], Json::array());
  EXPECT_EQ(reply.result["sigpipe_ignored"], false);
  EXPECT_EQ(reply.result["blocked_signals"], false);
}

TEST(SubprocessClient, WorksWhenTheHarnessRunsWithStdinClosed) {
  int saved_stdin = dup(0);
  ASSERT_GE(saved_stdin, 0);
  close(0);  // the next pipe gets descriptor 0
  auto client = Fake("echo");
  ClientReply reply = client->Call("hello", Hello(), kAnswerMs);
  client.reset();
  dup2(saved_stdin, 0);
  close(saved_stdin);
  EXPECT_EQ(reply.kind, Kind::kOk) << reply.detail;
}

TEST(SubprocessClient, DestructorLetsAWellBehavedClientExit) {
  auto client = Fake("echo");
  ASSERT_EQ(client->Call("hello", Hello(), kAnswerMs).kind, Kind::kOk);
  pid_t pid = client->pid();
  auto start = SteadyClock::now();
  client.reset();
  EXPECT_LT(MillisSince(start), 1000);
  EXPECT_TRUE(Reaped(pid));
}

TEST(SubprocessClient, DestructorOnSilentClientReturnsQuickly) {
  auto client = Fake("silent");
  pid_t pid = client->pid();
  auto start = SteadyClock::now();
  client.reset();
  EXPECT_LT(MillisSince(start), 1000);
  EXPECT_TRUE(Reaped(pid));
}

TEST(SubprocessClient, DestructorKillsAClientThatIgnoresEofAndSigterm) {
  auto client = Fake("stubborn");
  pid_t pid = client->pid();
  auto start = SteadyClock::now();
  client.reset();
  EXPECT_LT(MillisSince(start), 1000);
  EXPECT_TRUE(Reaped(pid));
}

TEST(SubprocessClient, DestructorIsSafeInEveryState) {
  Fake("echo").reset();  // never called
  auto crashed = Fake("exit-at-once");
  EXPECT_EQ(crashed->Call("hello", Hello(), kAnswerMs).kind, Kind::kCrash);
  crashed.reset();
  auto timed_out = Fake("silent");
  EXPECT_EQ(timed_out->Call("hello", Hello(), 50).kind, Kind::kTimeout);
  timed_out.reset();
  auto flooding = Fake("stderr-flood");  // destroyed while its stderr may still be full
  flooding.reset();
}

TEST(ClientReply, ToJsonShowsOkResultAndError) {
  ClientReply ok;
  ok.result = {{"url", "https://x"}};
  EXPECT_EQ(ok.ToJson(),
            Json({{"ok", true}, {"result", {{"url", "https://x"}}}, {"error", nullptr}}));

  ClientReply error;
  error.kind = Kind::kError;
  error.error = {{"code", "invalid_grant"}, {"status", 400}};
  EXPECT_EQ(error.ToJson(), Json({{"ok", false},
                                  {"result", nullptr},
                                  {"error", {{"code", "invalid_grant"}, {"status", 400}}}}));

  ClientReply unsupported;
  unsupported.kind = Kind::kUnsupported;
  unsupported.error = {{"code", "unsupported"}};
  EXPECT_EQ(unsupported.ToJson()["error"]["code"], "unsupported");
  EXPECT_EQ(unsupported.ToJson()["ok"], false);

  for (Kind kind : {Kind::kCrash, Kind::kProtocol, Kind::kTimeout}) {
    ClientReply failed;
    failed.kind = kind;
    failed.detail = "what happened";
    EXPECT_EQ(
        failed.ToJson(),
        Json({{"ok", false},
              {"result", nullptr},
              {"error", {{"code", ClientReplyKindName(kind)}, {"message", "what happened"}}}}));
  }
}

TEST(ClientReply, KindNames) {
  EXPECT_STREQ(ClientReplyKindName(Kind::kOk), "OK");
  EXPECT_STREQ(ClientReplyKindName(Kind::kError), "ERROR");
  EXPECT_STREQ(ClientReplyKindName(Kind::kUnsupported), "UNSUPPORTED");
  EXPECT_STREQ(ClientReplyKindName(Kind::kCrash), "CRASH");
  EXPECT_STREQ(ClientReplyKindName(Kind::kProtocol), "PROTOCOL");
  EXPECT_STREQ(ClientReplyKindName(Kind::kTimeout), "TIMEOUT");
}

}  // namespace
}  // namespace chronapilot
