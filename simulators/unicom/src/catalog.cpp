#include "cgw/sim/unicom/catalog.hpp"

#include <algorithm>

namespace cgw::sim::unicom {

const std::vector<std::string>& segments() {
  static const std::vector<std::string> kSegments = {
      "130", "131", "132", "145", "146", "155", "156", "166", "175", "176", "185", "186", "196"};
  return kSegments;
}

const std::vector<Region>& regions() {
  // Weighted towards the north, where China Unicom is strongest.
  static const std::vector<Region> kRegions = {
      {"北京", "北京"}, {"天津", "天津"}, {"河北", "石家庄"}, {"山东", "济南"},
      {"山东", "青岛"}, {"河南", "郑州"}, {"辽宁", "沈阳"},   {"广东", "广州"}};
  return kRegions;
}

const std::vector<Product>& products() {
  static const std::vector<Product> kProducts = {
      {"UC-DWK-19", "大王卡 19元", 1'900, 40'960, 100},
      {"UC-5G-BJL-39", "5G冰激凌套餐 39元", 3'900, 30'720, 200},
      {"UC-5G-BJL-129", "5G冰激凌套餐 129元", 12'900, 61'440, 1'000},
      {"UC-WOJIA-199", "沃家融合套餐 199元", 19'900, 102'400, 2'000},
      // The test products are listed too: a partner that checks plan ids
      // against the catalogue (cgw does) accepts them.
      {std::string(kProductReject), "Simulator test product: the order fails", 0, 0, 0},
      {std::string(kProductStuck), "Simulator test product: the order never ends", 0, 0, 0}};
  return kProducts;
}

bool is_magic_product(std::string_view code) {
  return code == kProductReject || code == kProductStuck;
}

bool product_exists(std::string_view code) {
  return is_magic_product(code) || std::any_of(products().begin(), products().end(),
                                               [&](const Product& p) { return p.code == code; });
}

}  // namespace cgw::sim::unicom
