// RES-3: an account's calendars, each from one provider connection.
#include "mock/api/api.h"
#include "mock/mock.h"
#include "mock/objects.h"

namespace chronapilot {

StatusOr<std::string> ListCalendars(const ApiCall& call) {
  auto params = ParseListParams(call.query);
  if (!params.ok()) return params.status();
  auto page = call.world.store.ListCalendars(call.caller.account_id, *params);
  if (!page.ok()) return page.status();
  return ListJson(*page,
                  [](std::string& out, const Calendar& c) { out += CalendarJson(c).dump(); });
}

StatusOr<std::string> GetCalendar(const ApiCall& call) {
  auto c = call.world.store.GetCalendar(call.caller.account_id, call.params[0]);
  if (!c.ok()) return c.status();
  return CalendarJson(*c).dump();
}

}  // namespace chronapilot
