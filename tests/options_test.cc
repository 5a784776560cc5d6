// mock/options.h: the command line of SPEC CLI-1 in both "--flag value" and "--flag=value"
// forms, Options::Validate, and error messages that name the flag (CLI-3).
#include "mock/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chronapilot {
namespace {

using Args = std::vector<std::string>;

CommandLine MustParse(const Args& args) {
  StatusOr<CommandLine> cl = ParseCommandLine(args);
  EXPECT_TRUE(cl.ok()) << cl.status().ToString();
  return cl.ok() ? *cl : CommandLine();
}

// The error message of parsing `args`, or "" when it parsed.
std::string ErrorOf(const Args& args) {
  StatusOr<CommandLine> cl = ParseCommandLine(args);
  return cl.ok() ? "" : cl.status().message();
}

// CLI-3: an error is one line that starts with the argument it is about.
void ExpectErrorNames(const Args& args, const std::string& flag) {
  std::string all;
  for (const auto& a : args) all += a + " ";
  StatusOr<CommandLine> cl = ParseCommandLine(args);
  ASSERT_FALSE(cl.ok()) << "parsed: " << all;
  EXPECT_EQ(cl.status().kind(), ErrorKind::kInvalidRequest);
  EXPECT_EQ(cl.status().message().rfind(flag + ": ", 0), 0u)
      << all << "→ " << cl.status().message();
  EXPECT_EQ(cl.status().message().find('\n'), std::string::npos) << cl.status().message();
}

// The same flag in both spellings: {"--flag", "value"} and {"--flag=value"}.
std::vector<Args> BothForms(const std::string& flag, const std::string& value) {
  return {{flag, value}, {flag + "=" + value}};
}

const std::vector<int64_t> kDefaultSchedule = {5, 300, 1800, 7200, 18000, 36000, 36000};

// CLI-1
TEST(ParseCommandLine, NoArgumentsGivesTheDefaults) {
  CommandLine cl = MustParse({});
  EXPECT_EQ(cl.action, CommandLine::Action::kRun);
  const Options& o = cl.options;
  EXPECT_EQ(o.host, "127.0.0.1");  // CONV-1: loopback by default
  EXPECT_EQ(o.port, 8765);
  EXPECT_EQ(o.fixtures, "");
  EXPECT_FALSE(o.auto_consent);
  EXPECT_FALSE(o.tls);
  EXPECT_EQ(o.issuer, "");
  EXPECT_EQ(o.retry_schedule, kDefaultSchedule);
  EXPECT_EQ(o.log_format, LogFormat::kText);
  EXPECT_FALSE(o.quiet);
}

// CLI-1
TEST(ParseCommandLine, Host) {
  for (const Args& args : BothForms("--host", "0.0.0.0")) {
    EXPECT_EQ(MustParse(args).options.host, "0.0.0.0");
  }
}

// CLI-1, CONV-1: --port 0 picks a free port.
TEST(ParseCommandLine, Port) {
  for (const Args& args : BothForms("--port", "0")) EXPECT_EQ(MustParse(args).options.port, 0);
  for (const Args& args : BothForms("--port", "9000")) {
    EXPECT_EQ(MustParse(args).options.port, 9000);
  }
  EXPECT_EQ(MustParse({"--port", "65535"}).options.port, 65535);
}

// CLI-1
TEST(ParseCommandLine, Fixtures) {
  for (const Args& args : BothForms("--fixtures", "fixtures/other.yaml")) {
    EXPECT_EQ(MustParse(args).options.fixtures, "fixtures/other.yaml");
  }
  // A value that itself contains '=' stays whole.
  EXPECT_EQ(MustParse({"--fixtures=a=b.yaml"}).options.fixtures, "a=b.yaml");
}

// CLI-1, AUTHZ-5
TEST(ParseCommandLine, AutoConsent) {
  EXPECT_TRUE(MustParse({"--auto-consent"}).options.auto_consent);
}

// CLI-1, CLI-2
TEST(ParseCommandLine, Tls) { EXPECT_TRUE(MustParse({"--tls"}).options.tls); }

// CLI-1
TEST(ParseCommandLine, Quiet) { EXPECT_TRUE(MustParse({"--quiet"}).options.quiet); }

// CLI-1
TEST(ParseCommandLine, Issuer) {
  for (const Args& args : BothForms("--issuer", "https://auth.example.com")) {
    EXPECT_EQ(MustParse(args).options.issuer, "https://auth.example.com");
  }
  EXPECT_EQ(MustParse({"--issuer", "http://127.0.0.1:8765/tenant"}).options.issuer,
            "http://127.0.0.1:8765/tenant");
}

// CLI-1, HOOK-5
TEST(ParseCommandLine, RetrySchedule) {
  for (const Args& args : BothForms("--retry-schedule", "1s,2m,3h")) {
    EXPECT_EQ(MustParse(args).options.retry_schedule, (std::vector<int64_t>{1, 120, 10800}));
  }
}

// CLI-1, CLI-3
TEST(ParseCommandLine, LogFormat) {
  for (const Args& args : BothForms("--log-format", "json")) {
    EXPECT_EQ(MustParse(args).options.log_format, LogFormat::kJson);
  }
  for (const Args& args : BothForms("--log-format", "text")) {
    EXPECT_EQ(MustParse(args).options.log_format, LogFormat::kText);
  }
}

TEST(ParseCommandLine, Threads) {
  for (const Args& args : BothForms("--threads", "8")) {
    EXPECT_EQ(MustParse(args).options.threads, 8);
  }
}

// CLI-1: every flag at once.
TEST(ParseCommandLine, AllFlagsTogether) {
  CommandLine cl = MustParse({"--host", "::1", "--port=0", "--fixtures", "f.yaml", "--auto-consent",
                              "--tls", "--issuer=https://i.example", "--retry-schedule", "5s,10s",
                              "--log-format=json", "--quiet"});
  EXPECT_EQ(cl.action, CommandLine::Action::kRun);
  EXPECT_EQ(cl.options.host, "::1");
  EXPECT_EQ(cl.options.port, 0);
  EXPECT_EQ(cl.options.fixtures, "f.yaml");
  EXPECT_TRUE(cl.options.auto_consent);
  EXPECT_TRUE(cl.options.tls);
  EXPECT_EQ(cl.options.issuer, "https://i.example");
  EXPECT_EQ(cl.options.retry_schedule, (std::vector<int64_t>{5, 10}));
  EXPECT_EQ(cl.options.log_format, LogFormat::kJson);
  EXPECT_TRUE(cl.options.quiet);
}

TEST(ParseCommandLine, LaterFlagWins) {
  EXPECT_EQ(MustParse({"--port", "1", "--port=2"}).options.port, 2);
}

// CLI-1
TEST(ParseCommandLine, Help) {
  EXPECT_EQ(MustParse({"--help"}).action, CommandLine::Action::kHelp);
  EXPECT_EQ(MustParse({"-h"}).action, CommandLine::Action::kHelp);
}

// CLI-1
TEST(ParseCommandLine, Version) {
  EXPECT_EQ(MustParse({"--version"}).action, CommandLine::Action::kVersion);
}

// --help must work even when the options around it would not validate.
TEST(ParseCommandLine, HelpSkipsValidation) {
  EXPECT_EQ(MustParse({"--issuer", "ftp://x", "--help"}).action, CommandLine::Action::kHelp);
}

TEST(UsageText, MentionsEveryFlag) {
  const std::string usage = UsageText();
  for (const char* flag : {"--host", "--port", "--fixtures", "--auto-consent", "--tls", "--issuer",
                           "--retry-schedule", "--log-format", "--quiet", "--help", "--version"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

// CLI-3
TEST(ParseCommandLine, UnknownFlagIsNamed) {
  ExpectErrorNames({"--bogus"}, "--bogus");
  ExpectErrorNames({"--bogus=1"}, "--bogus");
  ExpectErrorNames({"--port", "1", "--Port", "2"}, "--Port");
  ExpectErrorNames({"stray"}, "stray");
  ExpectErrorNames({"-p", "1"}, "-p");
}

// CLI-3
TEST(ParseCommandLine, MissingValueIsNamed) {
  for (const char* flag : {"--host", "--port", "--fixtures", "--issuer", "--retry-schedule",
                           "--log-format", "--threads"}) {
    ExpectErrorNames({flag}, flag);
    EXPECT_NE(ErrorOf({flag}).find("needs a value"), std::string::npos) << ErrorOf({flag});
  }
}

// CLI-3
TEST(ParseCommandLine, EmptyFixturesIsRefused) { ExpectErrorNames({"--fixtures="}, "--fixtures"); }

// CLI-3
TEST(ParseCommandLine, SwitchesTakeNoValue) {
  for (const char* flag : {"--auto-consent", "--tls", "--quiet"}) {
    ExpectErrorNames({std::string(flag) + "=true"}, flag);
  }
}

// CLI-3
TEST(ParseCommandLine, BadPortIsNamed) {
  for (const char* port : {"70000", "65536", "-1", "abc", "", "8080x", " 80", "1e3", "0x50"}) {
    ExpectErrorNames({"--port", port}, "--port");
    ExpectErrorNames({std::string("--port=") + port}, "--port");
  }
  EXPECT_NE(ErrorOf({"--port", "70000"}).find("70000"), std::string::npos);
}

// CLI-3
TEST(ParseCommandLine, OtherLogFormatIsNamed) {
  for (const char* format : {"xml", "JSON", ""}) {
    ExpectErrorNames({"--log-format", format}, "--log-format");
  }
  EXPECT_NE(ErrorOf({"--log-format", "xml"}).find("xml"), std::string::npos);
}

// CLI-3
TEST(ParseCommandLine, BadIssuerIsNamed) {
  ExpectErrorNames({"--issuer", "https://auth.example.com/"}, "--issuer");
  ExpectErrorNames({"--issuer=ftp://auth.example.com"}, "--issuer");
}

// CLI-3
TEST(ParseCommandLine, BadRetryScheduleIsNamed) {
  for (const char* schedule :
       {"5x", "5 min", "s", "", "5s,,5m", "-5s", "1.5h", "5s;5m", "0s", "31d", "5S"}) {
    ExpectErrorNames({"--retry-schedule", schedule}, "--retry-schedule");
  }
}

TEST(ParseCommandLine, BadThreadsIsNamed) {
  ExpectErrorNames({"--threads", "1"}, "--threads");
  ExpectErrorNames({"--threads", "many"}, "--threads");
}

// HOOK-5: the default schedule written the way the help text writes it.
TEST(ParseRetrySchedule, ParsesTheDefaultScheduleInUnits) {
  StatusOr<std::vector<int64_t>> schedule = ParseRetrySchedule("5s,5m,30m,2h,5h,10h,10h");
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(*schedule, kDefaultSchedule);
}

TEST(ParseRetrySchedule, PlainNumbersAreSeconds) {
  StatusOr<std::vector<int64_t>> schedule = ParseRetrySchedule("5,300");
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(*schedule, (std::vector<int64_t>{5, 300}));
}

TEST(ParseRetrySchedule, AcceptsDaysAndSpacesAroundItems) {
  StatusOr<std::vector<int64_t>> schedule = ParseRetrySchedule(" 1d , 90s");
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(*schedule, (std::vector<int64_t>{86400, 90}));
}

TEST(ParseRetrySchedule, RefusesBadUnitsNamingTheFlag) {
  for (const char* text : {"5x", "5sec", "m", "", "5s,", ",5s", "5s 5m", "-1s", "+1s", "1.5h",
                           "99999999999999999999s"}) {
    StatusOr<std::vector<int64_t>> schedule = ParseRetrySchedule(text);
    ASSERT_FALSE(schedule.ok()) << '"' << text << '"';
    EXPECT_EQ(schedule.status().message().rfind("--retry-schedule: ", 0), 0u)
        << schedule.status().message();
  }
}

TEST(OptionsValidate, DefaultsAreValid) { EXPECT_TRUE(Options().Validate().ok()); }

TEST(OptionsValidate, AcceptsHttpAndHttpsIssuers) {
  for (const char* issuer :
       {"http://127.0.0.1:8765", "https://auth.example.com", "https://auth.example.com/tenant/7"}) {
    Options o;
    o.issuer = issuer;
    EXPECT_TRUE(o.Validate().ok()) << issuer << ": " << o.Validate().ToString();
  }
}

// TOKEN-9 / RFC 8414 §2: the issuer is compared as a string; no trailing slash, query or
// fragment.
TEST(OptionsValidate, RefusesBadIssuersNamingTheFlag) {
  for (const char* issuer :
       {"https://auth.example.com/", "http://127.0.0.1:8765/", "https://auth.example.com?x=1",
        "https://auth.example.com#f", "ftp://auth.example.com", "auth.example.com",
        "https://user@auth.example.com", "https://auth example.com", "https://"}) {
    Options o;
    o.issuer = issuer;
    Status s = o.Validate();
    ASSERT_FALSE(s.ok()) << issuer;
    EXPECT_EQ(s.message().rfind("--issuer: ", 0), 0u) << s.message();
  }
}

TEST(OptionsValidate, RefusesBadPortsNamingTheFlag) {
  for (int port : {-1, 65536, 70000}) {
    Options o;
    o.port = port;
    Status s = o.Validate();
    ASSERT_FALSE(s.ok()) << port;
    EXPECT_EQ(s.message().rfind("--port: ", 0), 0u) << s.message();
    EXPECT_NE(s.message().find(std::to_string(port)), std::string::npos) << s.message();
  }
}

TEST(OptionsValidate, RefusesAnEmptyHost) {
  Options o;
  o.host = "";
  EXPECT_EQ(o.Validate().message().rfind("--host: ", 0), 0u) << o.Validate().ToString();
}

TEST(OptionsValidate, RefusesBadRetrySchedules) {
  for (const std::vector<int64_t>& schedule :
       {std::vector<int64_t>{}, std::vector<int64_t>{0}, std::vector<int64_t>{5, -1},
        std::vector<int64_t>{31 * 86400}, std::vector<int64_t>(51, 5)}) {
    Options o;
    o.retry_schedule = schedule;
    Status s = o.Validate();
    ASSERT_FALSE(s.ok()) << schedule.size();
    EXPECT_EQ(s.message().rfind("--retry-schedule: ", 0), 0u) << s.message();
  }
  Options o;
  o.retry_schedule = std::vector<int64_t>(50, 30 * 86400);
  EXPECT_TRUE(o.Validate().ok());
}

TEST(OptionsValidate, RefusesBadThreadCounts) {
  for (int threads : {0, 1, 1025}) {
    Options o;
    o.threads = threads;
    EXPECT_EQ(o.Validate().message().rfind("--threads: ", 0), 0u) << threads;
  }
}

}  // namespace
}  // namespace chronapilot
