// A collection in list order (SPEC RES-5: by `created`, then `id`) with lookup by id, so that a
// page after a cursor costs O(log n + limit) however many objects the collection holds.
//
// Thread safety: none of its own; the owner (Store) guards it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace chronapilot {

// T has `std::string id` and `int64_t created`.
template <typename T>
class OrderedIndex {
 public:
  using Key = std::pair<int64_t, std::string>;

  OrderedIndex() = default;
  // by_id_ points into ordered_'s nodes: a copy would point into the original.
  OrderedIndex(const OrderedIndex&) = delete;
  OrderedIndex& operator=(const OrderedIndex&) = delete;

  // False (and no change) when the id is taken.
  bool Insert(T value) {
    // The map's key is (created, id): the same id with another `created` is a new key there, so
    // the id must be checked here or it would be listed twice.
    if (by_id_.count(std::string_view(value.id)) > 0) return false;
    Key key{value.created, value.id};
    auto [it, inserted] = ordered_.emplace(std::move(key), std::move(value));
    if (!inserted) return false;
    // The view points into the map's node, which never moves while the element lives.
    by_id_.emplace(std::string_view(it->first.second), it);
    return true;
  }

  const T* Find(std::string_view id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second->second;
  }
  // Changing `id` or `created` through this pointer would break the index; callers don't.
  T* FindMutable(std::string_view id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &it->second->second;
  }

  bool Erase(std::string_view id) {
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return false;
    auto node = it->second;
    by_id_.erase(it);
    ordered_.erase(node);
    return true;
  }

  size_t size() const { return by_id_.size(); }

  struct Page {
    std::vector<const T*> items;
    bool has_more = false;
  };
  // Up to `limit` objects that `keep` accepts, starting after the object `after` ("" = from the
  // start). REQUIRES: `after` is "" or an id in this index.
  Page List(std::string_view after, size_t limit,
            const std::function<bool(const T&)>& keep = nullptr) const {
    Page page;
    auto it = ordered_.begin();
    if (!after.empty()) {
      auto found = by_id_.find(after);
      if (found != by_id_.end()) it = std::next(found->second);
    }
    for (; it != ordered_.end(); ++it) {
      if (keep && !keep(it->second)) continue;
      if (page.items.size() == limit) {
        page.has_more = true;
        break;
      }
      page.items.push_back(&it->second);
    }
    return page;
  }

  template <typename F>
  void ForEach(F&& f) const {
    for (const auto& [key, value] : ordered_) f(value);
  }

 private:
  using Map = std::map<Key, T>;
  Map ordered_;
  std::unordered_map<std::string_view, typename Map::iterator> by_id_;
};

}  // namespace chronapilot
