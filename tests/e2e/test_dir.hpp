// The working directory of an end-to-end suite: fresh at the start, removed
// after a passing run, kept (and named on stderr) after a failing one.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

namespace cgw::test {

inline std::filesystem::path fresh_test_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / (name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void finish_test_dir(const std::filesystem::path& dir) {
  if (::testing::UnitTest::GetInstance()->failed_test_count() == 0)
    std::filesystem::remove_all(dir);
  else
    std::cerr << "test files kept in " << dir << "\n";
}

}  // namespace cgw::test
