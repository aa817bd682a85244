// Small helpers shared by the benchmark tools (tests/bench/): argument
// reading, latency percentiles, file limits, request templates.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cgw::bench {

// argv as (name, value) pairs: every option takes exactly one value.
class Args {
 public:
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a.rfind("--", 0) != 0 || i + 1 >= argc)
        throw std::invalid_argument("bad or incomplete option '" + a + "'");
      pairs_.emplace_back(a.substr(2), argv[++i]);
    }
  }
  std::vector<std::string> all(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : pairs_)
      if (k == name) out.push_back(v);
    return out;
  }
  std::string str(std::string_view name, std::string def = "") const {
    auto v = all(name);
    return v.empty() ? def : v.back();
  }
  double num(std::string_view name, double def) const {
    auto v = all(name);
    return v.empty() ? def : std::stod(v.back());
  }
  // Throws on an option not in `known`, so a typo never silently does nothing.
  void check(const std::vector<std::string_view>& known) const {
    for (const auto& [k, v] : pairs_)
      if (std::find(known.begin(), known.end(), k) == known.end())
        throw std::invalid_argument("unknown option --" + k);
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the new soft limit.
inline rlim_t raise_nofile() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// A template with {n} (the request's sequence number) and {num} (a value
// from a list, e.g. a phone number) placeholders, split once so expanding it
// per request is cheap.
class Template {
 public:
  Template() = default;
  explicit Template(std::string_view text) {
    std::string lit;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, 3, "{n}") == 0) {
        parts_.push_back({std::move(lit), 1});
        lit.clear();
        i += 3;
      } else if (text.compare(i, 5, "{num}") == 0) {
        parts_.push_back({std::move(lit), 2});
        lit.clear();
        i += 5;
      } else {
        lit += text[i++];
      }
    }
    parts_.push_back({std::move(lit), 0});
  }
  bool uses_num() const {
    return std::any_of(parts_.begin(), parts_.end(), [](const Part& p) { return p.hole == 2; });
  }
  void expand(std::string& out, uint64_t n, std::string_view num) const {
    for (const auto& p : parts_) {
      out += p.literal;
      if (p.hole == 1) out += std::to_string(n);
      if (p.hole == 2) out += num;
    }
  }
  std::string expand(uint64_t n, std::string_view num) const {
    std::string s;
    expand(s, n, num);
    return s;
  }

 private:
  struct Part {
    std::string literal;
    int hole;  // 0 none (last part), 1 {n}, 2 {num}
  };
  std::vector<Part> parts_;
};

struct Percentiles {
  uint64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
};

// Nearest-rank percentiles of latencies in microseconds (sorts `v`).
inline Percentiles percentiles(std::vector<uint32_t>& v) {
  Percentiles p;
  p.count = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    size_t rank = static_cast<size_t>(q * static_cast<double>(v.size()) + 0.999999);
    rank = std::clamp<size_t>(rank, 1, v.size());
    return static_cast<double>(v[rank - 1]);
  };
  double sum = 0;
  for (auto x : v) sum += x;
  p.mean = sum / static_cast<double>(v.size());
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = static_cast<double>(v.back());
  return p;
}

}  // namespace cgw::bench
