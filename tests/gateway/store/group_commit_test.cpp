// GroupCommit (store/group_commit.hpp) on its own: one fsync covers every
// commit counted when it starts, and a waiter is always answered, by a
// flush or by stop().
#include "store/sqlite/group_commit.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

using namespace cgw::gw;
namespace asio = boost::asio;

namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("cgw_group_commit_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(path_) << "wal";
  }
  void TearDown() override { std::filesystem::remove(path_); }

  // Starts a wait for `seq`; its answer lands in `out` when the io_context runs.
  void wait_for(GroupCommit& gc, uint64_t seq, std::optional<bool>& out) {
    asio::co_spawn(
        ioc_, [&gc, seq, &out]() -> asio::awaitable<void> { out = co_await gc.durable(seq); },
        asio::detached);
  }
  // Runs the io_context until `done` holds, for at most 10 s (a bound, not
  // a timing assertion).
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      ioc_.restart();
      ioc_.run_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  std::filesystem::path path_;
  asio::io_context ioc_;
};

}  // namespace

// The flush a waiter for commit 4 causes covers commit 10 too (counted when
// the flush starts): a later wait for 9 is answered without another fsync.
TEST_F(GroupCommitTest, OneFlushCoversEveryEarlierCommit) {
  std::atomic<uint64_t> commits{0};
  GroupCommit gc([&] { return commits.load(); });
  ASSERT_EQ(gc.start(path_.string()), "");
  commits = 10;
  std::optional<bool> first;
  wait_for(gc, 4, first);
  ASSERT_TRUE(run_until([&] { return first.has_value(); }));
  EXPECT_TRUE(*first);
  const auto flushes = gc.flushes();
  EXPECT_GE(flushes, 1u);
  std::optional<bool> second;
  wait_for(gc, 9, second);
  ASSERT_TRUE(run_until([&] { return second.has_value(); }));
  EXPECT_TRUE(*second);
  EXPECT_EQ(gc.flushes(), flushes);  // answered from the earlier flush
  gc.stop();
}

// Several writers waiting at once are all released, each once a flush
// covers its commit.
TEST_F(GroupCommitTest, EveryWaitingWriterIsReleased) {
  std::atomic<uint64_t> commits{0};
  GroupCommit gc([&] { return commits.load(); });
  ASSERT_EQ(gc.start(path_.string()), "");
  std::vector<std::optional<bool>> answers(8);
  for (size_t i = 0; i < answers.size(); ++i) {
    commits = i + 1;
    wait_for(gc, i + 1, answers[i]);
  }
  ASSERT_TRUE(run_until([&] {
    for (const auto& a : answers)
      if (!a) return false;
    return true;
  }));
  for (const auto& a : answers) EXPECT_TRUE(*a);
  EXPECT_LE(gc.flushes(), answers.size());
  gc.stop();
}

// A writer waiting for a commit no flush has covered yet is released by
// stop() (shutdown), not left suspended; later waits answer at once.
TEST_F(GroupCommitTest, StopReleasesAWaitingWriter) {
  std::atomic<uint64_t> commits{0};
  std::atomic<bool> hold{true};
  // The flush thread reads the counter; while `hold` is set it reports no
  // commit, so the waiter for commit 1 cannot be covered by any flush.
  GroupCommit gc([&] { return hold ? uint64_t{0} : commits.load(); });
  ASSERT_EQ(gc.start(path_.string()), "");
  commits = 1;
  std::optional<bool> answer;
  wait_for(gc, 1, answer);
  ioc_.run_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(answer.has_value());  // nothing covers commit 1 yet
  std::thread stopper([&] { gc.stop(); });
  ASSERT_TRUE(run_until([&] { return answer.has_value(); }));
  stopper.join();
  std::optional<bool> later;
  wait_for(gc, 2, later);
  ASSERT_TRUE(run_until([&] { return later.has_value(); }));
}

// committed() is answered by the commit round alone: no flush is made for it.
// poke() makes a round run with nobody waiting.
TEST_F(GroupCommitTest, CommittedNeedsNoFlushAndPokeCommits) {
  std::atomic<uint64_t> commits{0};
  std::atomic<int> rounds{0};
  GroupCommit gc([&] {
    ++rounds;
    return commits.load();
  });
  ASSERT_EQ(gc.start(path_.string()), "");
  const auto flushes = gc.flushes();
  commits = 3;
  std::optional<bool> answer;
  asio::co_spawn(
      ioc_, [&]() -> asio::awaitable<void> { answer = co_await gc.committed(3); }, asio::detached);
  ASSERT_TRUE(run_until([&] { return answer.has_value(); }));
  EXPECT_TRUE(*answer);
  EXPECT_EQ(gc.flushes(), flushes);
  const int before = rounds.load();
  commits = 4;
  gc.poke();
  ASSERT_TRUE(run_until([&] { return rounds.load() > before; }));
  EXPECT_EQ(gc.flushes(), flushes);  // a poke commits; it does not flush
  gc.stop();
  EXPECT_GE(gc.flushes(), flushes);
}
