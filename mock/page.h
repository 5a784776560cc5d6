// Paging of SPEC RES-5, shared by every list: `limit` and `starting_after` in, a page out.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mock/ordered_index.h"
#include "mock/status.h"

namespace chronapilot {

struct ListParams {
  size_t limit = 20;           // 1-100
  std::string starting_after;  // an id of the same list, or ""
};

template <typename T>
struct Page {
  std::vector<T> data;
  bool has_more = false;
};

// RES-5: the answer to a starting_after that is not an object of the list.
inline Status CursorNotInList(const std::string& id) {
  return Status::InvalidRequest("resource_missing",
                                "starting_after '" + id + "' is not an object of this list",
                                "starting_after");
}

// One page of the objects of `index` that `keep` accepts, as copies; a 400 naming starting_after
// when the cursor is not in `index` (an index holds one owner's objects, so a foreign id is
// answered like a missing one, AUTH-5). The cursor itself need not pass `keep`: an event that
// moved out of a filter since the last page still marks the place to continue from.
template <typename T>
StatusOr<Page<T>> PageOf(const OrderedIndex<T>& index, const ListParams& params,
                         const std::function<bool(const T&)>& keep = nullptr) {
  if (!params.starting_after.empty() && !index.Find(params.starting_after)) {
    return CursorNotInList(params.starting_after);
  }
  auto page = index.List(params.starting_after, params.limit, keep);
  Page<T> out;
  out.has_more = page.has_more;
  out.data.reserve(page.items.size());
  for (const T* item : page.items) out.data.push_back(*item);
  return out;
}

}  // namespace chronapilot
