#include <cstdlib>
#include <vector>

#include "mock/api/api.h"

namespace chronapilot {
namespace {

Status CheckNames(const Form& query, const std::vector<const char*>& allowed) {
  for (const auto& [name, value] : query.pairs()) {
    bool known = false;
    for (const char* a : allowed) known = known || name == a;
    if (!known) {
      return Status::InvalidRequest("parameter_unknown", "Received unknown parameter: " + name,
                                    name);
    }
  }
  if (auto repeated = query.FirstRepeated()) {
    return Status::InvalidRequest("parameter_invalid", *repeated + " was sent more than once",
                                  *repeated);
  }
  return Status();
}

}  // namespace

Status CheckQueryParams(const Form& query, std::initializer_list<const char*> allowed) {
  return CheckNames(query, allowed);
}

StatusOr<ListParams> ParseListParams(const Form& query, std::initializer_list<const char*> extra) {
  std::vector<const char*> allowed = {"limit", "starting_after"};
  allowed.insert(allowed.end(), extra.begin(), extra.end());
  if (Status s = CheckNames(query, allowed); !s.ok()) return s;
  ListParams params;
  if (auto limit = query.Get("limit")) {
    bool digits = limit->size() <= 3;
    for (char c : *limit) digits = digits && c >= '0' && c <= '9';
    const long n = digits ? std::strtol(limit->c_str(), nullptr, 10) : 0;
    if (n < 1 || n > 100) {
      return Status::InvalidRequest("parameter_invalid",
                                    "limit must be a whole number from 1 to 100", "limit");
    }
    params.limit = size_t(n);
  }
  params.starting_after = query.Get("starting_after").value_or("");
  return params;
}

}  // namespace chronapilot
