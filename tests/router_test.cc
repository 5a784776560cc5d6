// mock/router.h: literal and {placeholder} routes, 404 versus 405 with an Allow list, HEAD served
// by GET. Handlers are plain functions so that a match can be told apart without calling them.
#include "mock/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chronapilot {
namespace {

using HandlerFn = HttpResponse (*)(RequestContext&);

HttpResponse ListEvents(RequestContext&) { return HttpResponse::Html(200, "list"); }
HttpResponse CreateEvent(RequestContext&) { return HttpResponse::Html(200, "create"); }
HttpResponse GetEvent(RequestContext&) { return HttpResponse::Html(200, "get"); }
HttpResponse UpdateEvent(RequestContext&) { return HttpResponse::Html(200, "update"); }
HttpResponse DeleteEvent(RequestContext&) { return HttpResponse::Html(200, "delete"); }
HttpResponse Healthz(RequestContext&) { return HttpResponse::Html(200, "ok"); }
HttpResponse Reset(RequestContext&) { return HttpResponse::Html(200, "reset"); }
HttpResponse Retry(RequestContext&) { return HttpResponse::Html(200, "retry"); }
HttpResponse Nested(RequestContext&) { return HttpResponse::Html(200, "nested"); }

// The function behind a match, or nullptr.
HandlerFn Target(const Router::Match& match) {
  if (match.handler == nullptr) return nullptr;
  const HandlerFn* fn = match.handler->target<HandlerFn>();
  return fn ? *fn : nullptr;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/v1/events", ListEvents);
    router_.Add("POST", "/v1/events", CreateEvent);
    router_.Add("GET", "/v1/events/{id}", GetEvent);
    router_.Add("POST", "/v1/events/{id}", UpdateEvent);
    router_.Add("DELETE", "/v1/events/{id}", DeleteEvent);
    router_.Add("GET", "/healthz", Healthz, RouteOptions{/*holds_world=*/false});
    router_.Add("POST", "/_mock/reset", Reset, RouteOptions{/*holds_world=*/false});
    router_.Add("POST", "/_mock/deliveries/{msg}/retry", Retry);
    router_.Add("GET", "/v1/accounts/{account}/calendars/{calendar}", Nested);
  }

  Router router_;
};

TEST_F(RouterTest, FindsALiteralRoute) {
  Router::Match match = router_.Find("GET", "/v1/events");
  EXPECT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Target(match), &ListEvents);
  EXPECT_TRUE(match.params.empty());
  EXPECT_EQ(match.allow, "");
}

TEST_F(RouterTest, PicksTheRouteForTheMethod) {
  EXPECT_EQ(Target(router_.Find("POST", "/v1/events")), &CreateEvent);
  EXPECT_EQ(Target(router_.Find("POST", "/v1/events/evt_1")), &UpdateEvent);
  EXPECT_EQ(Target(router_.Find("DELETE", "/v1/events/evt_1")), &DeleteEvent);
}

TEST_F(RouterTest, FillsAPlaceholder) {
  Router::Match match = router_.Find("GET", "/v1/events/evt_planning000001");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Target(match), &GetEvent);
  EXPECT_EQ(match.params, (std::vector<std::string>{"evt_planning000001"}));
}

TEST_F(RouterTest, FillsPlaceholdersInOrder) {
  Router::Match match = router_.Find("GET", "/v1/accounts/cpa_1/calendars/cal_2");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Target(match), &Nested);
  EXPECT_EQ(match.params, (std::vector<std::string>{"cpa_1", "cal_2"}));
}

TEST_F(RouterTest, PlaceholderBetweenLiterals) {
  Router::Match match = router_.Find("POST", "/_mock/deliveries/msg_7/retry");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Target(match), &Retry);
  EXPECT_EQ(match.params, (std::vector<std::string>{"msg_7"}));
}

TEST_F(RouterTest, PlaceholderValueIsTheRawSegment) {
  Router::Match match = router_.Find("GET", "/v1/events/evt%2F1");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(match.params, (std::vector<std::string>{"evt%2F1"}));
}

