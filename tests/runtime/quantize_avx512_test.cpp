// The executor's AVX-512 quantization (runtime/onednn/quantize_avx512.h) against ref::quantize_value, with
// exact half-step ties, values beyond +-127 steps and lengths that are not multiples of 16; and random steps
// (among them steps whose significand is all ones) with values at and near every half-step tie, huge values
// and infinities.
#include "runtime/onednn/quantize_avx512.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
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

TEST(QuantizeAvx512, EqualsTheReferenceOnRandomStepsAndTies) {
  if (!__builtin_cpu_supports("avx512f")) {
    EXPECT_FALSE(quantize_avx512_available());
    return;
  }
  std::mt19937 rng(91);
  std::uniform_real_distribution<float> exponent(-20.f, 4.f), unit(0.f, 1.f);
  std::vector<float> steps = {std::nextafter(2.f, 0.f), std::nextafter(1.f, 0.f) / 32.f,
                              std::nextafter(0.05f, 1.f), 3.f, 0.1f};
  while (steps.size() < 40) steps.push_back(std::exp2(exponent(rng)) * (1.f + unit(rng)));
  const float inf = std::numeric_limits<float>::infinity();
  int64_t mismatches = 0, checked = 0;
  for (float step : steps) {
    std::vector<float> x;
    for (int k = -130; k <= 130; ++k) {  // every tie and its neighbours
      const float tie = (static_cast<float>(k) + 0.5f) * step;
      x.insert(x.end(),
               {tie, std::nextafter(tie, inf), std::nextafter(tie, -inf), static_cast<float>(k) * step});
    }
    for (int i = 0; i < 20000; ++i)
      x.push_back((unit(rng) * 300.f - 150.f) * step *
                  std::exp2(static_cast<float>(static_cast<int>(rng() % 9) - 4)));
    x.insert(x.end(), {1e30f, -1e30f, inf, -inf, std::numeric_limits<float>::max(), 1e-40f, -0.f});
    std::vector<int8_t> q(x.size(), 99);
    quantize_span_avx512(x.data(), q.data(), static_cast<int64_t>(x.size()), step);
    for (size_t i = 0; i < x.size(); ++i) {
      ++checked;
      if (q[i] != ref::quantize_value(x[i], step) && mismatches++ < 5)
        ADD_FAILURE() << "x = " << x[i] << ", step = " << step << ": " << int{q[i]} << " vs "
                      << int{ref::quantize_value(x[i], step)};
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << checked;
}

}  // namespace
}  // namespace qd::runtime::onednn
