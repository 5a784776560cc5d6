// mock/journal.h: the request journal of SPEC CTRL-3: bounded, ordered by a sequence number that
// is never reused, and filterable.
#include "mock/journal.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace chronapilot {
namespace {

JournalEntry Entry(std::string method, std::string path, int status = 200) {
  JournalEntry e;
  e.method = std::move(method);
  e.path = std::move(path);
  e.status = status;
  return e;
}

std::vector<uint64_t> Seqs(const std::vector<JournalEntry>& entries) {
  std::vector<uint64_t> out;
  for (const auto& e : entries) out.push_back(e.seq);
  return out;
}

std::vector<std::string> Paths(const std::vector<JournalEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.method + " " + e.path);
  return out;
}

// A journal holding, in order: seq 1..6.
class JournalTest : public ::testing::Test {
 protected:
  JournalTest() : journal_(100) {
    journal_.Record(Entry("GET", "/oauth/authorize"));            // 1
    journal_.Record(Entry("POST", "/oauth/authorize/decision"));  // 2
    journal_.Record(Entry("POST", "/oauth/token"));               // 3
    journal_.Record(Entry("GET", "/v1/events"));                  // 4
    journal_.Record(Entry("POST", "/oauth/token", 400));          // 5
    journal_.Record(Entry("GET", "/v1/events/evt_1"));            // 6
  }

  Journal journal_;
};

// CTRL-3
TEST_F(JournalTest, RecordsInArrivalOrderWithSequenceNumbers) {
  std::vector<JournalEntry> all = journal_.Find({});
  EXPECT_EQ(Seqs(all), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(all[4].status, 400);
  EXPECT_EQ(all[0].path, "/oauth/authorize");
}

TEST_F(JournalTest, RecordOverwritesACallerSuppliedSeq) {
  JournalEntry e = Entry("GET", "/x");
  e.seq = 999;
  journal_.Record(e);
  EXPECT_EQ(journal_.Find({}).back().seq, 7u);
}

// CTRL-3
TEST_F(JournalTest, FiltersByMethod) {
  JournalFilter filter;
  filter.method = "POST";
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{2, 3, 5}));
  filter.method = "DELETE";
  EXPECT_TRUE(journal_.Find(filter).empty());
}

// CTRL-3
TEST_F(JournalTest, FiltersByExactPath) {
  JournalFilter filter;
  filter.path = "/oauth/token";
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{3, 5}));
  filter.path = "/oauth/authorize";  // not the /decision entry
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{1}));
  filter.path = "/v1";
  EXPECT_TRUE(journal_.Find(filter).empty());
}

// CTRL-3
TEST_F(JournalTest, FiltersByPathPrefix) {
  JournalFilter filter;
  filter.path_prefix = "/oauth/";
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{1, 2, 3, 5}));
  filter.path_prefix = "/v1/events/";
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{6}));
}

// CTRL-3
TEST_F(JournalTest, FiltersBySequence) {
  JournalFilter filter;
  filter.after_seq = 4;
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{5, 6}));
  filter.after_seq = 6;
  EXPECT_TRUE(journal_.Find(filter).empty());
}

// CTRL-3: the newest `limit` matches, still oldest first.
TEST_F(JournalTest, LimitKeepsTheNewestMatches) {
  JournalFilter filter;
  filter.limit = 2;
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{5, 6}));
  filter.limit = 100;
  EXPECT_EQ(journal_.Find(filter).size(), 6u);
}

TEST_F(JournalTest, CombinesFilters) {
  JournalFilter filter;
  filter.method = "POST";
  filter.path_prefix = "/oauth/";
  filter.after_seq = 2;
  filter.limit = 1;
  EXPECT_EQ(Paths(journal_.Find(filter)), (std::vector<std::string>{"POST /oauth/token"}));
  EXPECT_EQ(journal_.Find(filter).front().seq, 5u);
}

// CTRL-3: DELETE clears it.
TEST_F(JournalTest, ClearRemovesEverythingAndSaysHowMuch) {
  EXPECT_EQ(journal_.Clear(), 6u);
  EXPECT_TRUE(journal_.Find({}).empty());
  EXPECT_EQ(journal_.Clear(), 0u);
}

// CTRL-3: a client polling with after_seq never sees a number twice.
TEST_F(JournalTest, SequenceKeepsGrowingAfterClear) {
  journal_.Clear();
  journal_.Record(Entry("GET", "/v1/calendars"));
  std::vector<JournalEntry> all = journal_.Find({});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].seq, 7u);
  JournalFilter filter;
  filter.after_seq = 6;
  EXPECT_EQ(Seqs(journal_.Find(filter)), (std::vector<uint64_t>{7}));
}

