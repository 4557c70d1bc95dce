// Exact int8 reference (the oracle for oneDNN int8) and fake quantization (Int8Mode::simulate).
// Semantics (ncnn): q = clamp(round_half_away_from_zero(x / step), -qmax, qmax), qmax = 127 for
// activations and 2^(bits-1)-1 for weights; int32 accumulation; y = acc * (s_in * s_w[oc]) + bias in
// fp32, then the fused activation. An output_scale > 0 does not change y here: the consumer quantizes
// y with its own input_scale (the oneDNN backend emits int8 directly when that is numerically the same,
// up to rounding ties: oneDNN multiplies by 1/step and rounds half to even, so at an exact .5 tie the
// two backends may differ by one step; activation quantization itself is exact in both).
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/tensor.h"
#include "ir/attrs.h"
#include "ir/quant_params.h"

namespace qd::runtime::ref {

inline int8_t quantize_value(float x, float step, int qmax = 127) {
  float r = std::round(x / step);  // std::round: half away from zero
  const float m = static_cast<float>(qmax);
  r = r < -m ? -m : (r > m ? m : r);
  return static_cast<int8_t>(r);
}
// quantize_value without a libm call, so loops vectorize: trunc, then step away from zero when the
// (exact) remainder is >= 0.5. Identical results for every finite input.
inline int8_t quantize_value_fast(float x, float step, float qmax = 127.f) {
  const float v = x / step;
  float t = std::trunc(v);
  const float d = v - t;  // exact: t and v share sign and |v - t| < 1
  t += d >= 0.5f ? 1.f : 0.f;
  t -= d <= -0.5f ? 1.f : 0.f;
  t = t < -qmax ? -qmax : (t > qmax ? qmax : t);
  return static_cast<int8_t>(t);
}

// f32 -> i8 tensor with one step.
Tensor quantize(const Tensor& x, float step, int qmax = 127);
// Per-output-channel (dim 0) weight quantization; `steps` has one value per channel or one for all.
// A step of 0 (an all-zero channel) gives q = 0; negative or non-finite steps are user errors.
// The steps are ir::LayerQuant's doubles; the arithmetic uses each step rounded to float.
Tensor quantize_weights(const Tensor& w, const std::vector<double>& steps, int bits);
// The int8 weights `w` was read as (Tensor::int8_rows, e.g. an ncnn int8 file) when they are exactly what
// quantize_weights(w, steps, bits) gives (same steps, no value clamped by `bits`), reshaped to w's shape;
// else an empty tensor. Lets the int8 runtime skip both the fp32 weights and their requantization. The
// result may alias a read-only file mapping: read it, never write to it.
Tensor stored_int8_weights(const Tensor& w, const std::vector<double>& steps, int bits);
// quantize_weights, or the stored int8 weights when they are the same (stored_int8_weights).
Tensor int8_weights(const Tensor& w, const std::vector<double>& steps, int bits);
// The step of output channel `oc` (a single step applies to every channel).
double channel_step(const std::vector<double>& steps, int64_t oc);
// The fp32 factor that turns an int32 accumulator of output channel `oc` into a real value:
// alpha * input step * weight step, formed in double and rounded once (with dequant_reciprocal_estimate:
// ncnn's estimate, reciprocal_estimate_dequant_scale).
float dequant_scale(const ir::LayerQuant& q, int64_t oc, float alpha = 1.f);
// The dequantization multiplier of a layer with dequant_reciprocal_estimate (as real ncnn computes it).
float reciprocal_estimate_dequant_scale(const ir::LayerQuant& q, int64_t oc);

// i8 x i8 -> i32 convolution (no bias, no activation): the exact accumulator.
Tensor conv2d_int32(const Tensor& qx, const Tensor& qw, const ir::ConvAttrs& attrs);
// Full int8 conv: quantize x and w, accumulate in int32, scale, bias, activation. Output f32.
Tensor conv2d_int8(const Tensor& x, const Tensor& w, const Tensor& bias, const ir::ConvAttrs& attrs,
                   const ir::LayerQuant& q);
// Int8 Gemm with constant B: A quantized with input_scale, B per output column n (B^T row when trans_b).
// trans_a is supported. Y = alpha * acc * s_in * s_w[n] + beta * C, then the activation.
Tensor gemm_int8(const Tensor& a, const Tensor& b, const Tensor& c, const ir::GemmAttrs& attrs,
                 const ir::LayerQuant& q);

// Fake quantization in fp32: clamp(round(x / step)) * step.
Tensor fake_quantize(const Tensor& x, float step, int qmax = 127);
// Weights fake-quantized per output channel of a conv ([O,...]) or of a Gemm B (axis = output axis).
Tensor fake_quantize_weights(const Tensor& w, const std::vector<double>& steps, int bits, int axis = 0);

}  // namespace qd::runtime::ref
