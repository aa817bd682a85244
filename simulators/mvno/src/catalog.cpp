#include "cgw/sim/mvno/catalog.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace cgw::sim::mvno {

namespace {

// Every MVNO segment of domain.md with its host network. A longest-prefix
// table, not regexes: "1700" (Telecom) and "1703" (Mobile) share "170".
constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kSegments{{
    {"1700", "CTCC"},
    {"1701", "CTCC"},
    {"1702", "CTCC"},
    {"1703", "CMCC"},
    {"1704", "CUCC"},
    {"1705", "CMCC"},
    {"1706", "CMCC"},
    {"1707", "CUCC"},
    {"1708", "CUCC"},
    {"1709", "CUCC"},
    {"171", "CUCC"},
    {"162", "CTCC"},
    {"165", "CMCC"},
    {"167", "CUCC"},
}};

}  // namespace

const std::vector<std::string>& segments() {
  static const std::vector<std::string> kPrefixes = [] {
    std::vector<std::string> out;
    for (const auto& [prefix, network] : kSegments) out.emplace_back(prefix);
    return out;
  }();
  return kPrefixes;
}

std::optional<std::string_view> host_network_of(std::string_view number) {
  if (number.size() != 11 ||
      !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::optional<std::string_view> best;
  size_t best_len = 0;
  for (const auto& [prefix, network] : kSegments)
    if (prefix.size() > best_len && number.starts_with(prefix)) {
      best = network;
      best_len = prefix.size();
    }
  return best;
}

const std::vector<Region>& regions() {
  static const std::vector<Region> kRegions = {{"北京", "北京"}, {"上海", "上海"}, {"广东", "广州"},
                                               {"广东", "深圳"}, {"福建", "厦门"}, {"重庆", "重庆"},
                                               {"陕西", "西安"}, {"山东", "济南"}};
  return kRegions;
}

const std::vector<Product>& products() {
  static const std::vector<Product> kProducts = {
      {"MV-170-CHAT-8", "170 畅聊卡 8元", 800, 1'024, 100},
      {"MV-171-DATA-29", "171 流量王 29元", 2'900, 40'960, 0},
      {"MV-162-5G-39", "162 5G 通用卡 39元", 3'900, 30'720, 200},
      {"MV-165-FAMILY-59", "165 亲情融合卡 59元", 5'900, 51'200, 500},
      // The test products are listed too: a partner that checks plan ids
      // against the catalogue (cgw does) accepts them.
      {std::string(kProductReject), "Simulator test product: the order fails", 0, 0, 0},
      {std::string(kProductStuck), "Simulator test product: the order never ends", 0, 0, 0},
      {std::string(kProductNoCallback), "Simulator test product: no callback", 0, 0, 0},
      {std::string(kProductReturn), "Simulator test product: the card comes back", 0, 0, 0},
      {std::string(kProductEvents), "Simulator test product: every fulfilment event", 0, 0, 0},
      {std::string(kProductEventsOutOfOrder), "Simulator test product: events out of order", 0, 0,
       0}};
  return kProducts;
}

bool is_magic_product(std::string_view code) {
  return code == kProductReject || code == kProductStuck || code == kProductNoCallback ||
         code == kProductReturn || code == kProductEvents || code == kProductEventsOutOfOrder;
}

bool product_exists(std::string_view code) {
  return is_magic_product(code) || std::any_of(products().begin(), products().end(),
                                               [&](const Product& p) { return p.code == code; });
}

}  // namespace cgw::sim::mvno