// CTRL-3: keeps only the newest entries.
TEST(Journal, CapacityDropsTheOldestFirst) {
  Journal journal(3);
  for (int i = 0; i < 5; ++i) journal.Record(Entry("GET", "/v1/events/" + std::to_string(i)));
  std::vector<JournalEntry> all = journal.Find({});
  EXPECT_EQ(Seqs(all), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(all.front().path, "/v1/events/2");
  EXPECT_EQ(all.back().path, "/v1/events/4");
}

TEST(Journal, CapacityOneKeepsTheLatest) {
  Journal journal(1);
  journal.Record(Entry("GET", "/a"));
  journal.Record(Entry("GET", "/b"));
  EXPECT_EQ(Paths(journal.Find({})), (std::vector<std::string>{"GET /b"}));
}

TEST(Journal, CapacityZeroKeepsNothing) {
  Journal journal(0);
  journal.Record(Entry("GET", "/a"));
  EXPECT_TRUE(journal.Find({}).empty());
  EXPECT_EQ(journal.Clear(), 0u);
}

// Thread safety: concurrent Record() calls each get their own seq.
TEST(Journal, ConcurrentRecordsGetDistinctSequenceNumbers) {
  constexpr int kThreads = 8, kPerThread = 500;
  Journal journal(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&journal] {
      for (int i = 0; i < kPerThread; ++i) journal.Record(Entry("GET", "/v1/events"));
    });
  }
  for (auto& t : threads) t.join();
  std::vector<JournalEntry> all = journal.Find({});
  ASSERT_EQ(all.size(), size_t(kThreads * kPerThread));
  std::set<uint64_t> seqs;
  for (const auto& e : all) seqs.insert(e.seq);
  EXPECT_EQ(seqs.size(), all.size());
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), uint64_t(kThreads * kPerThread));
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);
}

// CTRL-3: the journal keeps what the client sent, secrets included (masking is for logs only).
TEST(JournalEntry, ToJsonCarriesEveryField) {
  JournalEntry e = Entry("POST", "/oauth/token", 200);
  e.seq = 42;
  e.time = 1796634000;
  e.request_id = "req_abc";
  e.query = "a=1";
  e.headers = {{"Authorization", "Basic Y2xpOnNlY3JldA=="}, {"Content-Type", "x"}};
  e.body = "grant_type=authorization_code";
  e.response_body = "{}";
  e.duration_ms = 1.5;
  Json j = e.ToJson();
  EXPECT_EQ(j["seq"], 42);
  EXPECT_EQ(j["time"], 1796634000);
  EXPECT_EQ(j["request_id"], "req_abc");
  EXPECT_EQ(j["method"], "POST");
  EXPECT_EQ(j["path"], "/oauth/token");
  EXPECT_EQ(j["query"], "a=1");
  EXPECT_EQ(j["headers"], Json::parse(R"([["Authorization", "Basic Y2xpOnNlY3JldA=="],
                                          ["Content-Type", "x"]])"));
  EXPECT_EQ(j["body"], "grant_type=authorization_code");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["response_body"], "{}");
  EXPECT_EQ(j["duration_ms"], 1.5);
}

// Bodies are cut to the journal's limits, and the cut is flagged for request bodies.
TEST(Journal, CutsBodiesToTheirLimits) {
  Journal journal(10);
  JournalEntry big = Entry("POST", "/v1/events");
  big.body = std::string(kJournalMaxRequestBody + 10, 'b');
  big.response_body = std::string(kJournalMaxResponseBody * 50, 'r');
  journal.Record(big);
  JournalEntry small = Entry("POST", "/v1/events");
  small.body = "{}";
  journal.Record(small);
  auto entries = journal.Find({});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].body.size(), kJournalMaxRequestBody);
  EXPECT_TRUE(entries[0].body_truncated);
  EXPECT_EQ(entries[0].response_body.size(), kJournalMaxResponseBody);
  EXPECT_FALSE(entries[1].body_truncated);
}

// The byte cap counts what entries hold, so a flood of big requests cannot grow it past the cap:
// 16 MiB holds about 250 entries of 64 KiB, not 10,000.
TEST(Journal, ByteCapBoundsEntriesOfBigBodies) {
  Journal journal(10000);
  for (int i = 0; i < 600; ++i) {
    JournalEntry e = Entry("POST", "/v1/events");
    e.body = std::string(kJournalMaxRequestBody * 2, 'x');
    journal.Record(e);
  }
  const size_t kept = journal.Find({}).size();
  EXPECT_LE(kept * kJournalMaxRequestBody, kJournalMaxBytes);
  EXPECT_GE(kept, 200u);
}

}  // namespace
}  // namespace chronapilot
