#include "mock/url.h"

#include "mock/text.h"

namespace chronapilot {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<Uri> ParseUri(std::string_view text) {
  for (char c : text) {
    if (uint8_t(c) <= 0x20 || uint8_t(c) >= 0x7F) return std::nullopt;
  }
  Uri uri;
  const size_t colon = text.find("://");
  if (colon == std::string_view::npos || colon == 0 || !IsAlpha(text[0])) return std::nullopt;
  for (char c : text.substr(0, colon)) {
    if (!IsAlpha(c) && !IsDigit(c) && c != '+' && c != '-' && c != '.') return std::nullopt;
  }
  uri.scheme = ToLower(text.substr(0, colon));
  std::string_view rest = text.substr(colon + 3);

  const size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    uri.has_fragment = true;
    rest = rest.substr(0, hash);
  }
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    uri.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    uri.host = std::string(authority.substr(0, close + 1));
    authority = authority.substr(close + 1);
    if (!authority.empty() && authority[0] != ':') return std::nullopt;
  } else {
    const size_t port_colon = authority.find(':');
    uri.host = std::string(authority.substr(0, port_colon));
    authority =
        port_colon == std::string_view::npos ? std::string_view() : authority.substr(port_colon);
  }
  if (uri.host.empty()) return std::nullopt;
  if (!authority.empty()) {  // ":port"
    std::string_view port = authority.substr(1);
    if (port.empty() || port.size() > 5) return std::nullopt;
    for (char c : port) {
      if (!IsDigit(c)) return std::nullopt;
    }
    if (std::stoi(std::string(port)) > 65535) return std::nullopt;
    uri.port = std::string(port);
  }
  const size_t question = rest.find('?');
  uri.path = std::string(rest.substr(0, question));
  if (question != std::string_view::npos) {
    uri.has_query = true;
    uri.query = std::string(rest.substr(question + 1));
  }
  return uri;
}

bool RedirectUriMatches(std::string_view registered, std::string_view given) {
  if (given.find('#') != std::string_view::npos) return false;
  if (registered == given) return true;
  auto reg = ParseUri(registered);
  auto got = ParseUri(given);
  if (!reg || !got) return false;
  // RFC 8252 §7.3: native apps listen on an ephemeral loopback port. Only IP literals and plain
  // http qualify, and everything but the port must still match exactly (case included).
  return reg->scheme == "http" && got->scheme == "http" && StartsWith(registered, "http://") &&
         StartsWith(given, "http://") && reg->IsLoopbackIpLiteral() && reg->host == got->host &&
         reg->userinfo.empty() && got->userinfo.empty() &&
         reg->PathAndQuery() == got->PathAndQuery();
}

std::string AppendQuery(std::string_view uri, const Form::Pairs& params) {
  std::string out(uri);
  if (params.empty()) return out;
  const bool has_query = out.find('?') != std::string::npos;
  if (!has_query) {
    out += '?';
  } else if (out.back() != '?' && out.back() != '&') {
    out += '&';
  }
  out += Form::Encode(params);
  return out;
}

}  // namespace chronapilot
