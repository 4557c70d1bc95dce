// interleave_planes: NCHW byte planes -> NHWC, against the index formula (3 channels on the pshufb path with
// pixel counts that are not multiples of 16, other channel counts on the plain loop, batch 2).
#include "runtime/onednn/interleave_step.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace qd::runtime {
namespace {

TEST(InterleavePlanes, EqualsTheNhwcIndexFormula) {
  std::mt19937 rng(5);
  for (int64_t C : {1, 2, 3, 4})
    for (int64_t HW : {1, 15, 16, 17, 50176 + 7})
      for (int64_t N : {1, 2}) {
        SCOPED_TRACE("C " + std::to_string(C) + " HW " + std::to_string(HW) + " N " + std::to_string(N));
        std::vector<uint8_t> src(static_cast<size_t>(N * C * HW)), dst(src.size(), 0);
        for (uint8_t& v : src) v = static_cast<uint8_t>(rng());
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

}  // namespace
}  // namespace qd::runtime
