// The epilogue our own int8 conv kernels (Winograd, direct) apply to their exact int32 accumulators, in
// oneDNN's order and operations so outputs equal oneDNN's direct int8 path bit for bit:
// y = ((float)acc + bias/scale) * scale, activations, sum, requantize q = cvt_round_even(clamp(y *
// (1/step))).
#pragma once
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "ir/attrs.h"
#include "runtime/onednn/winograd_activation.h"

namespace qd::runtime::onednn {

enum class Int8Dst { f32, u8, s8 };

// What happens to each accumulator: y = post(pre((acc + bias[oc]) * scale[oc]) [+ dst]), then, for u8/s8
// destinations, q = round_even(clamp(y * inv_step, lo, 127)).
struct Int8ConvEpilogue {
  std::vector<float> bias, scale;  // per output channel, padded (bias = bias / scale, as oneDNN's)
  std::vector<ir::FusedActivation> pre_sum, post_sum;
  bool sum = false;
  Int8Dst dst = Int8Dst::f32;
  float inv_step = 0.f;  // u8/s8 destinations
};

// The epilogue of a conv with OC output channels (padded to oc_padded): per-channel dequantization scales,
// bias / scale (empty: none), requant > 0: u8 (out_u8) or s8 destination with that step, else f32.
inline Int8ConvEpilogue make_int8_conv_epilogue(int64_t OC, int64_t oc_padded,
                                                const std::vector<float>& scales,
                                                const float* bias_over_scale, float requant, bool out_u8) {
  Int8ConvEpilogue e;
  e.dst = requant == 0.f ? Int8Dst::f32 : out_u8 ? Int8Dst::u8 : Int8Dst::s8;
  e.inv_step = requant > 0.f ? 1.f / requant : 0.f;
  e.bias.assign(static_cast<size_t>(oc_padded), 0.f);
  e.scale.assign(static_cast<size_t>(oc_padded), 0.f);
  for (int64_t o = 0; o < OC; ++o) {
    e.scale[o] = scales[o];
    if (bias_over_scale) e.bias[o] = bias_over_scale[o];
  }
  return e;
}

__attribute__((target("avx2,fma"))) inline __m256 int8_epilogue_load_dst(const Int8ConvEpilogue& e,
                                                                         const void* dst, int64_t off,
                                                                         int lanes) {
  alignas(32) float tmp[8] = {};
  if (e.dst == Int8Dst::f32) {
    const float* p = static_cast<const float*>(dst) + off;
    if (lanes == 8) return _mm256_loadu_ps(p);
    std::memcpy(tmp, p, sizeof(float) * static_cast<size_t>(lanes));
    return _mm256_load_ps(tmp);
  }
  alignas(16) uint8_t b[16] = {};
  std::memcpy(b, static_cast<const uint8_t*>(dst) + off, static_cast<size_t>(lanes));
  const __m128i raw = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b));
  return _mm256_cvtepi32_ps(e.dst == Int8Dst::u8 ? _mm256_cvtepu8_epi32(raw) : _mm256_cvtepi8_epi32(raw));
}

__attribute__((target("avx2,fma"))) inline void int8_epilogue_store_dst(const Int8ConvEpilogue& e, void* dst,
                                                                        int64_t off, int lanes, __m256 y) {
  if (e.dst == Int8Dst::f32) {
    float* p = static_cast<float*>(dst) + off;
    if (lanes == 8) return _mm256_storeu_ps(p, y);
    alignas(32) float tmp[8];
    _mm256_store_ps(tmp, y);
    std::memcpy(p, tmp, sizeof(float) * static_cast<size_t>(lanes));
    return;
  }
  // Clamped to [lo, 127] already; cvtps rounds half to even like oneDNN's store.
  const __m256i q = _mm256_cvtps_epi32(y);
  const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
  const __m128i b = e.dst == Int8Dst::u8 ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
  uint8_t* p = static_cast<uint8_t*>(dst) + off;
  if (lanes == 8) return _mm_storel_epi64(reinterpret_cast<__m128i*>(p), b);
  alignas(16) uint8_t tmp[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(tmp), b);
  std::memcpy(p, tmp, static_cast<size_t>(lanes));
}

