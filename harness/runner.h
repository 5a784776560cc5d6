// Runs one scenario (SPEC HARN-1, HARN-4): starts a fresh in-process mock on its own port (or
// uses --target), a webhook receiver on loopback, and the client under test; walks the steps,
// saving values and judging expectations; returns the ScenarioResult. Scenarios share nothing,
// so `-j N` runs N of them on N threads.
//
// Thread safety: RunScenario is reentrant; everything it starts belongs to that one call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/report.h"
#include "harness/scenario.h"

namespace chronapilot {

struct RunnerOptions {
  std::string client_command;    // /bin/sh -c …; started once per scenario that has op steps
  std::string target;            // "": in-process mock; else a base URL (HARN-1 --target)
  int64_t op_timeout_ms = 5000;  // default `timeout_ms` of an op step
  int64_t delivery_timeout_ms = 2000;  // default `timeout_ms` of a wait_delivery step
};

ScenarioResult RunScenario(const Scenario& scenario, const RunnerOptions& options);

// Runs `scenarios` on `jobs` threads, each taking the next one until none is left (-j N).
// Results are in the order of `scenarios`.
std::vector<ScenarioResult> RunScenarios(const std::vector<const Scenario*>& scenarios,
                                         const RunnerOptions& options, int jobs);

}  // namespace chronapilot
