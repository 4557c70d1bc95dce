#include "runtime/onednn/concat_shuffle.h"

#include <immintrin.h>

#include <algorithm>

#include "runtime/cpu_isa.h"

namespace qd::runtime::onednn {

namespace {

// d[2k] = a[k], d[2k + 1] = b[k] for k < n.
void interleave_row_scalar(const float* a, const float* b, float* d, int64_t k0, int64_t n) {
  for (int64_t k = k0; k < n; ++k) {
    d[2 * k] = a[k];
    d[2 * k + 1] = b[k];
  }
}

__attribute__((target("avx2,fma"))) void interleave_row_avx2(const float* a, const float* b, float* d,
                                                         int64_t n) {
  const int64_t vec = n / 8 * 8;
  for (int64_t k = 0; k < vec; k += 8) {
    const __m256 va = _mm256_loadu_ps(a + k), vb = _mm256_loadu_ps(b + k);
    const __m256 lo = _mm256_unpacklo_ps(va, vb);  // a0 b0 a1 b1 | a4 b4 a5 b5
    const __m256 hi = _mm256_unpackhi_ps(va, vb);  // a2 b2 a3 b3 | a6 b6 a7 b7
    _mm256_storeu_ps(d + 2 * k, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(d + 2 * k + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
  interleave_row_scalar(a, b, d, vec, n);
}

const bool kInterleaveHasAvx2 = cpu_has_avx2();

void interleave_row(const float* a, const float* b, float* d, int64_t n) {
  if (kInterleaveHasAvx2)
    interleave_row_avx2(a, b, d, n);
  else
    interleave_row_scalar(a, b, d, 0, n);
}

// Rows of whole pixels per thread; one thread below ~32K outputs (a fork costs more than the copy).
template <typename Row>
void for_pixel_rows(int64_t pixels, int64_t C, const Row& row) {
  constexpr int64_t kRows = 16;
  const int64_t chunks = (pixels + kRows - 1) / kRows;
#pragma omp parallel for schedule(static) if (pixels * C >= (int64_t{1} << 15))
  for (int64_t ch = 0; ch < chunks; ++ch)
    for (int64_t p = ch * kRows; p < std::min(pixels, (ch + 1) * kRows); ++p) row(p);
}

}  // namespace

void interleave_channel_halves(const float* a, const float* b, float* dst, int64_t pixels, int64_t C) {
  for_pixel_rows(pixels, C, [&](int64_t p) { interleave_row(a + p * C, b + p * C, dst + p * 2 * C, C); });
}

void interleave_channel_halves_split(const float* a, const float* b, float* lo, float* hi, int64_t pixels,
                                     int64_t C) {
  const int64_t h = C / 2;  // pairs per output half
  for_pixel_rows(pixels, C, [&](int64_t p) {
    interleave_row(a + p * C, b + p * C, lo + p * C, h);
    interleave_row(a + p * C + h, b + p * C + h, hi + p * C, h);
  });
}

void ConcatShuffleStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  const std::vector<void*>& buf = *ctx.buffers;
  const auto* a = static_cast<const float*>(buf[a_]);
  const auto* b = static_cast<const float*>(buf[b_]);
  if (hi_ < 0)
    interleave_channel_halves(a, b, static_cast<float*>(buf[dst_]), pixels_, channels_);
  else
    interleave_channel_halves_split(a, b, static_cast<float*>(buf[dst_]), static_cast<float*>(buf[hi_]),
                                    pixels_, channels_);
}

}  // namespace qd::runtime::onednn
