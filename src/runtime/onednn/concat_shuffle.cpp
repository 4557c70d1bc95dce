#include "runtime/onednn/concat_shuffle.h"

#include <immintrin.h>

#include <algorithm>

namespace qd::runtime::onednn {

namespace {

void interleave_rows_scalar(const float* a, const float* b, float* dst, int64_t k0, int64_t C) {
  for (int64_t k = k0; k < C; ++k) {
    dst[2 * k] = a[k];
    dst[2 * k + 1] = b[k];
  }
}

__attribute__((target("avx2"))) void interleave_avx2(const float* a, const float* b, float* dst, int64_t p0,
                                                     int64_t p1, int64_t C) {
  const int64_t vec = C / 8 * 8;
  for (int64_t p = p0; p < p1; ++p) {
    const float *ap = a + p * C, *bp = b + p * C;
    float* d = dst + p * 2 * C;
    for (int64_t k = 0; k < vec; k += 8) {
      const __m256 va = _mm256_loadu_ps(ap + k), vb = _mm256_loadu_ps(bp + k);
      const __m256 lo = _mm256_unpacklo_ps(va, vb);  // a0 b0 a1 b1 | a4 b4 a5 b5
      const __m256 hi = _mm256_unpackhi_ps(va, vb);  // a2 b2 a3 b3 | a6 b6 a7 b7
      _mm256_storeu_ps(d + 2 * k, _mm256_permute2f128_ps(lo, hi, 0x20));
      _mm256_storeu_ps(d + 2 * k + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
    interleave_rows_scalar(ap, bp, d, vec, C);
  }
}

// __builtin_cpu_init first: this runs as a static initializer, possibly before libgcc's own.
const bool kInterleaveHasAvx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));

}  // namespace

void interleave_channel_halves(const float* a, const float* b, float* dst, int64_t pixels, int64_t C) {
  // Rows of whole pixels per thread; one thread below ~64K outputs (a fork costs more than the copy).
  constexpr int64_t kRows = 16;
  const int64_t chunks = (pixels + kRows - 1) / kRows;
#pragma omp parallel for schedule(static) if (pixels * C >= (int64_t{1} << 15))
  for (int64_t ch = 0; ch < chunks; ++ch) {
    const int64_t p0 = ch * kRows, p1 = std::min(pixels, p0 + kRows);
    if (kInterleaveHasAvx2) {
      interleave_avx2(a, b, dst, p0, p1, C);
    } else {
      for (int64_t p = p0; p < p1; ++p) interleave_rows_scalar(a + p * C, b + p * C, dst + p * 2 * C, 0, C);
    }
  }
}

void ConcatShuffleStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& buf = *ctx.buffers;
  interleave_channel_halves(static_cast<const float*>(buf[a_]), static_cast<const float*>(buf[b_]),
                            static_cast<float*>(buf[dst_]), pixels_, channels_);
}

}  // namespace qd::runtime::onednn