// The epilogue of the accumulators `a` of output channels oc..oc+lanes-1 into nhwc dst at element `off`.
__attribute__((target("avx2,fma"))) inline void int8_epilogue_apply(const Int8ConvEpilogue& e, __m256i a,
                                                                    int64_t oc, void* dst, int64_t off,
                                                                    int lanes) {
  const __m256 bias = _mm256_loadu_ps(e.bias.data() + oc), scale = _mm256_loadu_ps(e.scale.data() + oc);
  __m256 y = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(a), bias), scale);
  for (const auto& act : e.pre_sum) y = apply_winograd_activation(act, y);
  if (e.sum) y = _mm256_add_ps(y, int8_epilogue_load_dst(e, dst, off, lanes));
  for (const auto& act : e.post_sum) y = apply_winograd_activation(act, y);
  if (e.dst != Int8Dst::f32) {
    const __m256 lo = _mm256_set1_ps(e.dst == Int8Dst::u8 ? 0.f : -127.f), hi = _mm256_set1_ps(127.f);
    y = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(y, _mm256_set1_ps(e.inv_step)), lo), hi);
  }
  int8_epilogue_store_dst(e, dst, off, lanes, y);
}

// y = (acc + bias) * scale of 16 full output channels oc.. (int8_epilogue_apply's first step).
__attribute__((target("avx2,fma"), always_inline)) inline void int8_epilogue_dequantize16(
    const Int8ConvEpilogue& e, __m256i a0, __m256i a1, int64_t oc, __m256& y0, __m256& y1) {
  y0 = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(a0), _mm256_loadu_ps(e.bias.data() + oc)),
                     _mm256_loadu_ps(e.scale.data() + oc));
  y1 = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(a1), _mm256_loadu_ps(e.bias.data() + oc + 8)),
                     _mm256_loadu_ps(e.scale.data() + oc + 8));
}

// Clamped steps y0, y1 of 16 channels rounded and packed into one 16-byte u8/s8 store at `off`.
__attribute__((target("avx2,fma"), always_inline)) inline void int8_epilogue_pack16(const Int8ConvEpilogue& e,
                                                                                    __m256 y0, __m256 y1,
                                                                                    void* dst, int64_t off) {
  // int16 [y0 0-3, y1 0-3 | y0 4-7, y1 4-7] -> [y0 | y1]; cvtps rounds half to even like oneDNN's store.
  const __m256i w16 =
      _mm256_permute4x64_epi64(_mm256_packs_epi32(_mm256_cvtps_epi32(y0), _mm256_cvtps_epi32(y1)), 0xD8);
  const __m128i lo16 = _mm256_castsi256_si128(w16), hi16 = _mm256_extracti128_si256(w16, 1);
  const __m128i b = e.dst == Int8Dst::u8 ? _mm_packus_epi16(lo16, hi16) : _mm_packs_epi16(lo16, hi16);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(dst) + off), b);
}

// y0, y1 of 16 channels requantized to the u8/s8 destination and packed into one 16-byte store at `off`
// (int8_epilogue_apply's last step).
__attribute__((target("avx2,fma"), always_inline)) inline void int8_epilogue_requantize16(
    const Int8ConvEpilogue& e, __m256 y0, __m256 y1, void* dst, int64_t off) {
  const __m256 inv = _mm256_set1_ps(e.inv_step), lo = _mm256_set1_ps(e.dst == Int8Dst::u8 ? 0.f : -127.f),
               hi = _mm256_set1_ps(127.f);
  y0 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(y0, inv), lo), hi);
  y1 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(y1, inv), lo), hi);
  int8_epilogue_pack16(e, y0, y1, dst, off);
}

