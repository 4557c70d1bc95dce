// The reference's BatchNormalization + Relu (+ u8 quantization) per element and on 8 AVX2 lanes, shared by
// the BN steps that write fp32 or u8 (batchnorm_relu_quantize, concat_batchnorm_relu). The operation order is
// the reference's, y = gamma * (x - mean) * inv_std + beta, and nothing is contracted to FMA (AVX2 without
// FMA here, no FMA in the baseline build), so the u8 results are the reference's bit for bit.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "runtime/ref/int8.h"

#define QD_AVX2_BN_LANES __attribute__((target("avx2,fma")))

namespace qd::runtime::onednn {

inline float bn_relu(float x, float g, float m, float inv, float b) {
  const float v = g * (x - m) * inv + b;
  return v > 0.f ? v : 0.f;
}

inline uint8_t bn_relu_u8(float x, float g, float m, float inv, float b, float step) {
  return static_cast<uint8_t>(ref::quantize_value(bn_relu(x, g, m, inv, b), step));
}

QD_AVX2_BN_LANES inline __m256 bn_relu8(__m256 x, __m256 g, __m256 m, __m256 inv, __m256 b) {
  const __m256 y = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(g, _mm256_sub_ps(x, m)), inv), b);
  return _mm256_max_ps(y, _mm256_setzero_ps());
}

// quantize_value(y, step) of 8 non-negative lanes as u8 in the low 8 bytes. The reference divides by the
// step; a multiply by 1/step is within 2 ulp of it, which changes the rounded result only when y/step is
// within 1e-4 of a half integer (below 256; above, both clamp to 127), so such vectors take the division.
// step_v: the step in every lane, rstep_v: 1 / step in every lane (hoisted out of the callers' loops).
QD_AVX2_BN_LANES inline __m128i quantize8_u8(__m256 y, __m256 step_v, __m256 rstep_v) {
  const __m256 half = _mm256_set1_ps(0.5f);
  __m256 v = _mm256_mul_ps(y, rstep_v);
  __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  __m256 frac = _mm256_sub_ps(v, t);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 close = _mm256_and_ps(
      _mm256_cmp_ps(_mm256_and_ps(_mm256_sub_ps(frac, half), abs_mask), _mm256_set1_ps(1e-4f), _CMP_LT_OQ),
      _mm256_cmp_ps(v, _mm256_set1_ps(256.f), _CMP_LT_OQ));
  if (!_mm256_testz_ps(close, close)) {  // rare: the reference's true division decides
    v = _mm256_div_ps(y, step_v);
    t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    frac = _mm256_sub_ps(v, t);
  }
  t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(frac, half, _CMP_GE_OQ), _mm256_set1_ps(1.f)));  // half up
  const __m256i i32 = _mm256_cvttps_epi32(_mm256_min_ps(t, _mm256_set1_ps(127.f)));
  const __m128i i16 = _mm_packus_epi32(_mm256_castsi256_si128(i32), _mm256_extracti128_si256(i32, 1));
  return _mm_packus_epi16(i16, i16);
}

}  // namespace qd::runtime::onednn
