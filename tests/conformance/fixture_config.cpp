// conformance_fixture: derives the two files a conformance run needs for one
// carrier from the demo configuration, so that adding a carrier to the run
// needs no files of its own (run_conformance.sh calls it):
//
//   conformance_fixture <carrier> <config dir> <out dir>
//
//   <out dir>/simulators.yaml  the carrier's entry of <config dir>/simulators.yaml,
//                              on 127.0.0.1:0, a small pool, a short activation
//                              delay and no injected faults
//   <out dir>/settings.yaml    carriers[id == carrier].settings of
//                              <config dir>/gateway.yaml
//
// Secret references ({file: ...}) are rewritten to absolute paths; their
// values are never read here.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace fs = std::filesystem;

namespace {

// {file: relative} -> {file: absolute}, anywhere in the tree.
void absolutize_file_refs(YAML::Node node, const fs::path& base) {
  if (node.IsMap()) {
    if (node.size() == 1 && node["file"] && node["file"].IsScalar()) {
      fs::path p = node["file"].as<std::string>();
      if (p.is_relative()) node["file"] = (base / p).lexically_normal().string();
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) absolutize_file_refs(it->second, base);
  } else if (node.IsSequence()) {
    for (auto child : node) absolutize_file_refs(child, base);
  }
}

YAML::Node find_by(const YAML::Node& list, const char* key, const std::string& value) {
  if (list.IsSequence())
    for (const auto& item : list)
      if (item.IsMap() && item[key] && item[key].IsScalar() && item[key].Scalar() == value)
        return YAML::Clone(item);
  return YAML::Node();
}

bool write(const fs::path& file, const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  std::ofstream f(file, std::ios::trunc);
  f << out.c_str() << "\n";
  return static_cast<bool>(f.flush());
}

int fail(const std::string& why) {
  std::cerr << "conformance_fixture: " << why << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fail("usage: conformance_fixture <carrier> <config dir> <out dir>");
  const std::string carrier = argv[1];
  const fs::path config_dir = fs::absolute(argv[2]);
  const fs::path out_dir = argv[3];
  try {
    const fs::path sims_file = config_dir / "simulators.yaml";
    YAML::Node sim = find_by(YAML::LoadFile(sims_file.string())["simulators"], "carrier", carrier);
    if (!sim) return fail(sims_file.string() + " has no simulator for carrier '" + carrier + "'");
    sim["listen"] = "127.0.0.1:0";
    const int64_t pool = sim["pool_size"] ? sim["pool_size"].as<int64_t>() : 20'000;
    sim["pool_size"] = std::min<int64_t>(pool, 2'000);  // a few inventory pages, quickly
    // Shipping comes at a third of the delay (docs/simulators-reference.md): a second
    // in which cancel.before_shipping's cancel must arrive, and polls every
    // 500 ms see each stage of the lifecycle.
    sim["activation_delay_ms"] = 3'000;
    // The first top-up soon after activation: activation.query waits for it
    // (lifecycle.forward), so it never lands between the balance checks.
    sim["first_topup_delay_ms"] = 500;
    sim.remove("faults");  // the run injects its own, one at a time
    absolutize_file_refs(sim, config_dir);
    YAML::Node sims;
    sims["threads"] = 2;
    sims["simulators"].push_back(sim);

    const fs::path gw_file = config_dir / "gateway.yaml";
    YAML::Node entry = find_by(YAML::LoadFile(gw_file.string())["carriers"], "id", carrier);
    if (!entry) return fail(gw_file.string() + " has no carrier '" + carrier + "'");
    YAML::Node settings =
        entry["settings"] ? YAML::Clone(entry["settings"]) : YAML::Node(YAML::NodeType::Map);
    absolutize_file_refs(settings, config_dir);

    if (!write(out_dir / "simulators.yaml", sims) || !write(out_dir / "settings.yaml", settings))
      return fail("cannot write into " + out_dir.string());
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return 0;
}
