// The REAL ncnn (../shared/ncnn-oracle/ncnn_oracle) on ncnn files written by a test. The oracle is part of
// every machine's ../shared: tests that need it fail, not skip, when it is missing.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "exporters/ncnn/read_text.h"

namespace qd::test {

inline std::string real_ncnn_oracle() {
  const char* env = std::getenv("QDEPLOY_SHARED_DIR");
  return std::string(env ? env : QDEPLOY_SHARED_DIR) + "/ncnn-oracle/ncnn_oracle";
}

// Runs param/bin in real ncnn on every image of x [N, C, H, W] (one at a time, 1 thread); returns the
// outputs back to back (empty and a test failure if ncnn failed). Scratch files go to `dir`.
inline std::vector<float> run_real_ncnn(const std::string& param, const std::string& bin, const Tensor& x,
                                        const std::filesystem::path& dir) {
  const std::string in = (dir / "x.f32").string(), out = (dir / "y.f32").string();
  std::ofstream(in, std::ios::binary).write(static_cast<const char*>(x.raw()), x.nbytes());
  std::filesystem::remove(out);
  const std::string cmd = "'" + real_ncnn_oracle() + "' run " + param + " " + bin + " --in " + in +
                          " --shape " + std::to_string(x.dim(1)) + "," + std::to_string(x.dim(2)) + "," +
                          std::to_string(x.dim(3)) + " --threads 1 --out " + out + " > " + out + ".log 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n" << read_text(out + ".log");
  std::ifstream f(out, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<float> y(bytes.size() / sizeof(float));
  std::memcpy(y.data(), bytes.data(), y.size() * sizeof(float));
  return y;
}

}  // namespace qd::test
