// The AVX-512 Swish pass (runtime/onednn/swish_step.h) against x / (1 + exp(-x)) in double precision, over
// the whole float range that matters (saturation on both sides) and lengths that are not multiples of 16;
// the Swish + int8 quantization pass against the definition's rounding, which it must equal away from ties;
// the Swish pass with the SE block's channel means against swish_inplace and the means in double.
#include "runtime/onednn/swish_step.h"

#include <gtest/gtest.h>
#include <omp.h>

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

TEST(SwishPoolPass, SwishAsTheInPlacePassAndChannelMeansOfItsOutput) {
  // Needs the CPU's AVX-512, as above: without it the executor keeps oneDNN's post-op and pooling.
  if (!__builtin_cpu_supports("avx512f")) {
    EXPECT_FALSE(swish_pass_available());
    return;
  }
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> d(-8.f, 8.f);
  // C = 40 (nChw16c: a padded block), 150 (nhwc: chunks of 64 and a 22-channel tail), 3 (one short vector);
  // 2 x 150 x 24 x 24 is above the size where the pass splits over threads.
  for (const SwishPoolShape base : {SwishPoolShape{2, 40, 7, 5, false}, SwishPoolShape{2, 150, 24, 24, false},
                                    SwishPoolShape{1, 3, 4, 4, false}}) {
    for (bool blocked : {false, true}) {
      for (int threads : {1, 2}) {
        SwishPoolShape s = base;
        s.blocked16 = blocked;
        const int64_t Cp = blocked ? (s.C + 15) / 16 * 16 : s.C, HW = s.H * s.W;
        SCOPED_TRACE(::testing::Message()
                     << "C " << s.C << (blocked ? " nChw16c" : " nhwc") << ", threads " << threads);
        // value of image n, channel c, pixel p at its place in the layout; padded channels hold 0
        auto at = [&](int64_t n, int64_t c, int64_t p) {
          return blocked ? ((n * (Cp / 16) + c / 16) * HW + p) * 16 + c % 16 : (n * HW + p) * s.C + c;
        };
        std::vector<float> x(static_cast<size_t>(s.N * Cp * HW), 0.f);
        for (int64_t n = 0; n < s.N; ++n)
          for (int64_t c = 0; c < s.C; ++c)
            for (int64_t p = 0; p < HW; ++p) x[at(n, c, p)] = d(rng);
        std::vector<float> want = x, got = x, mean(static_cast<size_t>(s.N * Cp), -1.f);
        swish_inplace(want.data(), static_cast<int64_t>(want.size()));
        const int saved = omp_get_max_threads();
        omp_set_num_threads(threads);
        swish_inplace_channel_means(got.data(), s, mean.data());
        omp_set_num_threads(saved);
        EXPECT_EQ(got, want);  // the same Swish, padding included
        for (int64_t n = 0; n < s.N; ++n)
          for (int64_t c = 0; c < Cp; ++c) {
            double sum = 0;
            if (c < s.C)
              for (int64_t p = 0; p < HW; ++p) sum += want[at(n, c, p)];
            EXPECT_NEAR(mean[n * Cp + c], sum / HW, 1e-5 * (std::fabs(sum / HW) + 1e-2))
                << "n " << n << ", c " << c;
          }
      }
    }
  }
}

}  // namespace
}  // namespace qd::runtime::onednn
