// Paging adapters: a carrier's page-number, offset or cursor paging behind
// the SDK's opaque inventory cursor (InventorySyncInput::cursor /
// InventorySyncOutput::next_cursor).
//
// Numbers are sold and returned while a pass runs, so positions shift
// between two pages. The adapter keeps the key (msisdn) of the last number
// it handed out in the cursor and, for offset paging, re-reads `overlap`
// numbers before the position it expects:
//  - numbers inserted before the position push the last key forward: the
//    ones up to it are dropped as already delivered (no duplicates);
//  - numbers removed before the position pull it back: the overlap still
//    contains it, so nothing is skipped, as long as fewer than `overlap`
//    went away between two pages. If more did, the last key is not in the
//    window and the page says `shifted`: numbers may have been skipped, and
//    the plugin should fail the page as retryable (or restart the pass).
// Page-number paging cannot overlap (the carrier cuts the pages), so it
// drops duplicates the same way and reports `shifted` when the carrier's
// total changed since the pass began. Cursor paging passes the carrier's
// token through: positions cannot shift under a server-side cursor.
#pragma once

#include <cgw/crypto.hpp>
#include <cgw/types.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::paging {

enum class Mode { kPageNumber, kOffset, kCursor };

// Where the next page starts. Opaque to the gateway.
struct Position {
  int64_t index = 0;     // numbers handed out so far (page-number / offset)
  std::string token;     // the carrier's cursor (cursor mode)
  std::string last_key;  // the last number handed out
  int64_t total = -1;    // the carrier's total when the pass began, -1 unknown
  // The page size of the pass (page-number mode), 0 before the first page:
  // pages cut with another size would not line up with `index`.
  int64_t size = 0;
};

// The request to make for a position.
struct Window {
  int64_t page_no = 1;  // page-number mode, from 1
  int64_t offset = 0;   // offset mode
  int64_t limit = 0;    // numbers to ask for
  std::string token;    // cursor mode ("" = from the start)
};

// What to do with a page the carrier sent.
struct Accepted {
  size_t skip = 0;  // drop this many leading items: delivered already
  std::string next_cursor;
  bool has_more = false;
  bool shifted = false;  // numbers may have been skipped (see above)
};

class Pager {
 public:
  Pager(Mode mode, int64_t page_size, int64_t overlap = 0)
      : mode_(mode),
        size_(std::max<int64_t>(page_size, 1)),
        overlap_(std::max<int64_t>(overlap, 0)) {}

  // The window for an opaque cursor ("" = the first page); nullopt for a
  // cursor this adapter did not make.
  std::optional<Window> window(std::string_view cursor) const {
    auto pos = decode(cursor);
    if (!pos) return std::nullopt;
    Window w;
    w.limit = size_;
    if (mode_ == Mode::kCursor) {
      w.token = pos->token;
    } else if (mode_ == Mode::kPageNumber) {
      // The pass keeps the page size it began with, whatever is asked now.
      if (pos->size > 0) w.limit = pos->size;
      w.page_no = pos->index / w.limit + 1;
    } else {
      w.offset = pos->last_key.empty() ? pos->index : std::max<int64_t>(0, pos->index - overlap_);
      w.limit = size_ + (pos->index - w.offset);
    }
    return w;
  }

  // `keys`: the page's numbers in the carrier's order. `carrier_more`:
  // whether the carrier says more follow; `token`: its next cursor (cursor
  // mode); `total`: its count of the whole listing, -1 when it gives none.
  Accepted accept(std::string_view cursor, const std::vector<std::string>& keys, bool carrier_more,
                  std::string_view token = {}, int64_t total = -1) const {
    Position pos = decode(cursor).value_or(Position{});
    Accepted a;
    if (!pos.last_key.empty() && mode_ != Mode::kCursor) {
      const auto it = std::find(keys.begin(), keys.end(), pos.last_key);
      if (it != keys.end()) {
        a.skip = static_cast<size_t>(it - keys.begin()) + 1;
      } else if (mode_ == Mode::kOffset && pos.index > 0 && overlap_ > 0) {
        a.shifted = true;  // more than `overlap` numbers went away before us
      }
    }
    if (pos.total < 0) pos.total = total;
    if (mode_ == Mode::kPageNumber && total >= 0 && pos.total >= 0 && total != pos.total)
      a.shifted = true;
    const int64_t fresh = static_cast<int64_t>(keys.size() - std::min(a.skip, keys.size()));
    const Window w = window(cursor).value_or(Window{});
    // Positions in the listing as it is now: the end of the page we read.
    if (mode_ == Mode::kPageNumber) {
      pos.size = w.limit;
      pos.index = w.page_no * w.limit;
    } else
      pos.index = w.offset + static_cast<int64_t>(keys.size());
    if (fresh > 0) pos.last_key = keys.back();
    pos.token = std::string(token);
    a.has_more = carrier_more;
    if (a.has_more) a.next_cursor = encode(pos);
    return a;
  }

  // "p1." + base64 of the position's JSON. Clients never parse it.
  static std::string encode(const Position& p) {
    json::object o{{"i", p.index}, {"k", p.last_key}, {"t", p.token}, {"n", p.total}};
    if (p.size > 0) o["s"] = p.size;
    return "p1." + crypto::base64(json::serialize(o));
  }
  static std::optional<Position> decode(std::string_view cursor) {
    if (cursor.empty()) return Position{};
    if (!cursor.starts_with("p1.")) return std::nullopt;
    const auto raw = crypto::unbase64(cursor.substr(3));
    if (!raw) return std::nullopt;
    boost::system::error_code ec;
    const json::value v = json::parse(*raw, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const json::value *i = o ? o->if_contains("i") : nullptr,
                      *k = o ? o->if_contains("k") : nullptr;
    const json::value *t = o ? o->if_contains("t") : nullptr,
                      *n = o ? o->if_contains("n") : nullptr;
    const json::value* s = o ? o->if_contains("s") : nullptr;
    if (!i || !i->is_int64() || i->get_int64() < 0 || !k || !k->is_string() || !t ||
        !t->is_string() || !n || !n->is_int64() || (s && (!s->is_int64() || s->get_int64() < 1)))
      return std::nullopt;
    return Position{i->get_int64(), std::string(t->get_string()), std::string(k->get_string()),
                    n->get_int64(), s ? s->get_int64() : 0};
  }

 private:
  Mode mode_;
  int64_t size_;
  int64_t overlap_;
};

}  // namespace cgw::paging
