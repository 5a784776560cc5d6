// OrderedIndex (mock/ordered_index.h): list order by (created, id), lookup by id, and pages after
// a cursor that cost O(limit) however large the collection (SPEC RES-5).
#include "mock/ordered_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace chronapilot {
namespace {

struct Item {
  std::string id;
  int64_t created = 0;
  std::string payload;
};

static_assert(!std::is_copy_constructible_v<OrderedIndex<Item>>,
              "a copy would point into the original's nodes");

std::vector<std::string> Ids(const OrderedIndex<Item>::Page& page) {
  std::vector<std::string> ids;
  for (const Item* item : page.items) ids.push_back(item->id);
  return ids;
}

std::vector<std::string> AllIds(const OrderedIndex<Item>& index) {
  std::vector<std::string> ids;
  index.ForEach([&](const Item& item) { ids.push_back(item.id); });
  return ids;
}

// "i000" … "i<n-1>", created one second apart.
void Fill(OrderedIndex<Item>& index, int n) {
  for (int i = 0; i < n; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "i%06d", i);
    ASSERT_TRUE(index.Insert({id, 1000 + i, ""}));
  }
}

// RES-5
TEST(OrderedIndex, ListsByCreatedThenId) {
  OrderedIndex<Item> index;
  // Inserted out of order; ties on `created` are broken by id, and `created` beats id.
  ASSERT_TRUE(index.Insert({"evt_c", 200, ""}));
  ASSERT_TRUE(index.Insert({"evt_z", 100, ""}));
  ASSERT_TRUE(index.Insert({"evt_a", 200, ""}));
  ASSERT_TRUE(index.Insert({"evt_B", 200, ""}));  // 'B' < 'a' < 'c' bytewise
  ASSERT_TRUE(index.Insert({"evt_y", 300, ""}));
  ASSERT_TRUE(index.Insert({"evt_0", 300, ""}));
  const std::vector<std::string> expected = {"evt_z", "evt_B", "evt_a", "evt_c", "evt_0", "evt_y"};
  EXPECT_EQ(Ids(index.List("", 100)), expected);
  EXPECT_EQ(AllIds(index), expected);
  EXPECT_EQ(index.size(), 6u);
}

// RES-5
TEST(OrderedIndex, FindReturnsTheObjectAndNullForUnknownIds) {
  OrderedIndex<Item> index;
  ASSERT_TRUE(index.Insert({"a", 1, "first"}));
  ASSERT_TRUE(index.Insert({"b", 2, "second"}));
  ASSERT_NE(index.Find("a"), nullptr);
  EXPECT_EQ(index.Find("a")->payload, "first");
  EXPECT_EQ(index.Find("b")->created, 2);
  EXPECT_EQ(index.Find("c"), nullptr);
  EXPECT_EQ(index.Find(""), nullptr);
  EXPECT_EQ(index.FindMutable("c"), nullptr);
  // A change through FindMutable is what Find and List see.
  index.FindMutable("b")->payload = "changed";
  EXPECT_EQ(index.Find("b")->payload, "changed");
  EXPECT_EQ(index.List("a", 1).items.at(0)->payload, "changed");
}

// RES-5
TEST(OrderedIndex, InsertRefusesATakenIdAndChangesNothing) {
  OrderedIndex<Item> index;
  ASSERT_TRUE(index.Insert({"a", 1, "original"}));
  ASSERT_TRUE(index.Insert({"b", 2, ""}));
  EXPECT_FALSE(index.Insert({"a", 1, "same key"}));
  EXPECT_FALSE(index.Insert({"a", 5, "other created"}));
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.Find("a")->payload, "original");
  EXPECT_EQ(index.Find("a")->created, 1);
  EXPECT_EQ(Ids(index.List("", 10)), (std::vector<std::string>{"a", "b"}));
  // After an erase no ghost of a refused insert is left behind.
  EXPECT_TRUE(index.Erase("a"));
  EXPECT_EQ(Ids(index.List("", 10)), (std::vector<std::string>{"b"}));
  EXPECT_EQ(AllIds(index), (std::vector<std::string>{"b"}));
}

