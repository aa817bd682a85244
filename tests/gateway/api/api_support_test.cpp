// Pieces of the API's request path written for speed: the JSON string
// writer against boost::json, and the batched access log.
#include "api/support.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

namespace cgw::gw {
namespace {

std::string as_json(std::string_view s) {
  std::string out;
  api::append_json_string(out, s);
  return out;
}

TEST(JsonString, EscapesLikeBoostJson) {
  for (int b = 0; b < 256; ++b) {
    const std::string one(1, static_cast<char>(b));
    EXPECT_EQ(as_json(one), boost::json::serialize(boost::json::string(one))) << b;
  }
  std::mt19937_64 gen(5);
  const std::string alphabet = std::string("ab\"\\\n\t\x01\x1f\x7f 北京", 15) + "北京";
  for (int i = 0; i < 500; ++i) {
    std::string s;
    for (size_t n = gen() % 20; n > 0; --n) s.push_back(alphabet[gen() % alphabet.size()]);
    EXPECT_EQ(as_json(s), boost::json::serialize(boost::json::string(s)));
  }
  EXPECT_EQ(as_json(""), "\"\"");
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(AccessLog, WritesEveryLineInOrderInTheDefaultFormat) {
  FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const int fd = ::fileno(file);
  {
    auto log = api::make_access_log(fd, std::chrono::milliseconds(20));
    EXPECT_EQ(log->name(), spdlog::default_logger()->name());
    for (int i = 0; i < 2000; ++i) log->info("http line={}", i);  // more than one batch
  }
  ASSERT_EQ(::lseek(fd, 0, SEEK_SET), 0);
  const std::string text = read_all(fd);
  std::fclose(file);
  size_t at = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string want =
        " info " + spdlog::default_logger()->name() + " http line=" + std::to_string(i) + "\n";
    auto next = text.find(want, at);
    ASSERT_NE(next, std::string::npos) << i;
    // "2026-01-02T03:04:05.678Z" before each line.
    const auto line_start =
        text.rfind('\n', next) == std::string::npos ? 0 : text.rfind('\n', next) + 1;
    ASSERT_EQ(next - line_start, 24u) << text.substr(line_start, next - line_start);
    EXPECT_EQ(text[line_start + 10], 'T');
    EXPECT_EQ(text[line_start + 23], 'Z');
    at = next + want.size();
  }
  EXPECT_EQ(at, text.size());
}

TEST(AccessLog, ALineAppearsWithinTheInterval) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto log = api::make_access_log(fds[1], std::chrono::milliseconds(20));
  log->info("http one");
  std::string got;
  char buf[256];
  const auto n = ::read(fds[0], buf, sizeof buf);  // blocks until the writer thread writes
  ASSERT_GT(n, 0);
  got.assign(buf, static_cast<size_t>(n));
  EXPECT_NE(got.find("http one\n"), std::string::npos);
  log.reset();
  ::close(fds[1]);
  ::close(fds[0]);
}

TEST(AccessLog, FollowsTheDefaultLoggersLevel) {
  const auto before = spdlog::default_logger()->level();
  spdlog::default_logger()->set_level(spdlog::level::warn);
  auto log = api::make_access_log(-1);
  EXPECT_FALSE(log->should_log(spdlog::level::info));
  spdlog::default_logger()->set_level(before);
}

}  // namespace
}  // namespace cgw::gw
