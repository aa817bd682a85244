// <cgw/paging.hpp>: page-number, offset and cursor paging behind the opaque
// cursor, with numbers removed and inserted between pages.
#include <cgw/paging.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace {

using namespace cgw::paging;

// A carrier listing sorted by number, served by offset.
std::vector<std::string> slice(const std::vector<std::string>& all, int64_t offset, int64_t limit) {
  if (offset >= static_cast<int64_t>(all.size())) return {};
  const auto end = std::min<int64_t>(static_cast<int64_t>(all.size()), offset + limit);
  return {all.begin() + offset, all.begin() + end};
}

std::vector<std::string> numbers(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("1380000" + std::to_string(1000 + i));
  return v;
}

TEST(Paging, OffsetPagingSurvivesRemovalsAndInsertionsBetweenPages) {
  std::vector<std::string> listing = numbers(25);
  const Pager pager(Mode::kOffset, 10, 3);
  std::string cursor;
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    const auto w = pager.window(cursor);
    ASSERT_TRUE(w);
    const auto keys = slice(listing, w->offset, w->limit);
    const bool more = w->offset + w->limit < static_cast<int64_t>(listing.size());
    const auto a = pager.accept(cursor, keys, more);
    EXPECT_FALSE(a.shifted);
    seen.insert(seen.end(), keys.begin() + static_cast<long>(a.skip), keys.end());
    if (page == 0) listing.erase(listing.begin() + 2, listing.begin() + 4);  // two sold
    if (page == 1) listing.insert(listing.begin(), "13800000000");           // one returned early
    if (!a.has_more) break;
    cursor = a.next_cursor;
  }
  // Every number that was listed all along came exactly once.
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size());
  for (const auto& n : numbers(25)) {
    if (std::find(listing.begin(), listing.end(), n) != listing.end()) {
      EXPECT_TRUE(unique.count(n)) << n;
    }
  }
}

TEST(Paging, OffsetPagingReportsAShiftBeyondTheOverlap) {
  std::vector<std::string> listing = numbers(30);
  const Pager pager(Mode::kOffset, 10, 2);
  const auto first = pager.accept("", slice(listing, 0, 10), true);
  listing.erase(listing.begin(), listing.begin() + 5);  // five sold before our position
  const auto w = pager.window(first.next_cursor);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->offset, 8);
  EXPECT_EQ(w->limit, 12);
  EXPECT_TRUE(pager.accept(first.next_cursor, slice(listing, w->offset, w->limit), true).shifted);
}

TEST(Paging, PageNumbersDropDuplicatesAndReportTotalChanges) {
  const Pager pager(Mode::kPageNumber, 2);
  const auto p1 = pager.accept("", {"a", "b"}, true, "", 6);
  EXPECT_EQ(pager.window(p1.next_cursor)->page_no, 2);
  // "z" was inserted before us: page 2 now starts with "b", handed out already.
  const auto p2 = pager.accept(p1.next_cursor, {"b", "c"}, true, "", 6);
  EXPECT_EQ(p2.skip, 1u);
  EXPECT_FALSE(p2.shifted);
  EXPECT_EQ(pager.window(p2.next_cursor)->page_no, 3);
  const auto p3 = pager.accept(p2.next_cursor, {"e", "f"}, false, "", 5);
  EXPECT_TRUE(p3.shifted);  // the total changed while we paged
  EXPECT_FALSE(p3.has_more);
  EXPECT_EQ(p3.next_cursor, "");
}

TEST(Paging, PageNumbersKeepThePageSizeOfThePass) {
  const auto first = Pager(Mode::kPageNumber, 50).accept("", numbers(50), true, "", 120);
  // The gateway asks for another size mid-pass: the pass keeps 50, so page
  // 2 starts right after the 50 numbers handed out.
  const auto w = Pager(Mode::kPageNumber, 10).window(first.next_cursor);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->page_no, 2);
  EXPECT_EQ(w->limit, 50);
}

TEST(Paging, CursorModePassesTheCarrierTokenThrough) {
  const Pager pager(Mode::kCursor, 100);
  EXPECT_EQ(pager.window("")->token, "");
  const auto a = pager.accept("", {"a"}, true, "carrier-token-2");
  EXPECT_EQ(a.skip, 0u);
  EXPECT_EQ(pager.window(a.next_cursor)->token, "carrier-token-2");
  EXPECT_EQ(pager.window(a.next_cursor)->limit, 100);
}

TEST(Paging, ForeignOrTamperedCursorsAreRefused) {
  const Pager pager(Mode::kOffset, 10);
  for (const char* bad : {"2:100", "p1.", "p1.!!!!", "p1.e30=", "p2.e30="})
    EXPECT_FALSE(pager.window(bad)) << bad;
  Position neg;
  neg.index = -5;
  EXPECT_FALSE(pager.window(Pager::encode(neg)));
}

}  // namespace
