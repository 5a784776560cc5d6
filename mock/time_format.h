// RFC 3339 timestamps (calendar times, fixture `created` values) and Unix seconds (CONV-3).
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chronapilot {

// "2026-12-07T09:00:00Z", "2026-12-07T10:00:00.250+01:00" → Unix seconds (fraction truncated).
// Strict: 'T' or 't' separator, seconds required, offset required, every field in range
// (leap second 60 refused).
std::optional<int64_t> ParseRfc3339(std::string_view text);

// "2026-12-07" → Unix seconds of that day's midnight UTC.
std::optional<int64_t> ParseDate(std::string_view text);

// Unix seconds → "2026-12-07T09:00:00Z".
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace chronapilot
