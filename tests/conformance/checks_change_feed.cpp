// The change feed of inventory.sync (docs/sdk.md section 10.2), which the
// gateway's incremental sync reads between full syncs: a full listing gives
// a change position; a number held through the plugin comes back from the
// changes since that position, in its new state, with a newer position;
// the changes since the newest position are none; the release comes back
// the same way.
#include "suite.hpp"

#include <map>
#include <set>

namespace cgw::conformance {

namespace {

constexpr int64_t kPageSize = 500;
constexpr int kMaxPages = 200;

const char* const kChecks[] = {"inventory.changes.cursor", "inventory.changes.reserved",
                               "inventory.changes.none", "inventory.changes.released"};

// Inputs are built outside the coroutines (GCC 12, see suite.hpp).
json::object listing_input() {
  return json::object{{"cursor", ""}, {"page_size", kPageSize}};
}
json::object changes_input(const std::string& since) {
  return json::object{{"cursor", ""}, {"page_size", kPageSize}, {"since", since}};
}

struct Changes {
  std::map<std::string, NumberState> status;  // msisdn -> its status, as last listed
  std::string cursor;                         // where the feed goes on
  std::string problem;
};

// Follows the feed from `since` until has_more is false, the way the
// gateway's incremental sync does.
asio::awaitable<Changes> read_changes(Suite& suite, std::string since) {
  Changes out;
  out.cursor = since;
  for (int pages = 1;; ++pages) {
    if (pages > kMaxPages) {
      out.problem = "has_more still true after " + std::to_string(kMaxPages) + " pages";
      break;
    }
    auto o = co_await run_op(suite, *suite.carrier, op::kInventorySync, changes_input(out.cursor));
    const std::string at = "since \"" + out.cursor + "\": ";
    std::string why;
    auto page = typed<InventorySyncOutput>(o, why);
    if (!page) {
      out.problem = at + why;
      break;
    }
    if (page->change_cursor.empty()) {
      out.problem = at + "change_cursor is empty (the gateway would fall back to full syncs)";
      break;
    }
    std::set<std::string> on_page;
    for (const auto& item : page->items) {
      if (!on_page.insert(item.msisdn).second) {
        out.problem = at + item.msisdn + " is listed twice on one page";
        break;
      }
      out.status[item.msisdn] = item.status;
    }
    if (!out.problem.empty()) break;
    if (page->has_more && page->change_cursor == out.cursor) {
      out.problem = at + "has_more is true but change_cursor did not advance";
      break;
    }
    out.cursor = page->change_cursor;
    if (!page->has_more) break;
  }
  co_return out;
}

// "" when `changes` lists `msisdn` as `want` at a position other than `from`.
std::string expect_change(const Changes& changes, const std::string& from,
                          const std::string& msisdn, NumberState want) {
  if (!changes.problem.empty()) return changes.problem;
  auto it = changes.status.find(msisdn);
  if (it == changes.status.end())
    return "the changes since \"" + from + "\" do not list " + msisdn + " (" +
           std::to_string(changes.status.size()) + " numbers listed)";
  if (it->second != want)
    return "the changes since \"" + from + "\" list " + msisdn + " as " +
           std::string(wire_name(it->second)) + ", not " + std::string(wire_name(want));
  if (changes.cursor == from)
    return "change_cursor stayed \"" + from + "\" after a change (the next sync would repeat it)";
  return {};
}

}  // namespace

Awaitable check_change_feed(Suite& suite) {
  auto skip_all = [&](size_t from, const std::string& why) {
    for (size_t i = from; i < std::size(kChecks); ++i) suite.runner.skip(kChecks[i], why);
  };
  if (!suite.has(CGW_CAP_INVENTORY_SYNC)) {
    for (const char* c : kChecks)
      suite.runner.not_applicable(c, "the plugin declares no CGW_CAP_INVENTORY_SYNC");
    co_return;
  }

  // The change position as of the first page of a full listing.
  auto first = co_await run_op(suite, *suite.carrier, op::kInventorySync, listing_input());
  std::string why;
  auto listing = typed<InventorySyncOutput>(first, why);
  if (!listing) {
    suite.runner.fail(kChecks[0], "the first page of a full listing: " + why);
    skip_all(1, "needs inventory.changes.cursor");
    co_return;
  }
  const std::string start = listing->change_cursor;
  if (start.empty()) {
    skip_all(0,
             "change_cursor is empty on the first page of a full listing: no change feed, the "
             "gateway runs full syncs only");
    co_return;
  }
  suite.runner.pass(kChecks[0], "a full listing starts at change position \"" + start + "\"");

  if (!suite.has(CGW_CAP_RESERVE)) {
    // Nothing this kit can change at the carrier through the plugin.
    for (size_t i = 1; i < std::size(kChecks); ++i)
      suite.runner.not_applicable(kChecks[i],
                                  "the plugin declares no CGW_CAP_RESERVE: no change to make");
    co_return;
  }
  co_await check_inventory(suite);
  if (suite.available.empty()) {
    suite.runner.fail(kChecks[1], "no available number to hold: " + suite.inventory_problem);
    skip_all(2, "needs inventory.changes.reserved");
    co_return;
  }
  // The last one: the number.* and activation checks take theirs from the front.
  const std::string msisdn = suite.available.back();
  auto held = co_await hold_number(suite, msisdn, why);
  if (!held) {
    suite.runner.fail(kChecks[1], "number.reserve " + msisdn + ": " + why);
    skip_all(2, "needs inventory.changes.reserved");
    co_return;
  }

  const Changes after_hold = co_await read_changes(suite, start);
  const std::string held_problem = expect_change(after_hold, start, msisdn, NumberState::reserved);
  suite.runner.verdict(kChecks[1], held_problem,
                       msisdn + " held: the changes since \"" + start + "\" list it reserved (" +
                           std::to_string(after_hold.status.size()) +
                           " numbers), the feed goes on at \"" + after_hold.cursor + "\"");
  if (!held_problem.empty()) {
    skip_all(2, "needs inventory.changes.reserved");
    co_await release_hold(suite, msisdn, held->carrier_reservation_id);
    co_return;
  }

  const Changes none = co_await read_changes(suite, after_hold.cursor);
  std::string none_problem = none.problem;
  if (none_problem.empty() && !none.status.empty())
    none_problem = "the changes since the newest position \"" + after_hold.cursor + "\" list " +
                   std::to_string(none.status.size()) + " numbers (the first " +
                   none.status.begin()->first + "), none expected";
  suite.runner.verdict(kChecks[2], none_problem,
                       "nothing changed since \"" + after_hold.cursor + "\": no numbers listed");

  co_await release_hold(suite, msisdn, held->carrier_reservation_id);
  const Changes after_release = co_await read_changes(suite, after_hold.cursor);
  suite.runner.verdict(
      kChecks[3], expect_change(after_release, after_hold.cursor, msisdn, NumberState::available),
      msisdn + " released: the changes since \"" + after_hold.cursor +
          "\" list it available again");
}

}  // namespace cgw::conformance
