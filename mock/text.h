// Small string helpers shared by the parsers and renderers.
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chronapilot {

bool IsValidUtf8(std::string_view s);
// True when `s` contains a C0 control character or DEL (CR/LF in URLs, headers, state, ...).
bool HasControlChars(std::string_view s);
// RFC 6749 Appendix A: VSCHAR = %x20-7E (state, client_id, scope tokens, code, ...).
bool IsVisibleAscii(std::string_view s);

std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string_view Trim(std::string_view s);
// Decimal digits only (no sign, no spaces), at most `max_digits` of them; nullopt otherwise.
// For Retry-After seconds, Unix timestamps and numeric flags.
std::optional<int64_t> ParseDecimal(std::string_view s, size_t max_digits = 18);
std::vector<std::string> Split(std::string_view s, char sep);  // keeps empty pieces
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

std::string HtmlEscape(std::string_view s);

// An email address as the mock accepts one (consent login, attendees, fixtures): one '@' with
// something on each side, at most 254 bytes, valid UTF-8, no spaces, controls or <>",.
bool IsPlausibleEmail(std::string_view s);

// What logs may show of a secret (CONV-5): its prefix up to '_' plus 4 characters.
std::string MaskSecret(std::string_view secret);

}  // namespace chronapilot
