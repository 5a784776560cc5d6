// chronapilot-conformance (SPEC HARN-1): flags → scenarios → N runner threads → report.
//
//   chronapilot-conformance [--client CMD] [--scenarios PATH…] [--filter GLOB] [--tag T]
//       [--target URL] [--expected-failures FILE] [--junit FILE] [--json FILE] [-j N] [--list]
//
// Exit status: 0 when nothing failed unexpectedly, 1 when something did, 2 for bad arguments or
// scenario files that do not load.
#include <fnmatch.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "harness/report.h"
#include "harness/runner.h"
#include "harness/scenario.h"

using namespace chronapilot;

namespace {

struct Flags {
  std::string client;
  std::vector<std::string> scenarios;
  std::vector<std::string> filters;
  std::vector<std::string> tags;
  std::string target;
  std::string expected_failures;
  std::string junit;
  std::string json;
  int jobs = 1;
  bool list = false;
  int64_t timeout_ms = 5000;
};

constexpr char kUsage[] =
    "usage: chronapilot-conformance [options] [SCENARIO_PATH…]\n"
    "\n"
    "Runs YAML conformance scenarios against a client under test (an SDK behind an adapter that\n"
    "speaks JSON Lines on stdin/stdout) and reports each check against its SPEC requirement.\n"
    "\n"
    "  --client CMD               the client under test, run with /bin/sh -c\n"
    "                             (default: the bundled chronapilot-reference-client)\n"
    "  --scenarios PATH…          scenario files or directories (default: scenarios/)\n"
    "  --filter GLOB              only scenarios whose id matches (repeatable: any of them)\n"
    "  --tag T                    only scenarios with this tag (repeatable: any of them)\n"
    "  --target URL               run against a running server instead of an in-process mock;\n"
    "                             scenarios that need the control API are skipped\n"
    "  --expected-failures FILE   scenario ids expected to fail, one per line ('#' comments)\n"
    "  --junit FILE               also write JUnit XML\n"
    "  --json FILE                also write JSON Lines (header, one line per scenario, footer)\n"
    "  -j N                       run N scenarios in parallel (default 1)\n"
    "  --timeout MS               default time a client op may take (default 5000)\n"
    "  --list                     list the scenarios that would run, and exit\n"
    "  --help, --version\n";

std::string SelfDirectory() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : exe.parent_path().string();
}

std::string DefaultScenarios() {
  if (std::filesystem::is_directory("scenarios")) return "scenarios";
  return CHRONAPILOT_DEFAULT_SCENARIOS;
}

// Parses argv; on a problem prints it and returns nullopt.
std::optional<Flags> Parse(int argc, char** argv, int& exit_code) {
  Flags flags;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_inline = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      has_inline = true;
    }
    auto take = [&](std::string& into) {
      if (has_inline) {
        into = value;
        return true;
      }
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "chronapilot-conformance: %s needs a value\n", arg.c_str());
        return false;
      }
      into = args[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    } else if (arg == "--version") {
      std::printf("chronapilot-conformance %s\n", CHRONAPILOT_VERSION);
      exit_code = 0;
      return std::nullopt;
    } else if (arg == "--list") {
      flags.list = true;
    } else if (arg == "--client") {
      if (!take(flags.client)) return std::nullopt;
    } else if (arg == "--scenarios") {
      if (!take(v)) return std::nullopt;
      flags.scenarios.push_back(v);
      // "--scenarios A B C": every following non-flag argument too.
      while (!has_inline && i + 1 < args.size() && args[i + 1].rfind("-", 0) != 0) {
        flags.scenarios.push_back(args[++i]);
      }
    } else if (arg == "--filter") {
      if (!take(v)) return std::nullopt;
      flags.filters.push_back(v);
    } else if (arg == "--tag") {
      if (!take(v)) return std::nullopt;
      flags.tags.push_back(v);
    } else if (arg == "--target") {
      if (!take(flags.target)) return std::nullopt;
      if (flags.target.rfind("http://", 0) != 0 && flags.target.rfind("https://", 0) != 0) {
        std::fprintf(stderr, "chronapilot-conformance: --target: must be an http(s) URL, got %s\n",
                     flags.target.c_str());
        return std::nullopt;
      }
    } else if (arg == "--expected-failures") {
      if (!take(flags.expected_failures)) return std::nullopt;
    } else if (arg == "--junit") {
      if (!take(flags.junit)) return std::nullopt;
    } else if (arg == "--json") {
      if (!take(flags.json)) return std::nullopt;
    } else if (arg == "-j" || arg == "--jobs" || (arg.rfind("-j", 0) == 0 && arg.size() > 2)) {
      if (arg.size() > 2 && arg[1] == 'j') {
        v = arg.substr(2);
      } else if (!take(v)) {
        return std::nullopt;
      }
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 256) {
        std::fprintf(stderr, "chronapilot-conformance: -j: must be 1-256, got %s\n", v.c_str());
        return std::nullopt;
      }
      flags.jobs = static_cast<int>(n);
    } else if (arg == "--timeout") {
      if (!take(v)) return std::nullopt;
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || n < 1 || n > 600000) {
        std::fprintf(stderr, "chronapilot-conformance: --timeout: must be 1-600000 ms, got %s\n",
                     v.c_str());
        return std::nullopt;
      }
      flags.timeout_ms = n;
    } else if (!arg.empty() && arg[0] != '-') {
      flags.scenarios.push_back(arg);
    } else {
      std::fprintf(stderr, "chronapilot-conformance: unknown option %s (see --help)\n",
                   arg.c_str());
      return std::nullopt;
    }
  }
  if (flags.client.empty()) flags.client = SelfDirectory() + "/chronapilot-reference-client";
  if (flags.scenarios.empty()) flags.scenarios.push_back(DefaultScenarios());
  return flags;
}

