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
    case ir::OpKind::HardSwish: {  // the reference's y * max(0, min(1, y / 6 + 0.5)); only the signed-source
      // int8 kernel admits it (signed_int8_conv.h): the Winograd kernels must equal oneDNN's post-op
      const __m256 t = _mm256_add_ps(_mm256_div_ps(y, _mm256_set1_ps(6.f)), _mm256_set1_ps(0.5f));
      return _mm256_mul_ps(y, _mm256_max_ps(_mm256_setzero_ps(), _mm256_min_ps(_mm256_set1_ps(1.f), t)));
    }
    default:
      return y;  // not reached: the Winograd support checks admit only the cases above
  }
}

}  // namespace qd::runtime::onednn
