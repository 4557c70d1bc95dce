#include "runtime/onednn/channel_scale_quantize_step.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "runtime/cpu_isa.h"
#include "runtime/onednn/parallel_spans.h"
#include "runtime/onednn/quantize_avx512.h"

namespace qd::runtime::onednn {

namespace {

// (v * sc) * inv clamped to [lo, hi]; cvtps rounds half to even, as oneDNN's int8 store.
__attribute__((target("avx512f"))) inline __m512i scale_quantize16(__m512 v, __m512 sc, __m512 inv, __m512 lo,
                                                                   __m512 hi) {
  return _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(_mm512_mul_ps(v, sc), inv), lo), hi));
}

__attribute__((target("avx512f"))) void channel_scale_quantize_avx512(const float* x, const float* s, void* y,
                                                                      int64_t pixels, int64_t C,
                                                                      float inv_step, bool u8) {
  const __m512 inv = _mm512_set1_ps(inv_step), lo = _mm512_set1_ps(u8 ? 0.f : -127.f),
               hi = _mm512_set1_ps(127.f);
  const int64_t full = C / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (C - full)) - 1);
  for (int64_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * C;
    int8_t* yp = static_cast<int8_t*>(y) + p * C;  // values in [lo, 127]: s8 and u8 bytes agree
    for (int64_t c = 0; c < full; c += 16)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(yp + c),
                       _mm512_cvtsepi32_epi8(
                           scale_quantize16(_mm512_loadu_ps(xp + c), _mm512_loadu_ps(s + c), inv, lo, hi)));
    if (tail)
      _mm512_mask_cvtsepi32_storeu_epi8(yp + full, tail,
                                        scale_quantize16(_mm512_maskz_loadu_ps(tail, xp + full),
                                                         _mm512_maskz_loadu_ps(tail, s + full), inv, lo, hi));
  }
}

__attribute__((target("avx2,fma"))) inline __m256i scale_quantize8(__m256 v, __m256 sc, __m256 inv, __m256 lo,
                                                               __m256 hi) {
  return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_mul_ps(v, sc), inv), lo), hi));
}

}  // namespace

__attribute__((target("avx2,fma"))) void channel_scale_quantize_avx2(const float* x, const float* s, void* y,
                                                                 int64_t pixels, int64_t C, float inv_step,
                                                                 bool u8) {
  const float lo_f = u8 ? 0.f : -127.f;
  const __m256 inv = _mm256_set1_ps(inv_step), lo = _mm256_set1_ps(lo_f), hi = _mm256_set1_ps(127.f);
  // packs_epi32/epi16 interleave the 128-bit lanes; this puts the four 8-value groups back in order. The
  // values are already in [-127, 127], so the saturating packs change none.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  const int64_t full32 = C / 32 * 32, full8 = C / 8 * 8;
  for (int64_t p = 0; p < pixels; ++p) {
    const float* xp = x + p * C;
    int8_t* yp = static_cast<int8_t*>(y) + p * C;  // values in [lo, 127]: s8 and u8 bytes agree
    int64_t c = 0;
    for (; c < full32; c += 32) {
      __m256i q[4];
      for (int k = 0; k < 4; ++k)
        q[k] = scale_quantize8(_mm256_loadu_ps(xp + c + 8 * k), _mm256_loadu_ps(s + c + 8 * k), inv, lo, hi);
      const __m256i bytes =
          _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(yp + c), _mm256_permutevar8x32_epi32(bytes, order));
    }
    for (; c < full8; c += 8) {
      const __m256i q = scale_quantize8(_mm256_loadu_ps(xp + c), _mm256_loadu_ps(s + c), inv, lo, hi);
      const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(yp + c), _mm_packs_epi16(w, w));
    }
    for (; c < C; ++c)  // the same operations in the same order; nearbyint rounds half to even like cvtps
      yp[c] = static_cast<int8_t>(std::nearbyint(std::min(std::max((xp[c] * s[c]) * inv_step, lo_f), 127.f)));
  }
}

bool channel_scale_quantize_available() { return quantize_avx512_available() || cpu_has_avx2(); }

void channel_scale_quantize(const float* x, const float* s, void* y, int64_t pixels, int64_t C,
                            float inv_step, bool u8) {
  if (quantize_avx512_available())
    channel_scale_quantize_avx512(x, s, y, pixels, C, inv_step, u8);
  else
    channel_scale_quantize_avx2(x, s, y, pixels, C, inv_step, u8);
}

void ChannelScaleQuantizeStep::execute(RunContext& ctx) {
  ctx.stream->wait();  // x and the scale are written
  const float* x = static_cast<const float*>((*ctx.buffers)[x_]);
  const float* s = static_cast<const float*>((*ctx.buffers)[scale_]);
  auto* y = static_cast<int8_t*>((*ctx.buffers)[y_]);
  constexpr int64_t kMinPerThread = 1 << 16;  // elements: smaller tasks are not worth a fork
  for_spans(pixels_, 1, kMinPerThread / std::max<int64_t>(channels_, 1), [&](int64_t b, int64_t e) {
    channel_scale_quantize(x + b * channels_, s, y + b * channels_, e - b, channels_, inv_step_, u8_);
  });
}

}  // namespace qd::runtime::onednn
