// A whole file as a string, for the ncnn writer tests that compare written .param/.table text.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace qd::test {

inline std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace qd::test