bool Selected(const Scenario& s, const Flags& flags) {
  if (!flags.filters.empty()) {
    bool any = false;
    for (const std::string& glob : flags.filters)
      any = any || fnmatch(glob.c_str(), s.id.c_str(), 0) == 0;
    if (!any) return false;
  }
  if (!flags.tags.empty()) {
    bool any = false;
    for (const std::string& tag : flags.tags) any = any || s.HasTag(tag);
    if (!any) return false;
  }
  return true;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "chronapilot-conformance: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // A client that dies while we write to it must not take the harness down (HARN-2).
  signal(SIGPIPE, SIG_IGN);
  int exit_code = 2;
  auto flags = Parse(argc, argv, exit_code);
  if (!flags) return exit_code;

  auto loaded = LoadScenarios(flags->scenarios);
  if (!loaded.ok()) {
    std::fprintf(stderr, "chronapilot-conformance: %s\n", loaded.status().message().c_str());
    return 2;
  }
  std::vector<const Scenario*> selected;
  for (const Scenario& s : *loaded) {
    if (Selected(s, *flags)) selected.push_back(&s);
  }
  ExpectedFailures expected;
  if (!flags->expected_failures.empty()) {
    auto file = LoadExpectedFailures(flags->expected_failures);
    if (!file.ok()) {
      std::fprintf(stderr, "chronapilot-conformance: %s\n", file.status().message().c_str());
      return 2;
    }
    expected = std::move(file).value();
  }

  if (flags->list) {
    for (const Scenario* s : selected) {
      std::string tags, reqs;
      for (const auto& t : s->tags) tags += (tags.empty() ? "" : ",") + t;
      for (const auto& r : s->requirements) reqs += (reqs.empty() ? "" : ",") + r;
      std::printf("%-60s [%s] %s  %s\n", s->id.c_str(), reqs.c_str(), tags.c_str(),
                  s->pos.ToString().c_str());
    }
    std::printf("%zu scenarios\n", selected.size());
    return 0;
  }
  if (selected.empty()) {
    std::fprintf(stderr, "chronapilot-conformance: no scenario matches the filters\n");
    return 2;
  }

  RunnerOptions options;
  options.client_command = flags->client;
  options.target = flags->target;
  options.op_timeout_ms = flags->timeout_ms;

  const auto started = std::chrono::steady_clock::now();
  std::vector<ScenarioResult> results = RunScenarios(selected, options, flags->jobs);

  std::vector<std::string> known_ids;
  for (const Scenario& s : *loaded) known_ids.push_back(s.id);
  RunSummary summary = Summarize(results, expected, known_ids);
  summary.duration_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  RunInfo info;
  info.client_command = flags->client;
  info.target = flags->target;
  info.jobs = flags->jobs;
  for (const ScenarioResult& r : results) {
    if (!r.client_hello.is_null()) {
      info.client_hello = r.client_hello;
      break;
    }
  }
  WriteConsole(std::cout, info, results, summary);
  std::cout.flush();
  bool written = true;
  if (!flags->junit.empty())
    written = WriteFile(flags->junit, JunitXml(info, results, summary)) && written;
  if (!flags->json.empty())
    written = WriteFile(flags->json, JsonLines(info, results, summary)) && written;
  if (!written) return 2;
  return summary.ExitCode();
}
