// f32 -> int8 quantization in the reference's arithmetic (ref::quantize_value_fast: v = x / step, trunc, one
// step away from zero when the exact remainder is >= 0.5, clamp to +-127) on 16 lanes with AVX-512: the
// executor's quantize steps ran the reference's 8-lane AVX2 span (~6% of MobileNetV3-Large's int8 run).
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace qd::runtime::onednn {

// The quantized values as int32 lanes (pack with _mm512_cvtsepi32_epi8).
__attribute__((target("avx512f"))) inline __m512i quantize_avx512(__m512 x, __m512 step) {
  const __m512 one = _mm512_set1_ps(1.f), qmax = _mm512_set1_ps(127.f);
  const __m512 v = _mm512_div_ps(x, step);
  __m512 t = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512 d = _mm512_sub_ps(v, t);
  t = _mm512_mask_add_ps(t, _mm512_cmp_ps_mask(d, _mm512_set1_ps(0.5f), _CMP_GE_OQ), t, one);
  t = _mm512_mask_sub_ps(t, _mm512_cmp_ps_mask(d, _mm512_set1_ps(-0.5f), _CMP_LE_OQ), t, one);
  t = _mm512_min_ps(_mm512_max_ps(t, _mm512_sub_ps(_mm512_setzero_ps(), qmax)), qmax);
  return _mm512_cvttps_epi32(t);
}

// True when the CPU (as oneDNN dispatches, so ONEDNN_MAX_CPU_ISA caps it) has AVX-512.
bool quantize_avx512_available();

// y[i] = ref::quantize_value(x[i], step) for i in [0, count); needs quantize_avx512_available().
void quantize_span_avx512(const float* x, int8_t* y, int64_t count, float step);

}  // namespace qd::runtime::onednn
