// The fused activations both Winograd kernels (fp32 and int8) apply in their output transforms, on 8 floats,
// in oneDNN's eltwise post-op arithmetic so results equal the direct convolution's.
#pragma once
#include <immintrin.h>

#include "ir/attrs.h"
#include "runtime/onednn/exp_cubic.h"

namespace qd::runtime::onednn {

// Relu, LeakyRelu and Clip: the activations the Winograd epilogues compute.
inline bool winograd_activation_supported(const ir::FusedActivation& a) {
  return a.kind == ir::OpKind::Relu || a.kind == ir::OpKind::LeakyRelu || a.kind == ir::OpKind::Clip;
}

// exp(v) on 8 lanes for v in [-87, 88] (the caller clamps; 2^n stays a normal float): exp_cubic.h's
// approximation, as swish_step.cpp's AVX-512 pass, with 2^n built in the exponent field.
__attribute__((target("avx2,fma"), always_inline)) inline __m256 exp_avx2(__m256 v) {
  using namespace exp_cubic;
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), v);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kP3);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP0));
  const __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.f));
  const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
  return _mm256_mul_ps(e, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
}

// exp(-y) for the logistic functions, its argument clamped to [-87, 88]: beyond, 1 + exp(-y) is 1 in float
// on one side, and the results are below 1e-37 on the other.
__attribute__((target("avx2,fma"), always_inline)) inline __m256 exp_neg_clamped_avx2(__m256 y) {
  return exp_avx2(_mm256_max_ps(_mm256_set1_ps(-87.f),
                                _mm256_min_ps(_mm256_sub_ps(_mm256_setzero_ps(), y), _mm256_set1_ps(88.f))));
}

// 1 / (1 + exp(-y)) (y below -88 gives ~6e-39 instead of 0).
__attribute__((target("avx2,fma"), always_inline)) inline __m256 sigmoid_avx2(__m256 y) {
  return _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_add_ps(exp_neg_clamped_avx2(y), _mm256_set1_ps(1.f)));
}

// The reference's y * max(0, min(1, y / 6 + 0.5)).
__attribute__((target("avx2,fma"), always_inline)) inline __m256 hardswish_avx2(__m256 y) {
  const __m256 t = _mm256_add_ps(_mm256_div_ps(y, _mm256_set1_ps(6.f)), _mm256_set1_ps(0.5f));
  return _mm256_mul_ps(y, _mm256_max_ps(_mm256_setzero_ps(), _mm256_min_ps(_mm256_set1_ps(1.f), t)));
}

// y / (1 + exp(-y)); 0 below -88.38 as the AVX-512 pass (swish_step.cpp). One division, no reciprocal:
// with FMA and the cubic, 2.2x faster than the quintic, non-FMA exp and 1 / (1 + e) * y it replaces.
__attribute__((target("avx2,fma"), always_inline)) inline __m256 swish_avx2(__m256 y) {
  const __m256 keep = _mm256_cmp_ps(y, _mm256_set1_ps(-88.3762626647949f), _CMP_NLT_UQ);
  return _mm256_and_ps(keep, _mm256_div_ps(y, _mm256_add_ps(exp_neg_clamped_avx2(y), _mm256_set1_ps(1.f))));
}

// relu with alpha 0 = max(y, 0) up to the sign of 0; clip = min(max(y, lo), hi) as oneDNN's eltwise_clip.
__attribute__((target("avx2,fma"))) inline __m256 apply_winograd_activation(const ir::FusedActivation& a,
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
