// chronapilot-reference-client: the bundled reference client the conformance harness spawns
// (SPEC HARN-2, HARN-6). It reads one JSON request per line on stdin and writes exactly one JSON
// response line per request on stdout, flushed at once; diagnostics go to stderr only. Exit 0 at
// the end of stdin.
//
//   chronapilot-reference-client [--defect NAME]... [--list-defects] [--quiet]
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "harness/reference_client/adapter.h"
#include "harness/reference_client/defects.h"

namespace {

constexpr char kUsage[] =
    "usage: chronapilot-reference-client [--defect NAME]... [--list-defects] [--quiet]\n"
    "Speaks the conformance harness's adapter protocol (JSON Lines) on stdin/stdout.\n"
    "  --defect NAME   switch on a deliberately broken behaviour (repeatable)\n"
    "  --list-defects  print the defects and exit\n"
    "  --quiet         no diagnostics on stderr\n";

int Run(const std::vector<std::string>& args) {
  using chronapilot::sdk::AllDefects;
  using chronapilot::sdk::DefectByName;
  chronapilot::sdk::AdapterOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--list-defects") {
      for (const auto& info : AllDefects()) std::printf("%-24s %s\n", info.name, info.description);
      return 0;
    }
    if (arg == "--quiet") {
      options.log = nullptr;
      continue;
    }
    std::string name;
    if (arg == "--defect") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "chronapilot-reference-client: --defect needs a name\n");
        return 2;
      }
      name = args[++i];
    } else if (arg.rfind("--defect=", 0) == 0) {
      name = arg.substr(9);
    } else {
      std::fprintf(stderr, "chronapilot-reference-client: unknown argument '%s'\n%s", arg.c_str(),
                   kUsage);
      return 2;
    }
    auto defect = DefectByName(name);
    if (!defect) {
      std::fprintf(stderr,
                   "chronapilot-reference-client: unknown defect '%s' (--list-defects names "
                   "them)\n",
                   name.c_str());
      return 2;
    }
    options.defects.Add(*defect);
  }
  if (options.log && !options.defects.None()) {
    std::fprintf(options.log, "[adapter] running with defects: %s\n",
                 options.defects.ToString().c_str());
  }

  chronapilot::sdk::Adapter adapter(std::move(options));
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // not a request
    std::cout << adapter.HandleLine(line) << '\n' << std::flush;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The harness may close our stdout, and a server our socket: report, don't die.
  std::signal(SIGPIPE, SIG_IGN);
  std::ios::sync_with_stdio(false);
  return Run(std::vector<std::string>(argv + 1, argv + argc));
}