// RES-5
TEST(OrderedIndex, EraseRemovesFromLookupAndList) {
  OrderedIndex<Item> index;
  Fill(index, 5);
  EXPECT_TRUE(index.Erase("i000002"));
  EXPECT_FALSE(index.Erase("i000002"));
  EXPECT_FALSE(index.Erase("nope"));
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.Find("i000002"), nullptr);
  EXPECT_EQ(Ids(index.List("", 10)),
            (std::vector<std::string>{"i000000", "i000001", "i000003", "i000004"}));
  // The neighbours of the erased one still work as cursors.
  EXPECT_EQ(Ids(index.List("i000001", 1)), std::vector<std::string>{"i000003"});
  // The id can be used again, and takes its place by its new `created`.
  EXPECT_TRUE(index.Insert({"i000002", 9999, ""}));
  EXPECT_EQ(Ids(index.List("i000004", 10)), std::vector<std::string>{"i000002"});
  // Erasing everything leaves an empty list.
  for (const std::string& id : AllIds(index)) EXPECT_TRUE(index.Erase(id));
  EXPECT_EQ(index.size(), 0u);
  auto empty = index.List("", 10);
  EXPECT_TRUE(empty.items.empty());
  EXPECT_FALSE(empty.has_more);
}

// RES-5
TEST(OrderedIndex, ListAfterACursorPagesWithHasMore) {
  OrderedIndex<Item> index;
  Fill(index, 7);
  auto first = index.List("", 3);
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"i000000", "i000001", "i000002"}));
  EXPECT_TRUE(first.has_more);
  auto second = index.List("i000002", 3);
  EXPECT_EQ(Ids(second), (std::vector<std::string>{"i000003", "i000004", "i000005"}));
  EXPECT_TRUE(second.has_more);
  auto third = index.List("i000005", 3);
  EXPECT_EQ(Ids(third), std::vector<std::string>{"i000006"});
  EXPECT_FALSE(third.has_more);
  // A page that ends exactly at the last object has nothing more.
  auto exact = index.List("i000003", 3);
  EXPECT_EQ(Ids(exact), (std::vector<std::string>{"i000004", "i000005", "i000006"}));
  EXPECT_FALSE(exact.has_more);
  auto whole = index.List("", 7);
  EXPECT_EQ(whole.items.size(), 7u);
  EXPECT_FALSE(whole.has_more);
  // After the last object: empty, no more.
  auto after_last = index.List("i000006", 3);
  EXPECT_TRUE(after_last.items.empty());
  EXPECT_FALSE(after_last.has_more);
}

// RES-5
TEST(OrderedIndex, ListWithAFilterKeepsOnlyMatchesAndHasMoreCountsMatchesOnly) {
  OrderedIndex<Item> index;
  Fill(index, 10);
  auto even = [](const Item& item) { return (item.created - 1000) % 2 == 0; };
  auto first = index.List("", 2, even);
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"i000000", "i000002"}));
  EXPECT_TRUE(first.has_more);
  // The cursor itself need not match the filter.
  auto after_odd = index.List("i000003", 2, even);
  EXPECT_EQ(Ids(after_odd), (std::vector<std::string>{"i000004", "i000006"}));
  EXPECT_TRUE(after_odd.has_more);
  auto last = index.List("i000006", 2, even);
  EXPECT_EQ(Ids(last), std::vector<std::string>{"i000008"});
  EXPECT_FALSE(last.has_more);
  // Non-matching objects after the page's last match do not make has_more true.
  auto below_nine = [](const Item& item) { return item.created < 1009 && item.created >= 1007; };
  auto page = index.List("", 2, below_nine);
  EXPECT_EQ(Ids(page), (std::vector<std::string>{"i000007", "i000008"}));
  EXPECT_FALSE(page.has_more);
  auto none = index.List("", 5, [](const Item&) { return false; });
  EXPECT_TRUE(none.items.empty());
  EXPECT_FALSE(none.has_more);
}

