// Absolute URIs as redirect URIs and webhook URLs use them: a strict parser, the redirect-URI
// matching rule of SPEC AUTHZ-2 and appending parameters to a redirect target.
//
// Thread safety: values; free functions without shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mock/form.h"

namespace chronapilot {

struct Uri {
  std::string scheme;    // lower-cased
  std::string userinfo;  // "" when absent
  std::string host;      // as written; IPv6 literals keep their brackets ("[::1]")
  std::string port;      // digits, "" when absent
  std::string path;
  std::string query;  // without '?'
  bool has_query = false;
  bool has_fragment = false;

  // path + ("?" + query when present): what must match exactly for a loopback redirect URI.
  std::string PathAndQuery() const { return has_query ? path + "?" + query : path; }
  bool IsLoopbackIpLiteral() const { return host == "127.0.0.1" || host == "[::1]"; }
};

// Parses "scheme://authority/path?query#fragment". nullopt for relative references, spaces,
// control characters, non-ASCII bytes, an empty host or a non-numeric port.
std::optional<Uri> ParseUri(std::string_view text);

// SPEC AUTHZ-2 [RFC 6749 §3.1.2, RFC 8252 §7.3]: exact string comparison, except that an
// `http://127.0.0.1` or `http://[::1]` registration matches the same URI with any port. A URI
// with a fragment never matches.
bool RedirectUriMatches(std::string_view registered, std::string_view given);

// `uri` with `params` appended to its query (keeping any query it already has, RFC 6749 §3.1.2).
std::string AppendQuery(std::string_view uri, const Form::Pairs& params);

}  // namespace chronapilot
