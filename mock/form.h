// application/x-www-form-urlencoded, as OAuth uses it in query strings and request bodies
// (RFC 6749 Appendix B): parsing that keeps repeated parameters visible (a parameter sent twice is
// an invalid_request, RFC 6749 §3.1/§3.2), and encoding for redirects and Basic credentials.
//
// Thread safety: values; free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mock/status.h"

namespace chronapilot {

// Percent-decodes `text`; '+' becomes a space when `plus_is_space`. nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Encodes every byte outside ALPHA / DIGIT / "-._~" (so also ':' and ' '); the form encoding of
// RFC 6749 Appendix B uses '+' for a space when `space_as_plus`.
std::string PercentEncode(std::string_view text, bool space_as_plus = false);

class Form {
 public:
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  // Splits on '&', decodes names and values. Fails with invalid_request on a malformed escape or
  // a name or value that is not valid UTF-8; `where` names the part ("query", "body") in messages.
  static StatusOr<Form> Parse(std::string_view encoded, std::string_view where);

  // The value of `name` when it was sent with a non-empty value. RFC 6749 §3.1: "Parameters sent
  // without a value MUST be treated as if they were omitted from the request."
  std::optional<std::string> Get(std::string_view name) const;
  std::vector<std::string> GetAll(std::string_view name) const;
  // Counts non-empty occurrences.
  size_t Count(std::string_view name) const;
  // The first parameter name that occurs more than once with a value, if any.
  std::optional<std::string> FirstRepeated() const;
  bool empty() const { return pairs_.empty(); }
  const Pairs& pairs() const { return pairs_; }

  // Encodes `pairs` as a form (for building redirect query strings).
  static std::string Encode(const Pairs& pairs);

 private:
  Pairs pairs_;
};

}  // namespace chronapilot