TEST_F(RouterTest, CarriesRouteOptions) {
  EXPECT_FALSE(router_.Find("POST", "/_mock/reset").options.holds_world);
  EXPECT_FALSE(router_.Find("GET", "/healthz").options.holds_world);
  EXPECT_TRUE(router_.Find("GET", "/v1/events").options.holds_world);
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  for (const char* path : {"/v1/nothing", "/v1", "/", "/v1/events/evt_1/extra", "/V1/events",
                           "/healthz/", "/healthzx", "/_mock/deliveries/msg_7"}) {
    Router::Match match = router_.Find("GET", path);
    EXPECT_EQ(match.result, Router::Match::kNotFound) << path;
    EXPECT_EQ(match.handler, nullptr) << path;
    EXPECT_EQ(match.allow, "") << path;
  }
}

TEST_F(RouterTest, PathWithoutLeadingSlashIsNotFound) {
  EXPECT_EQ(router_.Find("GET", "v1/events").result, Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("GET", "").result, Router::Match::kNotFound);
}

TEST_F(RouterTest, KnownPathWithOtherMethodIsMethodNotAllowed) {
  Router::Match match = router_.Find("PUT", "/v1/events");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allow, "GET, HEAD, POST");  // HEAD is served by the GET endpoint
}

TEST_F(RouterTest, AllowListsEveryMethodOfAPlaceholderRoute) {
  Router::Match match = router_.Find("PATCH", "/v1/events/evt_1");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, HEAD, POST, DELETE");
}

TEST_F(RouterTest, AllowForASingleMethod) {
  Router::Match match = router_.Find("GET", "/_mock/reset");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "POST");
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
  EXPECT_EQ(router_.Find("get", "/v1/events").result, Router::Match::kMethodNotAllowed);
}

TEST_F(RouterTest, HeadIsServedByGet) {
  Router::Match match = router_.Find("HEAD", "/v1/events/evt_1");
  ASSERT_EQ(match.result, Router::Match::kFound);
  EXPECT_EQ(Target(match), &GetEvent);
  EXPECT_EQ(match.params, (std::vector<std::string>{"evt_1"}));
}

TEST_F(RouterTest, HeadWithoutGetIsMethodNotAllowed) {
  Router::Match match = router_.Find("HEAD", "/_mock/reset");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "POST");
}

TEST_F(RouterTest, EmptySegmentDoesNotMatchAPlaceholder) {
  EXPECT_EQ(router_.Find("GET", "/v1/events/").result, Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("DELETE", "/v1/events/").result, Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("POST", "/_mock/deliveries//retry").result, Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/v1/accounts//calendars/cal_2").result, Router::Match::kNotFound);
}

TEST_F(RouterTest, DoubleSlashIsNotTheLiteralPath) {
  EXPECT_EQ(router_.Find("GET", "//v1/events").result, Router::Match::kNotFound);
  EXPECT_EQ(router_.Find("GET", "/v1//events").result, Router::Match::kNotFound);
}

TEST(Router, AllowNamesEachMethodOnce) {
  Router router;
  router.Add("GET", "/v1/things/{id}", ListEvents);
  router.Add("GET", "/v1/things/search", GetEvent);
  Router::Match match = router.Find("POST", "/v1/things/search");
  EXPECT_EQ(match.result, Router::Match::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, HEAD");
}

TEST(Router, FirstAddedRouteWinsWhenTwoMatch) {
  Router router;
  router.Add("GET", "/v1/things/search", GetEvent);
  router.Add("GET", "/v1/things/{id}", ListEvents);
  EXPECT_EQ(Target(router.Find("GET", "/v1/things/search")), &GetEvent);
  EXPECT_EQ(Target(router.Find("GET", "/v1/things/thg_1")), &ListEvents);
}

TEST(Router, EmptyRouterFindsNothing) {
  Router router;
  EXPECT_EQ(router.Find("GET", "/").result, Router::Match::kNotFound);
}

}  // namespace
}  // namespace chronapilot
