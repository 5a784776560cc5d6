// Reading a JSON request body the way SPEC RES-7 and ERR-1 want it read: wrong content type →
// 415, malformed or too deeply nested → 400, never an exception or a crash.
//
// Thread safety: free functions without shared state.
#pragma once

#include <initializer_list>

#include "mock/http.h"
#include "mock/json.h"
#include "mock/status.h"

namespace chronapilot {

// Nesting deeper than this is refused before parsing (nlohmann's parser recurses).
constexpr int kMaxJsonDepth = 32;

// Parses the body of `req` as a JSON object. When `allow_empty`, an empty body is {}.
StatusOr<Json> ParseJsonObjectBody(const HttpRequest& req, bool allow_empty);

// invalid_request naming the first key of `object` not in `allowed` (unknown fields are errors).
Status RejectUnknownFields(const Json& object, std::initializer_list<const char*> allowed);

}  // namespace chronapilot
