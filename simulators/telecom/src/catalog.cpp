#include "cgw/sim/telecom/catalog.hpp"

#include <algorithm>

namespace cgw::sim::telecom {

const std::vector<std::string>& segments() {
  // China Telecom's own segments. 162 and 1700-1702 are resold to MVNOs and
  // 1349/174x are satellite, so none of them appear here.
  static const std::vector<std::string> kSegments = {"133", "149", "153", "173", "177", "180",
                                                     "181", "189", "190", "191", "193", "199"};
  return kSegments;
}

const std::vector<Region>& regions() {
  static const std::vector<Region> kRegions = {
      {"广东", "广州"}, {"广东", "深圳"}, {"上海", "上海"}, {"江苏", "南京"}, {"浙江", "杭州"},
      {"四川", "成都"}, {"湖北", "武汉"}, {"福建", "福州"}, {"北京", "北京"}};
  return kRegions;
}

const std::vector<Plan>& plans() {
  static const std::vector<Plan> kPlans = {
      {"CT-XK-19", "电信星卡 19元", 1'900, 30'720, 0},
      {"CT-5G-CX-59", "5G畅享套餐 59元", 5'900, 40'960, 200},
      {"CT-5G-CX-129", "5G畅享套餐 129元", 12'900, 81'920, 500},
      {"CT-TY-199", "天翼尊享套餐 199元", 19'900, 153'600, 1'500},
      // The test plans are listed too: a partner that checks plan ids against
      // the catalogue (cgw does) accepts them.
      {std::string(kPlanReject), "Simulator test plan: the order fails", 0, 0, 0},
      {std::string(kPlanStuck), "Simulator test plan: the order never ends", 0, 0, 0},
      {std::string(kPlanNoCallback), "Simulator test plan: no callback", 0, 0, 0},
      {std::string(kPlanReturn), "Simulator test plan: the card comes back", 0, 0, 0},
      {std::string(kPlanEvents), "Simulator test plan: every fulfilment event", 0, 0, 0},
      {std::string(kPlanEventsOutOfOrder), "Simulator test plan: events out of order", 0, 0, 0}};
  return kPlans;
}

bool is_magic_plan(std::string_view code) {
  return code == kPlanReject || code == kPlanStuck || code == kPlanNoCallback ||
         code == kPlanReturn || code == kPlanEvents || code == kPlanEventsOutOfOrder;
}

bool plan_exists(std::string_view code) {
  return is_magic_plan(code) ||
         std::any_of(plans().begin(), plans().end(), [&](const Plan& p) { return p.code == code; });
}

}  // namespace cgw::sim::telecom
