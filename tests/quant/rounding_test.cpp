#include "quant/rounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace qd::quant {
namespace {

TEST(Rounding, HalfAwayFromZero) {
  EXPECT_EQ(quantize_symmetric(2.5f, 1.f), 3);
  EXPECT_EQ(quantize_symmetric(-2.5f, 1.f), -3);
  EXPECT_EQ(quantize_symmetric(0.5f, 1.f), 1);
  EXPECT_EQ(quantize_symmetric(-0.5f, 1.f), -1);
  EXPECT_EQ(quantize_symmetric(1.49f, 1.f), 1);
  EXPECT_EQ(quantize_symmetric(-1.51f, 1.f), -2);
  EXPECT_EQ(quantize_symmetric(0.f, 0.1f), 0);
  // x / step: 0.75 / 0.5 = 1.5 -> 2
  EXPECT_EQ(quantize_symmetric(0.75f, 0.5f), 2);
}

TEST(Rounding, ClampsSymmetricallyNeverMinus128) {
  EXPECT_EQ(quantize_symmetric(1000.f, 1.f), 127);
  EXPECT_EQ(quantize_symmetric(-1000.f, 1.f), -127);
  EXPECT_EQ(quantize_symmetric(-127.5f, 1.f), -127);  // rounds to -128, clamped
  EXPECT_EQ(quantize_symmetric(-128.f, 1.f), -127);
  EXPECT_EQ(quantize_symmetric(127.4f, 1.f), 127);
  EXPECT_EQ(quantize_symmetric(std::numeric_limits<float>::infinity(), 1.f), 127);
  EXPECT_EQ(quantize_symmetric(-std::numeric_limits<float>::infinity(), 1.f), -127);
  EXPECT_EQ(quantize_symmetric(std::nanf(""), 1.f), 0);
}

TEST(Rounding, NBitGrids) {
  EXPECT_EQ(qmax_for_bits(8), 127);
  EXPECT_EQ(qmax_for_bits(6), 31);
  EXPECT_EQ(qmax_for_bits(4), 7);
  EXPECT_EQ(quantize_symmetric_bits(100.f, 1.f, 6), 31);
  EXPECT_EQ(quantize_symmetric_bits(-100.f, 1.f, 6), -31);
  EXPECT_EQ(quantize_symmetric_bits(-100.f, 1.f, 4), -7);
  EXPECT_EQ(quantize_symmetric_bits(6.5f, 1.f, 4), 7);
  EXPECT_EQ(quantize_symmetric_bits(-5.5f, 1.f, 4), -6);
}

TEST(Rounding, MultiplierVariantMatchesOnPlainValues) {
  EXPECT_EQ(quantize_symmetric_multiplier(2.5f, 1.f), 3);
  EXPECT_EQ(quantize_symmetric_multiplier(-0.3f, 10.f), -3);
  EXPECT_EQ(quantize_symmetric_multiplier(-300.f, 10.f), -127);
  EXPECT_FLOAT_EQ(dequantize_symmetric(-3, 0.5f), -1.5f);
}

TEST(Rounding, StepFromThresholdIsAlwaysFinite) {
  EXPECT_FLOAT_EQ(step_from_threshold(1.27f, 127), 0.01f);
  EXPECT_FLOAT_EQ(step_from_threshold(3.1f, 31), 0.1f);
  EXPECT_EQ(step_from_threshold(0.f, 127), 1.f);
  EXPECT_EQ(step_from_threshold(1e-30f, 127), 1.f);
  EXPECT_EQ(step_from_threshold(-2.f, 127), 1.f);
  EXPECT_EQ(step_from_threshold(std::nanf(""), 127), 1.f);
  EXPECT_TRUE(std::isfinite(1.f / step_from_threshold(0.f, 127)));
}

}  // namespace
}  // namespace qd::quant
