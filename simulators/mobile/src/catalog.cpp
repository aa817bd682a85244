#include "cgw/sim/mobile/catalog.hpp"

#include <algorithm>

namespace cgw::sim::mobile {

const std::vector<std::string>& segments() {
  // 134 is China Mobile only for 1340-1348 (1349 is satellite).
  static const std::vector<std::string> kSegments = {
      "1340", "1341", "1342", "1343", "1344", "1345", "1346", "1347", "1348", "135", "136",
      "137",  "138",  "139",  "147",  "148",  "150",  "151",  "152",  "157",  "158", "159",
      "172",  "178",  "182",  "183",  "184",  "187",  "188",  "195",  "197",  "198"};
  return kSegments;
}

const std::vector<Region>& regions() {
  static const std::vector<Region> kRegions = {{"北京", "北京"}, {"上海", "上海"}, {"广东", "广州"},
                                               {"广东", "深圳"}, {"浙江", "杭州"}, {"四川", "成都"},
                                               {"江苏", "南京"}, {"湖北", "武汉"}};
  return kRegions;
}

const std::vector<Plan>& plans() {
  static const std::vector<Plan> kPlans = {
      {"MB-DGDD-19", "动感地带芒果卡 19元", 1'900, 30'720, 0},
      {"MB-5G-ZX-59", "5G智享套餐 59元", 5'900, 30'720, 100},
      {"MB-5G-ZX-129", "5G智享套餐 129元", 12'900, 61'440, 500},
      {"MB-QQT-188", "全球通尊享套餐 188元", 18'800, 102'400, 1'000},
      // The test plans are listed too: a partner that checks plan ids against
      // the catalogue (cgw does) accepts them.
      {std::string(kPlanReject), "Simulator test plan: the order fails", 0, 0, 0},
      {std::string(kPlanStuck), "Simulator test plan: the order never ends", 0, 0, 0},
      {std::string(kPlanNoCallback), "Simulator test plan: no callback", 0, 0, 0},
      {std::string(kPlanReturned), "Simulator test plan: the card comes back undelivered", 0, 0, 0},
      {std::string(kPlanEvents), "Simulator test plan: every fulfilment event", 0, 0, 0},
      {std::string(kPlanEventsOutOfOrder), "Simulator test plan: events out of order", 0, 0, 0}};
  return kPlans;
}

bool is_magic_plan(std::string_view code) {
  return code == kPlanReject || code == kPlanStuck || code == kPlanNoCallback ||
         code == kPlanReturned || code == kPlanEvents || code == kPlanEventsOutOfOrder;
}

bool plan_exists(std::string_view code) {
  return is_magic_plan(code) ||
         std::any_of(plans().begin(), plans().end(), [&](const Plan& p) { return p.code == code; });
}

}  // namespace cgw::sim::mobile
