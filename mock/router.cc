#include "mock/router.h"

#include "mock/text.h"

namespace chronapilot {
namespace {

std::vector<std::string_view> PathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  Route route{std::move(method), {}, std::move(handler), options};
  for (std::string_view seg : PathSegments(pattern)) {
    route.segments.emplace_back(StartsWith(seg, "{") ? std::string("{}") : std::string(seg));
  }
  routes_.push_back(std::move(route));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  if (path.empty() || path[0] != '/') return match;
  const std::vector<std::string_view> segments = PathSegments(path);
  // HEAD is served by the GET endpoint (cpp-httplib drops the body).
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool same = true;
    for (size_t i = 0; i < segments.size() && same; ++i) {
      if (route.segments[i] == "{}") {
        same = !segments[i].empty();
        params.emplace_back(segments[i]);
      } else {
        same = route.segments[i] == segments[i];
      }
    }
    if (!same) continue;
    if (route.method == wanted) {
      match.result = Match::kFound;
      match.handler = &route.handler;
      match.options = route.options;
      match.params = std::move(params);
      return match;
    }
    match.result = Match::kMethodNotAllowed;
    if (match.allow.find(route.method) == std::string::npos) {
      match.allow += (match.allow.empty() ? "" : ", ") + route.method;
      if (route.method == "GET") match.allow += ", HEAD";  // served by the GET endpoint
    }
  }
  return match;
}

}  // namespace chronapilot
