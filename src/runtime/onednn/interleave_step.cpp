#include "runtime/onednn/interleave_step.h"

#include <immintrin.h>

#include <vector>

namespace qd::runtime::onednn {

namespace {

// Three planes, 16 pixels: output byte j of the 48 is pixel j / 3 of plane j % 3; one pshufb mask per
// (output vector, plane) picks it (0x80: zero).
__attribute__((target("ssse3"))) int64_t interleave3(const uint8_t* p0, const uint8_t* p1, const uint8_t* p2,
                                                     uint8_t* out, int64_t HW) {
  alignas(16) static const auto masks = [] {
    std::vector<uint8_t> m(9 * 16);
    for (int v = 0; v < 3; ++v)
      for (int k = 0; k < 3; ++k)
        for (int j = 0; j < 16; ++j) {
          const int byte = v * 16 + j;
          m[(v * 3 + k) * 16 + j] = byte % 3 == k ? static_cast<uint8_t>(byte / 3) : 0x80;
        }
    return m;
  }();
  const __m128i* mk = reinterpret_cast<const __m128i*>(masks.data());
  int64_t p = 0;
  for (; p + 16 <= HW; p += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p0 + p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p1 + p));
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p2 + p));
    for (int v = 0; v < 3; ++v) {
      const __m128i r = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, _mm_loadu_si128(mk + v * 3)),
                                                  _mm_shuffle_epi8(b, _mm_loadu_si128(mk + v * 3 + 1))),
                                     _mm_shuffle_epi8(c, _mm_loadu_si128(mk + v * 3 + 2)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + p * 3 + v * 16), r);
    }
  }
  return p;
}

// Three planes, 8 pixels: output float j of the 24 is pixel j / 3 of plane j % 3. Each output vector takes
// the same pixel indices from all three planes (one permute each) and blends them by plane.
__attribute__((target("avx2"))) int64_t interleave3(const float* p0, const float* p1, const float* p2,
                                                    float* out, int64_t HW) {
  const __m256i i0 = _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2),
                i1 = _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5),
                i2 = _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7);
  int64_t p = 0;
  for (; p + 8 <= HW; p += 8) {
    const __m256 a = _mm256_loadu_ps(p0 + p), b = _mm256_loadu_ps(p1 + p), c = _mm256_loadu_ps(p2 + p);
    // Blend masks: bit j set where output float j comes from plane 1 (first blend) or plane 2 (second).
    const __m256 v0 = _mm256_blend_ps(
        _mm256_blend_ps(_mm256_permutevar8x32_ps(a, i0), _mm256_permutevar8x32_ps(b, i0), 0x92),
        _mm256_permutevar8x32_ps(c, i0), 0x24);
    const __m256 v1 = _mm256_blend_ps(
        _mm256_blend_ps(_mm256_permutevar8x32_ps(a, i1), _mm256_permutevar8x32_ps(b, i1), 0x24),
        _mm256_permutevar8x32_ps(c, i1), 0x49);
    const __m256 v2 = _mm256_blend_ps(
        _mm256_blend_ps(_mm256_permutevar8x32_ps(a, i2), _mm256_permutevar8x32_ps(b, i2), 0x49),
        _mm256_permutevar8x32_ps(c, i2), 0x92);
    _mm256_storeu_ps(out + p * 3, v0);
    _mm256_storeu_ps(out + p * 3 + 8, v1);
    _mm256_storeu_ps(out + p * 3 + 16, v2);
  }
  return p;
}

template <typename T>
void interleave_rest(const T* s, T* d, int64_t C, int64_t HW, int64_t p) {
  for (; p < HW; ++p)
    for (int64_t c = 0; c < C; ++c) d[p * C + c] = s[c * HW + p];
}

}  // namespace

void interleave_planes(const uint8_t* src, uint8_t* dst, int64_t N, int64_t C, int64_t HW) {
  for (int64_t n = 0; n < N; ++n) {
    const uint8_t* s = src + n * C * HW;
    uint8_t* d = dst + n * HW * C;
    int64_t p = 0;
    if (C == 3 && __builtin_cpu_supports("ssse3")) p = interleave3(s, s + HW, s + 2 * HW, d, HW);
    interleave_rest(s, d, C, HW, p);
  }
}

void interleave_planes(const float* src, float* dst, int64_t N, int64_t C, int64_t HW) {
  for (int64_t n = 0; n < N; ++n) {
    const float* s = src + n * C * HW;
    float* d = dst + n * HW * C;
    int64_t p = 0;
    if (C == 3 && __builtin_cpu_supports("avx2")) p = interleave3(s, s + HW, s + 2 * HW, d, HW);
    interleave_rest(s, d, C, HW, p);
  }
}

void InterleavePlanesStep::execute(RunContext& ctx) {
  ctx.stream->wait();
  if (element_bytes_ == 4)
    interleave_planes(static_cast<const float*>((*ctx.buffers)[src_]),
                      static_cast<float*>((*ctx.buffers)[dst_]), N_, C_, HW_);
  else
    interleave_planes(static_cast<const uint8_t*>((*ctx.buffers)[src_]),
                      static_cast<uint8_t*>((*ctx.buffers)[dst_]), N_, C_, HW_);
}

}  // namespace qd::runtime::onednn
