// The zero-padded int16 nhwc copy of an int8 source that the AVX2 int8 kernels without VNNI read
// (signed_int8_conv.h, signed_int8_depthwise.h, int8_gemv.h): widening int8 runs to int16, and where each
// output pixel's window starts in the padded copy.
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <vector>

namespace qd::runtime::onednn {

// 16 int8 values at p widened to int16: zero-extended (u8) or sign-extended (s8).
__attribute__((target("avx2"), always_inline)) inline __m256i widen_int8_16(const int8_t* p, bool u8) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return u8 ? _mm256_cvtepu8_epi16(v) : _mm256_cvtepi8_epi16(v);
}

// out[i] = from[i] for i in [0, count), zero-extended (u8) or sign-extended (s8), 32 values per step.
__attribute__((target("avx2"), always_inline)) inline void widen_int8_span(const int8_t* from, int16_t* out,
                                                                           int64_t count, bool u8) {
  int64_t i = 0;
  for (; i + 32 <= count; i += 32) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), widen_int8_16(from + i, u8));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 16), widen_int8_16(from + i + 16, u8));
  }
  for (; i + 16 <= count; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), widen_int8_16(from + i, u8));
  for (; i < count; ++i) out[i] = u8 ? static_cast<uint8_t>(from[i]) : from[i];
}

// Offset (in int16 values) of each output pixel's window in a padded [N, PH, PW, pixel_stride] copy,
// n-major: ((n * PH + oy * stride_h) * PW + ox * stride_w) * pixel_stride.
inline std::vector<int64_t> int16_source_windows(int64_t N, int64_t OH, int64_t OW, int64_t PH, int64_t PW,
                                                 int stride_h, int stride_w, int64_t pixel_stride) {
  std::vector<int64_t> window(static_cast<size_t>(N * OH * OW));
  for (int64_t n = 0, p = 0; n < N; ++n)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox, ++p)
        window[static_cast<size_t>(p)] = ((n * PH + oy * stride_h) * PW + ox * stride_w) * pixel_stride;
  return window;
}

}  // namespace qd::runtime::onednn
