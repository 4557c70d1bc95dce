// The AVX-512 Swish pass (runtime/onednn/swish_step.h) against x / (1 + exp(-x)) in double precision, over
// the whole float range that matters (saturation on both sides) and lengths that are not multiples of 16;
// the Swish + int8 quantization pass against the reference's quantization of the Swish pass's values.
#include "runtime/onednn/swish_step.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "runtime/ref/int8.h"

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

TEST(SwishQuantizePass, QuantizesTheSwishValuesAsTheReference) {
  // Needs the CPU's AVX-512 (not oneDNN's ISA: with ONEDNN_MAX_CPU_ISA=AVX2 it is tested, not used); without
  // it convs must keep oneDNN's swish post-op: no skip, CI allows none.
  if (!__builtin_cpu_supports("avx512f")) {
    EXPECT_FALSE(swish_pass_available());
    return;
  }
  for (float step : {0.05f, 0.0371f, 1.f}) {
    for (int64_t n : {1, 15, 16, 17, 1000, 4099}) {
      std::vector<float> x(n);
      for (int64_t i = 0; i < n; ++i) x[i] = -120.f + 240.f * static_cast<float>(i) / static_cast<float>(n);
      if (n > 5) x[1] = 0.f, x[2] = -1e-30f, x[3] = 1e-3f, x[4] = -1.2785f;
      std::vector<float> sw = x;
      swish_inplace(sw.data(), n);
      std::vector<int8_t> q(n, 99);
      swish_quantize(x.data(), q.data(), n, step);
      for (int64_t i = 0; i < n; ++i) {
        const int want = ref::quantize_value(sw[i], step);
        EXPECT_EQ(q[i], want) << "x = " << x[i] << ", step = " << step << ", n = " << n;
      }
    }
  }
}

}  // namespace
}  // namespace qd::runtime::onednn
