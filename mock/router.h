// Maps (method, path) to an endpoint. Patterns are literal segments and `{name}` placeholders
// ("/v1/events/{id}"), matched segment by segment; a path that exists under other methods is a
// 405 with an Allow header rather than a 404. cpp-httplib's own regex routes are not used, so
// that 404/405 and their JSON bodies are decided here.
//
// Thread safety: routes are added before serving; Find() is const and safe from any thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mock/http.h"

namespace chronapilot {

struct RequestContext;  // mock.h

struct RouteOptions {
  // Endpoints that do not touch the world (clock, journal) or replace it themselves (reset)
  // run without holding it.
  bool holds_world = true;
};

class Router {
 public:
  using Handler = std::function<HttpResponse(RequestContext&)>;

  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  struct Match {
    enum Result { kFound, kNotFound, kMethodNotAllowed } result = kNotFound;
    const Handler* handler = nullptr;
    RouteOptions options;
    std::vector<std::string> params;  // the {placeholder} values, in order
    std::string allow;                // for 405: "GET, POST"
  };
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" marks a placeholder
    Handler handler;
    RouteOptions options;
  };
  std::vector<Route> routes_;
};

}  // namespace chronapilot
