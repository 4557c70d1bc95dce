// The executor's AVX-512 quantization (runtime/onednn/quantize_avx512.h) against ref::quantize_value, with
// exact half-step ties, values beyond +-127 steps and lengths that are not multiples of 16.
#include "runtime/onednn/quantize_avx512.h"

#include <gtest/gtest.h>

#include <vector>

#include "runtime/ref/int8.h"

namespace qd::runtime::onednn {
namespace {

TEST(QuantizeAvx512, EqualsTheReferenceQuantization) {
  // The pass needs the CPU's AVX-512 (not oneDNN's ISA: with ONEDNN_MAX_CPU_ISA=AVX2 it is tested, not used).
  // Without it the planner must not use it (the reference's AVX2 span runs instead): no skip, CI allows none.
  if (!__builtin_cpu_supports("avx512f")) {
    EXPECT_FALSE(quantize_avx512_available());
    return;
  }
  for (float step : {0.05f, 0.0371f, 0.5f, 1.f}) {
    for (int64_t n : {1, 15, 16, 17, 1000, 4099}) {
      std::vector<float> x(n);
      for (int64_t i = 0; i < n; ++i) x[i] = (-160.f + 320.f * static_cast<float>(i) / n) * step;
      for (int64_t i = 0; i + 4 < n; i += 7) x[i] = (static_cast<float>(i % 301) - 150.f + 0.5f) * step;
      if (n > 3) x[1] = 0.f, x[2] = -1e-30f, x[3] = -0.5f * step;
      std::vector<int8_t> q(n, 99);
      quantize_span_avx512(x.data(), q.data(), n, step);
      for (int64_t i = 0; i < n; ++i)
        EXPECT_EQ(q[i], ref::quantize_value(x[i], step)) << "x = " << x[i] << ", step = " << step;
    }
  }
}

}  // namespace
}  // namespace qd::runtime::onednn
