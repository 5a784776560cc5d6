#include "mock/form.h"

#include <set>

#include "mock/text.h"

namespace chronapilot {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += char(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text, bool space_as_plus) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    if (IsUnreserved(c)) {
      out += c;
    } else if (c == ' ' && space_as_plus) {
      out += '+';
    } else {
      out += '%';
      out += kHex[uint8_t(c) >> 4];
      out += kHex[uint8_t(c) & 15];
    }
  }
  return out;
}

StatusOr<Form> Form::Parse(std::string_view encoded, std::string_view where) {
  Form form;
  size_t start = 0;
  while (start <= encoded.size()) {
    size_t end = encoded.find('&', start);
    if (end == std::string_view::npos) end = encoded.size();
    std::string_view piece = encoded.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    auto name = PercentDecode(piece.substr(0, eq), true);
    auto value = PercentDecode(
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1), true);
    if (!name || !value) {
      return Status::InvalidRequest("invalid_request",
                                    "malformed percent-encoding in the " + std::string(where));
    }
    if (!IsValidUtf8(*name) || !IsValidUtf8(*value)) {
      return Status::InvalidRequest(
          "invalid_request", "the " + std::string(where) + " is not valid UTF-8 after decoding",
          IsValidUtf8(*name) ? *name : "");
    }
    form.pairs_.emplace_back(std::move(*name), std::move(*value));
  }
  return form;
}

std::optional<std::string> Form::Get(std::string_view name) const {
  for (const auto& [k, v] : pairs_) {
    if (k == name && !v.empty()) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Form::GetAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : pairs_) {
    if (k == name && !v.empty()) out.push_back(v);
  }
  return out;
}

size_t Form::Count(std::string_view name) const {
  size_t n = 0;
  for (const auto& [k, v] : pairs_) n += (k == name && !v.empty());
  return n;
}

std::optional<std::string> Form::FirstRepeated() const {
  std::set<std::string_view> seen;
  for (const auto& [k, v] : pairs_) {
    if (v.empty()) continue;
    if (!seen.insert(k).second) return k;
  }
  return std::nullopt;
}

std::string Form::Encode(const Pairs& pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += '&';
    out += PercentEncode(k, true);
    out += '=';
    out += PercentEncode(v, true);
  }
  return out;
}

}  // namespace chronapilot
