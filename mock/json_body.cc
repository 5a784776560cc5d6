#include "mock/json_body.h"

#include "mock/text.h"

namespace chronapilot {
namespace {

// Deepest nesting of [ and { outside strings; stops counting past the limit.
int NestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

StatusOr<Json> ParseJsonObjectBody(const HttpRequest& req, bool allow_empty) {
  if (req.body.empty() && allow_empty) return Json::object();
  auto type = req.Header("Content-Type");
  const std::string media = type ? ToLower(Trim(type->substr(0, type->find(';')))) : "";
  if (media != "application/json") {
    return Status::UnsupportedMediaType(
        "the body must be JSON: send Content-Type: application/json" +
        (type ? " (got \"" + *type + "\")" : std::string()));
  }
  if (NestingDepth(req.body) > kMaxJsonDepth) {
    return Status::InvalidRequest(
        "invalid_json",
        "the JSON body is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  }
  Json parsed = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Status::InvalidRequest("invalid_json",
                                  "the body is not valid JSON (or not valid UTF-8)");
  }
  if (!parsed.is_object()) {
    return Status::InvalidRequest("invalid_json", "the body must be a JSON object");
  }
  return parsed;
}

Status RejectUnknownFields(const Json& object, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) {
      return Status::InvalidRequest("parameter_unknown",
                                    "unknown field \"" + key + "\" in the request body", key);
    }
  }
  return Status();
}

}  // namespace chronapilot
