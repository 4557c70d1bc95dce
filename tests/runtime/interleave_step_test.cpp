// interleave_planes: NCHW byte and float planes -> NHWC, against the index formula (3 channels on the pshufb
// / AVX2 permute paths with pixel counts that are not multiples of 16 or 8, other channel counts on the plain
// loop, batch 2).
#include "runtime/onednn/interleave_step.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace qd::runtime {
namespace {

template <typename T>
void check_interleave() {
  std::mt19937 rng(5);
  for (int64_t C : {1, 2, 3, 4})
    for (int64_t HW : {1, 7, 8, 9, 15, 16, 17, 50176 + 7})
      for (int64_t N : {1, 2}) {
        SCOPED_TRACE("C " + std::to_string(C) + " HW " + std::to_string(HW) + " N " + std::to_string(N));
        std::vector<T> src(static_cast<size_t>(N * C * HW)), dst(src.size(), 0);
        for (T& v : src) v = static_cast<T>(rng() % 251);
        onednn::interleave_planes(src.data(), dst.data(), N, C, HW);
        int wrong = 0;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t c = 0; c < C; ++c)
            for (int64_t p = 0; p < HW; ++p)
              wrong += dst[static_cast<size_t>((n * HW + p) * C + c)] !=
                       src[static_cast<size_t>((n * C + c) * HW + p)];
        EXPECT_EQ(wrong, 0);
      }
}

TEST(InterleavePlanes, BytesEqualTheNhwcIndexFormula) { check_interleave<uint8_t>(); }

TEST(InterleavePlanes, FloatsEqualTheNhwcIndexFormula) { check_interleave<float>(); }

}  // namespace
}  // namespace qd::runtime