// The epilogue of 16 full output channels oc.. of one pixel (element `off` of the nhwc destination), in
// int8_epilogue_apply's operations and order, with the u8/s8 results packed into one 16-byte store.
__attribute__((target("avx2,fma"))) inline void int8_epilogue_apply16(const Int8ConvEpilogue& e, __m256i a0,
                                                                      __m256i a1, int64_t oc, void* dst,
                                                                      int64_t off) {
  __m256 y0, y1;
  int8_epilogue_dequantize16(e, a0, a1, oc, y0, y1);
  for (const auto& act : e.pre_sum) {
    y0 = apply_winograd_activation(act, y0);
    y1 = apply_winograd_activation(act, y1);
  }
  if (e.sum) {
    y0 = _mm256_add_ps(y0, int8_epilogue_load_dst(e, dst, off, 8));
    y1 = _mm256_add_ps(y1, int8_epilogue_load_dst(e, dst, off + 8, 8));
  }
  for (const auto& act : e.post_sum) {
    y0 = apply_winograd_activation(act, y0);
    y1 = apply_winograd_activation(act, y1);
  }
  if (e.dst == Int8Dst::f32) {
    float* p = static_cast<float*>(dst) + off;
    _mm256_storeu_ps(p, y0);
    _mm256_storeu_ps(p + 8, y1);
    return;
  }
  int8_epilogue_requantize16(e, y0, y1, dst, off);
}

// The 16-channel epilogues of the signed-source kernels, chosen once per conv: the general one above walks
// the activation lists (a switch per vector) and was not inlined, which in MobileNet's signed 1x1 expand
// convs (K of 16-96 channels) took 40% of the conv. The others compute the same operations in the same
// order inline. "clamp" = no activation, Relu (max(y, 0) = min(max(y, 0), +inf)) or Clip; "hardswish" =
// HardSwish; "swish" = Swish (EfficientNet: the general epilogue's Swish took 43% of its int8 run on AVX2,
// re-broadcasting its constants per call); then requantized (_to_int8) or stored as f32 (_to_f32);
// sum_clamp_to_f32 = y + dst, then a clamp (MobileNetV3's projection convs with their residual).
enum class Int8Epilogue16 {
  general,
  clamp_to_int8,
  hardswish_to_int8,
  clamp_to_f32,
  hardswish_to_f32,
  swish_to_int8,
  swish_to_f32,
  sum_clamp_to_f32
};

struct Int8Epilogue16Plan {
  Int8Epilogue16 kind = Int8Epilogue16::general;
  float act_lo = 0.f, act_hi = 0.f;  // the clamp kinds' activation bounds
  // clamp_to_int8: the activation's clamp and the destination's as one clamp of y * inv_step, to
  // [max(act_lo * inv_step, lo), min(act_hi * inv_step, 127)]. Exact: a rounded product is monotonic in y,
  // so clamping y first and the product after give the same value (int8_epilogue16_plan checks the bounds
  // are ordered).
  float q_lo = 0.f, q_hi = 0.f;
};

// The bounds of activation list `acts` as one clamp, when it is one: none, Relu or Clip.
inline bool int8_epilogue_clamp_bounds(const std::vector<ir::FusedActivation>& acts, float& lo, float& hi) {
  const float inf = __builtin_inff();
  if (acts.empty()) return lo = -inf, hi = inf, true;
  if (acts.size() > 1) return false;
  const ir::FusedActivation& a = acts[0];
  if (a.kind == ir::OpKind::Relu && a.alpha == 0.f) return lo = 0.f, hi = inf, true;
  if (a.kind == ir::OpKind::Clip) return lo = a.alpha, hi = a.beta, true;
  return false;
}

inline Int8Epilogue16Plan int8_epilogue16_plan(const Int8ConvEpilogue& e) {
  Int8Epilogue16Plan p;
  const bool f32 = e.dst == Int8Dst::f32;
  if (e.sum) {
    if (f32 && e.pre_sum.empty() && int8_epilogue_clamp_bounds(e.post_sum, p.act_lo, p.act_hi))
      p.kind = Int8Epilogue16::sum_clamp_to_f32;
    return p;
  }
  if (!e.post_sum.empty()) return p;
  if (int8_epilogue_clamp_bounds(e.pre_sum, p.act_lo, p.act_hi)) {
    p.kind = f32 ? Int8Epilogue16::clamp_to_f32 : Int8Epilogue16::clamp_to_int8;
    if (!f32) {
      const float inv = e.inv_step, lo = e.dst == Int8Dst::u8 ? 0.f : -127.f;
      p.q_lo = std::max(p.act_lo * inv, lo);
      p.q_hi = std::min(p.act_hi * inv, 127.f);
      // One clamp equals the two only when the activation's bounds are ordered and reach the destination's.
      if (!(inv > 0.f) || !(p.act_lo <= p.act_hi) || !(p.act_hi * inv >= lo) || !(p.q_lo <= p.q_hi))
        p.kind = Int8Epilogue16::general;
    }
  } else if (e.pre_sum.size() == 1 && e.pre_sum[0].kind == ir::OpKind::HardSwish)
    p.kind = f32 ? Int8Epilogue16::hardswish_to_f32 : Int8Epilogue16::hardswish_to_int8;
  else if (e.pre_sum.size() == 1 && e.pre_sum[0].kind == ir::OpKind::Swish)
    p.kind = f32 ? Int8Epilogue16::swish_to_f32 : Int8Epilogue16::swish_to_int8;
  return p;
}

