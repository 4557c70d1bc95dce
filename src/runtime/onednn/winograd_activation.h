// The fused activations both Winograd kernels (fp32 and int8) apply in their output transforms, on 8 floats,
// in oneDNN's eltwise post-op arithmetic so results equal the direct convolution's.
#pragma once
#include <immintrin.h>

#include "ir/attrs.h"

namespace qd::runtime::onednn {

// Relu, LeakyRelu and Clip: the activations the Winograd epilogues compute.
inline bool winograd_activation_supported(const ir::FusedActivation& a) {
  return a.kind == ir::OpKind::Relu || a.kind == ir::OpKind::LeakyRelu || a.kind == ir::OpKind::Clip;
}

// exp(v) on 8 lanes for v in [-88.38, 88.38] (the caller clamps): Cephes expf as swish_step.cpp's AVX-512
// pass (n = round(v / ln 2), r = v - n ln 2 in two parts, e^r = 1 + r + r^2 p(r), times 2^n), without FMA.
__attribute__((target("avx2"), always_inline)) inline __m256 exp_avx2(__m256 v) {
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_sub_ps(v, _mm256_mul_ps(n, _mm256_set1_ps(0.693359375f)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(n, _mm256_set1_ps(-2.12194440e-4f)));
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.0000001201e-1f));
  const __m256 e =
      _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, _mm256_mul_ps(r, r)), r), _mm256_set1_ps(1.f));
  // 2^n for n in [-128, 128]: two factors 2^(n/2) keep each exponent field in range.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i half = _mm256_srai_epi32(ni, 1);
  const __m256 f1 =
      _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
  const __m256 f2 = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, half), _mm256_set1_epi32(127)), 23));
  return _mm256_mul_ps(_mm256_mul_ps(e, f1), f2);
}

// 1 / (1 + exp(-y)) with exp's argument clamped to +-88.38 (y below -88.38 gives ~1e-38 instead of 0).
__attribute__((target("avx2"), always_inline)) inline __m256 sigmoid_avx2(__m256 y) {
  const __m256 lim = _mm256_set1_ps(88.3762626647949f);
  const __m256 e = exp_avx2(_mm256_max_ps(_mm256_sub_ps(_mm256_setzero_ps(), lim),
                                          _mm256_min_ps(_mm256_sub_ps(_mm256_setzero_ps(), y), lim)));
  return _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_add_ps(e, _mm256_set1_ps(1.f)));
}

// The reference's y * max(0, min(1, y / 6 + 0.5)).
__attribute__((target("avx2"), always_inline)) inline __m256 hardswish_avx2(__m256 y) {
  const __m256 t = _mm256_add_ps(_mm256_div_ps(y, _mm256_set1_ps(6.f)), _mm256_set1_ps(0.5f));
  return _mm256_mul_ps(y, _mm256_max_ps(_mm256_setzero_ps(), _mm256_min_ps(_mm256_set1_ps(1.f), t)));
}

// y * sigmoid(y); 0 below -88.38 as the AVX-512 pass (swish_step.cpp).
__attribute__((target("avx2"), always_inline)) inline __m256 swish_avx2(__m256 y) {
  const __m256 keep = _mm256_cmp_ps(y, _mm256_set1_ps(-88.3762626647949f), _CMP_NLT_UQ);
  return _mm256_and_ps(keep, _mm256_mul_ps(y, sigmoid_avx2(y)));
}

// relu with alpha 0 = max(y, 0) up to the sign of 0; clip = min(max(y, lo), hi) as oneDNN's eltwise_clip.
__attribute__((target("avx2"))) inline __m256 apply_winograd_activation(const ir::FusedActivation& a,
                                                                        __m256 y) {
  switch (a.kind) {
    case ir::OpKind::Relu:
      return _mm256_max_ps(y, _mm256_setzero_ps());
    case ir::OpKind::LeakyRelu: {
      const __m256 neg = _mm256_mul_ps(y, _mm256_set1_ps(a.alpha));
      return _mm256_blendv_ps(neg, y, _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ));
    }
    case ir::OpKind::Clip:
      return _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(a.alpha)), _mm256_set1_ps(a.beta));
    case ir::OpKind::HardSwish:  // only the signed-source int8 kernel admits it (signed_int8_conv.h): the
      // Winograd kernels must equal oneDNN's post-op
      return hardswish_avx2(y);
    case ir::OpKind::Sigmoid:  // also only the signed-source int8 kernel (a few ulp from the reference)
      return sigmoid_avx2(y);
    case ir::OpKind::Swish:
      return swish_avx2(y);
    default:
      return y;  // not reached: the Winograd support checks admit only the cases above
  }
}

}  // namespace qd::runtime::onednn
