// The fixture set: the world the mock starts from and returns to on reset (SPEC §1, CTRL-1),
// loaded from YAML. Every error names the file, line, column and field, e.g.
//   fixtures/x.yaml:12:9: platforms[0].clients[1].type: must be "public" or "confidential"
// and unknown keys are errors, so that a typo never silently drops data.
//
// Thread safety: a Fixtures value is immutable once loaded and may be shared between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mock/model.h"
#include "mock/status.h"

namespace chronapilot {

struct Fixtures {
  std::string source;  // the file name errors and /_mock/reset report
  bool auto_consent = false;
  std::vector<Platform> platforms;
  std::vector<OAuthClient> clients;
  std::vector<User> users;
  std::vector<Account> accounts;
  std::vector<ProviderConnection> provider_connections;
  std::vector<Calendar> calendars;
  std::vector<Event> events;
  std::vector<FixtureGrant> grants;
};

// `now` (Unix seconds) fills `created` values the file leaves out.
StatusOr<Fixtures> LoadFixturesFile(const std::string& path, int64_t now);
StatusOr<Fixtures> LoadFixturesText(std::string_view yaml, const std::string& source, int64_t now);

// The default set, fixtures/default.yaml, compiled into the binary so that it runs from anywhere.
StatusOr<Fixtures> LoadDefaultFixtures(int64_t now);

}  // namespace chronapilot
