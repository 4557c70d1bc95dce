#include "runtime/ref/quantize_simd.h"

#include <immintrin.h>

#include "runtime/cpu_isa.h"
#include "runtime/ref/int8.h"

namespace qd::runtime::ref {

namespace {

// Same arithmetic as quantize_value_fast: v = x / step (a true division), trunc, +-1 when the remainder is >=
// 0.5.
#define QD_AVX2 __attribute__((target("avx2")))

QD_AVX2 inline __m256 quantize8(__m256 x, __m256 step, __m256 qmax) {
  const __m256 v = _mm256_div_ps(x, step);
  __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 d = _mm256_sub_ps(v, t);
  const __m256 one = _mm256_set1_ps(1.f);
  t = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(d, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one));
  t = _mm256_sub_ps(t, _mm256_and_ps(_mm256_cmp_ps(d, _mm256_set1_ps(-0.5f), _CMP_LE_OQ), one));
  return _mm256_min_ps(_mm256_max_ps(t, _mm256_sub_ps(_mm256_setzero_ps(), qmax)), qmax);
}

// 32 floats -> 32 int8 in order.
QD_AVX2 inline __m256i quantize32(const float* x, __m256 step, __m256 qmax) {
  const __m256i a = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x), step, qmax));
  const __m256i b = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x + 8), step, qmax));
  const __m256i c = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x + 16), step, qmax));
  const __m256i d = _mm256_cvttps_epi32(quantize8(_mm256_loadu_ps(x + 24), step, qmax));
  const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
  return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

QD_AVX2 int64_t quantize_s8_avx2(const float* x, int8_t* y, int64_t begin, int64_t end, float step,
                                 float qmax) {
  const __m256 s = _mm256_set1_ps(step), m = _mm256_set1_ps(qmax);
  int64_t i = begin;
  for (; i + 32 <= end; i += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), quantize32(x + i, s, m));
  return i;
}

QD_AVX2 int64_t quantize_split_avx2(const float* x, uint8_t* p, uint8_t* n, int64_t begin, int64_t end,
                                    float step) {
  const __m256 s = _mm256_set1_ps(step), m = _mm256_set1_ps(127.f);
  const __m256i zero = _mm256_setzero_si256();
  int64_t i = begin;
  for (; i + 32 <= end; i += 32) {
    const __m256i q = quantize32(x + i, s, m);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + i), _mm256_max_epi8(q, zero));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(n + i), _mm256_max_epi8(_mm256_sub_epi8(zero, q), zero));
  }
  return i;
}

QD_AVX2 int64_t fake_quantize_avx2(const float* x, float* y, int64_t begin, int64_t end, float step,
                                   float qmax) {
  const __m256 s = _mm256_set1_ps(step), m = _mm256_set1_ps(qmax);
  int64_t i = begin;
  for (; i + 8 <= end; i += 8)
    _mm256_storeu_ps(y + i, _mm256_mul_ps(quantize8(_mm256_loadu_ps(x + i), s, m), s));
  return i;
}

const bool kHasAvx2 = cpu_has_avx2();

}  // namespace

void quantize_span(const float* x, int8_t* y, int64_t count, float step, int qmax) {
  const float m = static_cast<float>(qmax);
  const int64_t done = kHasAvx2 ? quantize_s8_avx2(x, y, 0, count, step, m) : 0;
  for (int64_t i = done; i < count; ++i) y[i] = quantize_value_fast(x[i], step, m);
}

void quantize_span_split(const float* x, uint8_t* pos, uint8_t* neg, int64_t count, float step) {
  const int64_t done = kHasAvx2 ? quantize_split_avx2(x, pos, neg, 0, count, step) : 0;
  for (int64_t i = done; i < count; ++i) {
    const int q = quantize_value_fast(x[i], step);
    pos[i] = static_cast<uint8_t>(q > 0 ? q : 0);
    neg[i] = static_cast<uint8_t>(q < 0 ? -q : 0);
  }
}

void fake_quantize_span(const float* x, float* y, int64_t count, float step, int qmax) {
  const float m = static_cast<float>(qmax);
  const int64_t done = kHasAvx2 ? fake_quantize_avx2(x, y, 0, count, step, m) : 0;
  for (int64_t i = done; i < count; ++i) y[i] = static_cast<float>(quantize_value_fast(x[i], step, m)) * step;
}

}  // namespace qd::runtime::ref
