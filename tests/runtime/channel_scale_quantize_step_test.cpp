// The SE block's x * scale[c] -> int8 pass (runtime/onednn/channel_scale_quantize_step.h) against the
// operations oneDNN's binary_mul + linear + clip post-ops apply, written out per element: ((x * s) * inv),
// clamp, round half to even; channel counts with and without 32-, 16- and 8-lane tails, s8 and u8; the
// kernel the CPU dispatches to and the AVX2 one.
#include "runtime/onednn/channel_scale_quantize_step.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace qd::runtime::onednn {
namespace {

using ChannelScaleKernel = void (*)(const float*, const float*, void*, int64_t, int64_t, float, bool);

void expect_scale_then_requantize(ChannelScaleKernel kernel) {
  for (bool u8 : {false, true}) {
    for (int64_t C : {1, 7, 16, 24, 40, 72, 96}) {
      const int64_t pixels = 13;
      std::vector<float> x(pixels * C), s(C);
      for (int64_t c = 0; c < C; ++c) s[c] = 0.25f + 0.5f * static_cast<float>(c % 5);
      for (int64_t i = 0; i < pixels * C; ++i) x[i] = static_cast<float>(i % 97) * 0.37f - 12.f;
      x[0] = 0.5f / s[0], x[1 % x.size()] = 1.5f / s[1 % C];  // exact half-step ties at inv 1
      for (float inv : {1.f, 3.7f, 40.f}) {
        std::vector<uint8_t> y(pixels * C, 0xAA);
        kernel(x.data(), s.data(), y.data(), pixels, C, inv, u8);
        for (int64_t p = 0; p < pixels; ++p)
          for (int64_t c = 0; c < C; ++c) {
            const float v = std::min(std::max((x[p * C + c] * s[c]) * inv, u8 ? 0.f : -127.f), 127.f);
            const int want = static_cast<int>(std::nearbyint(v));  // default rounding: half to even
            const int got = u8 ? y[p * C + c] : static_cast<int8_t>(y[p * C + c]);
            EXPECT_EQ(got, want) << "p " << p << " c " << c << " C " << C << " inv " << inv << " u8 " << u8;
          }
      }
    }
  }
}

TEST(ChannelScaleQuantize, MatchesScaleThenRequantizeWithHalfToEven) {
  // Both kernels need AVX2; without it the planner must not use the pass (oneDNN's binary runs instead):
  // no skip, CI allows none.
  if (!__builtin_cpu_supports("avx2")) {
    EXPECT_FALSE(channel_scale_quantize_available());
    return;
  }
  ASSERT_TRUE(channel_scale_quantize_available());
  expect_scale_then_requantize(channel_scale_quantize);
  expect_scale_then_requantize(channel_scale_quantize_avx2);
}

}  // namespace
}  // namespace qd::runtime::onednn