template <Int8Epilogue16 K>
__attribute__((target("avx2,fma"), always_inline)) inline void int8_epilogue16(const Int8ConvEpilogue& e,
                                                                               const Int8Epilogue16Plan& plan,
                                                                               __m256i a0, __m256i a1,
                                                                               int64_t oc, void* dst,
                                                                               int64_t off) {
  if constexpr (K == Int8Epilogue16::general) {
    int8_epilogue_apply16(e, a0, a1, oc, dst, off);
  } else {
    constexpr bool hardswish =
        K == Int8Epilogue16::hardswish_to_int8 || K == Int8Epilogue16::hardswish_to_f32;
    constexpr bool swish = K == Int8Epilogue16::swish_to_int8 || K == Int8Epilogue16::swish_to_f32;
    constexpr bool to_f32 = K != Int8Epilogue16::clamp_to_int8 && K != Int8Epilogue16::hardswish_to_int8 &&
                            K != Int8Epilogue16::swish_to_int8;
    __m256 y0, y1;
    int8_epilogue_dequantize16(e, a0, a1, oc, y0, y1);
    if constexpr (K == Int8Epilogue16::clamp_to_int8) {  // one clamp, in steps (Int8Epilogue16Plan)
      const __m256 inv = _mm256_set1_ps(e.inv_step), lo = _mm256_set1_ps(plan.q_lo),
                   hi = _mm256_set1_ps(plan.q_hi);
      y0 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(y0, inv), lo), hi);
      y1 = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(y1, inv), lo), hi);
      int8_epilogue_pack16(e, y0, y1, dst, off);
      return;
    }
    if constexpr (K == Int8Epilogue16::sum_clamp_to_f32) {
      const float* p = static_cast<const float*>(dst) + off;
      y0 = _mm256_add_ps(y0, _mm256_loadu_ps(p));
      y1 = _mm256_add_ps(y1, _mm256_loadu_ps(p + 8));
    }
    if constexpr (hardswish) {  // the functions apply_winograd_activation calls
      y0 = hardswish_avx2(y0);
      y1 = hardswish_avx2(y1);
    } else if constexpr (swish) {
      y0 = swish_avx2(y0);
      y1 = swish_avx2(y1);
    } else {
      const __m256 lo = _mm256_set1_ps(plan.act_lo), hi = _mm256_set1_ps(plan.act_hi);
      y0 = _mm256_min_ps(_mm256_max_ps(y0, lo), hi);
      y1 = _mm256_min_ps(_mm256_max_ps(y1, lo), hi);
    }
    if constexpr (to_f32) {
      float* p = static_cast<float*>(dst) + off;
      _mm256_storeu_ps(p, y0);
      _mm256_storeu_ps(p + 8, y1);
    } else {
      int8_epilogue_requantize16(e, y0, y1, dst, off);
    }
  }
}

