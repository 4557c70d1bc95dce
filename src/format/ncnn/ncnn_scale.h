// Conversions at the ncnn boundary between ncnn's int8 multipliers (q = round(x * m), m = 127/absmax)
// and qdeploy's step sizes (x = q * step). Shared by the ncnn reader, table reader and writers.
#pragma once
#include <cmath>
#include <cstdint>
#include <span>

namespace qd::ncnn {

// step = 1/m in double. Exact enough that multiplier_from_step gives m back for every positive float m
// (the relative error of 1/(1/m) in double is ~2^-52, far below half a float ulp), which a float step
// cannot do: for about one multiplier in seven a neighbouring float has the same float reciprocal.
inline double step_from_multiplier(float m) { return 1.0 / static_cast<double>(m); }

// m = 1/step as the fp32 that ncnn stores (round to nearest).
inline float multiplier_from_step(double step) { return static_cast<float>(1.0 / step); }

// ncnn2int8's weight quantization: q = clamp(round(w * m), -127, 127) (round half away from zero).
inline int8_t quantize_weight(float w, float m) {
  float q = std::round(w * m);
  q = q < -127.f ? -127.f : (q > 127.f ? 127.f : q);
  return static_cast<int8_t>(q);
}

// ncnn's fp32 -> fp16 conversion as its model writer does it: the mantissa is truncated (not rounded),
// values below the fp16 normal range become signed zero, values above it become infinity.
inline uint16_t ncnn_float_to_half(float f) {
  uint32_t u;
  static_assert(sizeof(u) == sizeof(f));
  __builtin_memcpy(&u, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((u >> 31) << 15);
  const int exponent = static_cast<int>((u >> 23) & 0xFF);
  const uint32_t mantissa = u & 0x7FFFFF;
  if (exponent == 0) return sign;
  if (exponent == 0xFF) return static_cast<uint16_t>(sign | 0x7C00 | (mantissa ? 0x200 : 0));
  const int half_exponent = exponent - 127 + 15;
  if (half_exponent >= 31) return static_cast<uint16_t>(sign | 0x7C00);
  if (half_exponent <= 0) return sign;
  return static_cast<uint16_t>(sign | (half_exponent << 10) | (mantissa >> 13));
}

}  // namespace qd::ncnn
