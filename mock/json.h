// The JSON type of the mock: nlohmann's, with fields kept in insertion order so that responses
// read like the documentation (id first, then object, ...).
#pragma once

#include <nlohmann/json.hpp>

namespace chronapilot {
using Json = nlohmann::ordered_json;
}  // namespace chronapilot