// Calls f.template operator()<K>() with the plan's kind as a template argument (the kernels' dispatch).
template <class F>
auto with_int8_epilogue16(Int8Epilogue16 k, F&& f) {
  switch (k) {
    case Int8Epilogue16::clamp_to_int8:
      return f.template operator()<Int8Epilogue16::clamp_to_int8>();
    case Int8Epilogue16::hardswish_to_int8:
      return f.template operator()<Int8Epilogue16::hardswish_to_int8>();
    case Int8Epilogue16::clamp_to_f32:
      return f.template operator()<Int8Epilogue16::clamp_to_f32>();
    case Int8Epilogue16::hardswish_to_f32:
      return f.template operator()<Int8Epilogue16::hardswish_to_f32>();
    case Int8Epilogue16::swish_to_int8:
      return f.template operator()<Int8Epilogue16::swish_to_int8>();
    case Int8Epilogue16::swish_to_f32:
      return f.template operator()<Int8Epilogue16::swish_to_f32>();
    case Int8Epilogue16::sum_clamp_to_f32:
      return f.template operator()<Int8Epilogue16::sum_clamp_to_f32>();
    default:
      return f.template operator()<Int8Epilogue16::general>();
  }
}

// The two epilogues of ResNet-like nets with their own code (the kernels pick it once per conv, not per
// vector; the general one iterates the activation lists for every 8 outputs, which took about a third of
// the int8 Winograd's output transform): conv + Relu requantized to u8/s8, and conv + sum + Relu in f32.
enum class Int8EpilogueKind { general, relu_to_int8, sum_relu_to_f32 };

inline Int8EpilogueKind int8_epilogue_kind(const Int8ConvEpilogue& e) {
  auto only_relu = [](const std::vector<ir::FusedActivation>& acts) {
    return acts.size() == 1 && acts[0].kind == ir::OpKind::Relu;
  };
  if (e.dst != Int8Dst::f32 && !e.sum && only_relu(e.pre_sum) && e.post_sum.empty())
    return Int8EpilogueKind::relu_to_int8;
  if (e.dst == Int8Dst::f32 && e.sum && e.pre_sum.empty() && only_relu(e.post_sum))
    return Int8EpilogueKind::sum_relu_to_f32;
  return Int8EpilogueKind::general;
}

// int8_epilogue_apply for 8 full lanes of one of the special kinds, with the channels' bias and scale
// loaded (same operations in the same order, so the same results).
template <Int8EpilogueKind K>
__attribute__((target("avx2,fma"))) inline void int8_epilogue_apply8(const Int8ConvEpilogue& e, __m256i a,
                                                                     __m256 bias, __m256 scale, void* dst,
                                                                     int64_t off) {
  __m256 y = _mm256_mul_ps(_mm256_add_ps(_mm256_cvtepi32_ps(a), bias), scale);
  if constexpr (K == Int8EpilogueKind::relu_to_int8) {
    y = _mm256_max_ps(y, _mm256_setzero_ps());
    const __m256 lo = _mm256_set1_ps(e.dst == Int8Dst::u8 ? 0.f : -127.f), hi = _mm256_set1_ps(127.f);
    y = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(y, _mm256_set1_ps(e.inv_step)), lo), hi);
    const __m256i q = _mm256_cvtps_epi32(y);
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    const __m128i b = e.dst == Int8Dst::u8 ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(static_cast<uint8_t*>(dst) + off), b);
  } else {
    float* p = static_cast<float*>(dst) + off;
    y = _mm256_max_ps(_mm256_add_ps(y, _mm256_loadu_ps(p)), _mm256_setzero_ps());
    _mm256_storeu_ps(p, y);
  }
}

// The epilogue of accumulators a of output channels oc.. (lanes of them) at element off, kind of e given.
__attribute__((target("avx2,fma"))) inline void int8_epilogue_store(const Int8ConvEpilogue& e,
                                                                    Int8EpilogueKind kind, __m256i a,
                                                                    int64_t oc, void* dst, int64_t off,
                                                                    int lanes) {
  if (lanes == 8 && kind == Int8EpilogueKind::relu_to_int8)
    return int8_epilogue_apply8<Int8EpilogueKind::relu_to_int8>(
        e, a, _mm256_loadu_ps(e.bias.data() + oc), _mm256_loadu_ps(e.scale.data() + oc), dst, off);
  if (lanes == 8 && kind == Int8EpilogueKind::sum_relu_to_f32)
    return int8_epilogue_apply8<Int8EpilogueKind::sum_relu_to_f32>(
        e, a, _mm256_loadu_ps(e.bias.data() + oc), _mm256_loadu_ps(e.scale.data() + oc), dst, off);
  int8_epilogue_apply(e, a, oc, dst, off, lanes);
}

}  // namespace qd::runtime::onednn
