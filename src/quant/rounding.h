// Symmetric integer quantization on a step grid (ncnn semantics): q = clamp(round(x / step), -qmax, qmax)
// with round-half-away-from-zero and a symmetric range (int8 never produces -128).
#pragma once
#include <cmath>
#include <cstdint>

#include "core/error.h"

namespace qd::quant {

// Largest representable magnitude for a symmetric signed `bits`-bit grid: 2^(bits-1) - 1 (8 -> 127, 6 -> 31,
// 4 -> 7).
constexpr int qmax_for_bits(int bits) { return (1 << (bits - 1)) - 1; }

// Rounds half away from zero (2.5 -> 3, -2.5 -> -3) and clamps to [-qmax, qmax]. NaN maps to 0.
inline int32_t round_clamp_symmetric(float v, int qmax) {
  if (std::isnan(v)) return 0;
  const float limit = static_cast<float>(qmax);
  const float r = std::round(v);  // std::round rounds halfway cases away from zero
  return static_cast<int32_t>(r > limit ? limit : (r < -limit ? -limit : r));
}

// q = clamp(round(x / step), -qmax, qmax) for a symmetric n-bit grid; step must be > 0.
inline int32_t quantize_symmetric_bits(float x, float step, int bits) {
  return round_clamp_symmetric(x / step, qmax_for_bits(bits));
}

// int8 on a [-127, 127] grid: q = clamp(round(x / step), -127, 127).
inline int8_t quantize_symmetric(float x, float step) {
  return static_cast<int8_t>(round_clamp_symmetric(x / step, 127));
}

// ncnn computes q = round(x * multiplier) with multiplier = 1 / step; the product can differ from x / step in
// the last ulp, which matters only at exact .5 ties. Use this variant to mirror ncnn bit for bit.
inline int8_t quantize_symmetric_multiplier(float x, float multiplier) {
  return static_cast<int8_t>(round_clamp_symmetric(x * multiplier, 127));
}

// Real value of a grid point: x = q * step.
inline float dequantize_symmetric(int32_t q, float step) { return static_cast<float>(q) * step; }

// Thresholds (absmax units) at or below this are treated as "all zero": see step_from_threshold.
constexpr float kTinyThreshold = 1e-12f;

// Step for a symmetric grid clipping at `threshold`: threshold / qmax, in double so that the ncnn
// multiplier (float)(1 / step) equals ncnn2table's fp32 qmax / threshold. A zero, tiny or non-finite
// threshold (all-zero channel or activation) gets step 1: every value then quantizes to 0 and the ncnn
// multiplier (1 / step) stays finite, unlike ncnn2table's 127 / 0 = inf (ncnn issue #3321).
inline double step_from_threshold(float threshold, int qmax) {
  if (!(threshold > kTinyThreshold) || !std::isfinite(threshold)) return 1.0;
  return static_cast<double>(threshold) / qmax;
}

}  // namespace qd::quant
