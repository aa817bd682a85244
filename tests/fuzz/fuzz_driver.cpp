// A bounded, seeded fuzz run for builds without libFuzzer (the default g++
// build and CI): runs every input of the seed corpus through the target,
// then `--runs` mutations of them (bit flips, byte changes, insertions,
// deletions, truncations, spliced chunks). A finding is a crash or an
// abort, which fails the run; the input that caused it is written first
// to ./fuzz-crash-input so it can be replayed.
//
// Usage: fuzz_<target> [--runs N] [--seed S] [--max-len N] CORPUS_DIR|FILE...
// With -DCGW_FUZZ=ON under clang the same targets build against libFuzzer
// instead (docs/security.md).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
void run_one(const std::string& input) {
  {
    std::ofstream f("fuzz-crash-input", std::ios::binary | std::ios::trunc);
    f << input;
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

std::string mutate(std::string s, std::mt19937_64& rng, const std::vector<std::string>& corpus,
                   size_t max_len) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 6) {
      case 0:  // flip a bit
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // set a byte, often to an interesting value
        if (!s.empty()) {
          static const char kInteresting[] = {
              0,   '"', '\\', '<', '>',  '{', '}',
              '[', ']', ':',  ',', '\n', '&', static_cast<char>(0xff)};
          s[pick(s.size())] =
              rng() % 2 ? kInteresting[rng() % sizeof kInteresting] : static_cast<char>(rng());
        }
        break;
      case 2:  // insert bytes
        s.insert(pick(s.size() + 1), std::string(1 + rng() % 8, static_cast<char>(rng())));
        break;
      case 3:  // delete a range
        if (!s.empty()) {
          size_t at = pick(s.size());
          s.erase(at, 1 + pick(s.size() - at));
        }
        break;
      case 4:  // truncate
        s.resize(pick(s.size() + 1));
        break;
      default: {  // splice a chunk of another input
        const auto& other = corpus[pick(corpus.size())];
        if (!other.empty()) {
          size_t from = pick(other.size());
          s.insert(pick(s.size() + 1), other.substr(from, 1 + pick(other.size() - from)));
        }
      }
    }
  }
  if (s.size() > max_len) s.resize(max_len);
  return s;
}
}  // namespace

int main(int argc, char** argv) {
  uint64_t runs = 1000, seed = 1;
  size_t max_len = 64 * 1024;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--runs" || a == "--seed" || a == "--max-len") && i + 1 < argc) {
      const uint64_t v = std::stoull(argv[++i]);
      (a == "--runs" ? runs : a == "--seed" ? seed : max_len) = v;
      continue;
    }
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(a)) {
      for (const auto& f : std::filesystem::directory_iterator(a)) files.push_back(f.path());
    } else {
      files.emplace_back(a);
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        std::cerr << "cannot read " << f << "\n";
        return 2;
      }
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) {
    std::cerr << "usage: " << argv[0] << " [--runs N] [--seed S] [--max-len N] CORPUS...\n";
    return 2;
  }
  std::sort(corpus.begin(), corpus.end());  // directory order is not stable
  std::mt19937_64 rng(seed);
  for (const auto& c : corpus) run_one(c);
  for (uint64_t r = 0; r < runs; ++r)
    run_one(mutate(corpus[rng() % corpus.size()], rng, corpus, max_len));
  std::filesystem::remove("fuzz-crash-input");
  std::cout << argv[0] << ": " << corpus.size() << " corpus inputs and " << runs
            << " mutations (seed " << seed << "), no crash\n";
  return 0;
}
