// The AVX-512 Swish pass (runtime/onednn/swish_step.h) against x / (1 + exp(-x)) in double precision, over
// the whole float range that matters (saturation on both sides) and lengths that are not multiples of 16;
// the Swish + int8 quantization pass against the definition's rounding, which it must equal away from ties.
#include "runtime/onednn/swish_step.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace qd::runtime::onednn {
namespace {

TEST(SwishPass, WithinAFewUlpOfTheDefinition) {
  // Needs the CPU's AVX-512 (not oneDNN's ISA: with ONEDNN_MAX_CPU_ISA=AVX2 it is tested, not used); without
  // it convs must keep oneDNN's swish post-op: no skip, CI allows none.
  if (!__builtin_cpu_supports("avx512f")) {
    EXPECT_FALSE(swish_pass_available());
    return;
  }
  for (int64_t n : {1, 15, 16, 17, 1000, 4099}) {
    std::vector<float> x(n);
    for (int64_t i = 0; i < n; ++i) x[i] = -120.f + 240.f * static_cast<float>(i) / static_cast<float>(n);
    if (n > 3) x[1] = 0.f, x[2] = -1e-30f, x[3] = 1e-3f;
    std::vector<float> y = x;
    swish_inplace(y.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double want = x[i] / (1.0 + std::exp(-static_cast<double>(x[i])));
      EXPECT_NEAR(y[i], want, 4e-7 * std::fabs(want) + 1e-36) << "x = " << x[i] << ", n = " << n;
    }
  }
}

TEST(SwishQuantizePass, QuantizesSwishAsTheDefinitionExceptAtTies) {
  // Needs the CPU's AVX-512 (not oneDNN's ISA: with ONEDNN_MAX_CPU_ISA=AVX2 it is tested, not used); without
  // it convs must keep oneDNN's swish post-op: no skip, CI allows none.
  if (!__builtin_cpu_supports("avx512f")) {
    EXPECT_FALSE(swish_pass_available());
    return;
  }
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> wide(-12.f, 12.f);
  int64_t near_ties = 0, checked = 0;
  for (float step : {0.05f, 0.0371f, 1.f, 3.f}) {
    for (int64_t n : {1, 15, 16, 17, 1000, 4099, 100000}) {
      std::vector<float> x(n);
      for (int64_t i = 0; i < n; ++i)
        x[i] = n > 5000 ? wide(rng) : -120.f + 240.f * static_cast<float>(i) / static_cast<float>(n);
      if (n > 5) x[1] = 0.f, x[2] = -1e-30f, x[3] = 1e-3f, x[4] = -1.2785f;
      std::vector<int8_t> q(n, 99);
      swish_quantize(x.data(), q.data(), n, step);
      for (int64_t i = 0; i < n; ++i) {
        // The definition in double: the exact quotient, its rounding half away from zero, clamped.
        const double v = x[i] / (1.0 + std::exp(-static_cast<double>(x[i]))) / step;
        const double want = std::clamp(std::round(v), -127.0, 127.0);
        const double tie_distance = std::fabs(std::fabs(v - std::trunc(v)) - 0.5);
        ++checked;
        if (std::fabs(v) < 128 && tie_distance < 2e-6 * std::fabs(v) + 1e-30) {  // may round either way
          ++near_ties;
          EXPECT_LE(std::fabs(q[i] - want), 1.0) << "x = " << x[i] << ", step = " << step;
        } else {
          EXPECT_EQ(static_cast<double>(q[i]), want)
              << "x = " << x[i] << ", step = " << step << ", n = " << n;
        }
      }
    }
  }
  EXPECT_LT(near_ties, checked / 10000) << "the exemption must stay rare";
}

}  // namespace
}  // namespace qd::runtime::onednn
