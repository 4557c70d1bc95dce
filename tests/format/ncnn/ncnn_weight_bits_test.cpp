#include "format/ncnn/ncnn_weight_bits.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <vector>

namespace qd::ncnn {
namespace {

int max_abs_one_by_one(const std::vector<int8_t>& q) {
  int m = 0;
  for (int8_t v : q) m = std::max(m, std::abs(static_cast<int>(v)));
  return m;
}

TEST(NcnnWeightBits, MaxAbsInt8IsTheLargestMagnitudeOnEitherSide) {
  EXPECT_EQ(max_abs_int8({}), 0);
  const std::vector<int8_t> negative_wins{3, -40, 31, 0}, positive_wins{-3, 40, -31}, low{-128, 127};
  EXPECT_EQ(max_abs_int8(negative_wins), 40);
  EXPECT_EQ(max_abs_int8(positive_wins), 40);
  EXPECT_EQ(max_abs_int8(low), 128);  // -128 is out of ncnn's [-127, 127]: it must show
  std::mt19937 rng(5);
  for (size_t n : {1u, 15u, 16u, 33u, 1000u, 4099u}) {  // vector bodies and tails
    for (int range : {31, 127, 128}) {
      std::vector<int8_t> q(n);
      for (int8_t& v : q) v = static_cast<int8_t>(static_cast<int>(rng() % (2 * range + 1)) - range);
      EXPECT_EQ(max_abs_int8(q), max_abs_one_by_one(q)) << n << " " << range;
    }
  }
}

}  // namespace
}  // namespace qd::ncnn
