// Conversions at the ncnn boundary between ncnn's int8 multipliers (q = round(x * m), m = 127/absmax)
// and qdeploy's step sizes (x = q * step). Shared by the ncnn reader, table reader and writers.
#pragma once
#include <cmath>
#include <cstdint>
#include <span>

namespace qd::ncnn {

// step = 1/m, correctly rounded to float.
inline float step_from_multiplier(float m) { return static_cast<float>(1.0 / static_cast<double>(m)); }

// m = 1/step, choosing among the nearest floats one that maps back to `step`, so a multiplier read
// from ncnn survives multiplier -> step -> multiplier whenever a float step can represent it.
inline float multiplier_from_step(float step) {
  const float m0 = static_cast<float>(1.0 / static_cast<double>(step));
  const float candidates[] = {m0, std::nextafter(m0, 0.f), std::nextafter(m0, INFINITY)};
  for (float m : candidates)
    if (step_from_multiplier(m) == step) return m;
  return m0;
}

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