// RES-5: a page looks at `limit` objects (plus one, to know has_more), wherever the cursor is.
TEST(OrderedIndex, PageCostsLimitNotCollectionSize) {
  OrderedIndex<Item> index;
  Fill(index, 100000);
  for (const std::string cursor : {"", "i000000", "i050000", "i099980"}) {
    size_t calls = 0;
    std::vector<std::string> seen;
    auto page = index.List(cursor, 10, [&](const Item& item) {
      ++calls;
      seen.push_back(item.id);
      return true;
    });
    EXPECT_EQ(page.items.size(), 10u) << cursor;
    EXPECT_TRUE(page.has_more) << cursor;
    EXPECT_EQ(calls, 11u) << cursor;  // the 11th says there is more
    // The first object examined is the one right after the cursor: no scan from the start.
    char expected[16];
    const int first = cursor[0] ? std::stoi(std::string(cursor).substr(1)) + 1 : 0;
    std::snprintf(expected, sizeof expected, "i%06d", first);
    EXPECT_EQ(seen.front(), expected) << cursor;
  }
  // The last page stops at the end.
  size_t calls = 0;
  auto tail = index.List("i099995", 10, [&](const Item&) {
    ++calls;
    return true;
  });
  EXPECT_EQ(tail.items.size(), 4u);
  EXPECT_FALSE(tail.has_more);
  EXPECT_EQ(calls, 4u);
}

// RES-5: random inserts, erases and pages agree with a sorted reference model.
TEST(OrderedIndex, AgreesWithASortedReferenceUnderRandomOperations) {
  std::mt19937 rng(20261204);
  OrderedIndex<Item> index;
  std::set<std::pair<int64_t, std::string>> model;
  std::vector<std::string> live;
  for (int op = 0; op < 20000; ++op) {
    const int kind = rng() % 10;
    if (kind < 5 || live.empty()) {
      // Few distinct `created` values, so ties are common.
      Item item{"x" + std::to_string(rng() % 5000), int64_t(rng() % 50), ""};
      const bool taken = std::find(live.begin(), live.end(), item.id) != live.end();
      ASSERT_EQ(index.Insert(item), !taken) << item.id;
      if (!taken) {
        model.insert({item.created, item.id});
        live.push_back(item.id);
      }
    } else if (kind < 8) {
      const size_t at = rng() % live.size();
      ASSERT_TRUE(index.Erase(live[at]));
      for (auto it = model.begin(); it != model.end(); ++it) {
        if (it->second == live[at]) {
          model.erase(it);
          break;
        }
      }
      live.erase(live.begin() + long(at));
    } else {
      // A page after a random live cursor (or from the start).
      const bool from_start = live.empty() || rng() % 4 == 0;
      const std::string cursor = from_start ? "" : live[rng() % live.size()];
      const size_t limit = 1 + rng() % 20;
      auto it = model.begin();
      if (!cursor.empty()) {
        it = std::find_if(model.begin(), model.end(),
                          [&](const auto& key) { return key.second == cursor; });
        ++it;
      }
      std::vector<std::string> expected;
      for (; it != model.end() && expected.size() < limit; ++it) expected.push_back(it->second);
      const bool more = it != model.end();
      auto page = index.List(cursor, limit);
      ASSERT_EQ(Ids(page), expected) << "after '" << cursor << "' limit " << limit;
      ASSERT_EQ(page.has_more, more);
    }
    ASSERT_EQ(index.size(), model.size());
  }
  std::vector<std::string> all;
  for (const auto& key : model) all.push_back(key.second);
  EXPECT_EQ(AllIds(index), all);
}

}  // namespace
}  // namespace chronapilot
