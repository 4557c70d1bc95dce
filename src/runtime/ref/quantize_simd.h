// Bulk f32 -> int8 quantization with exactly ref::quantize_value's results (round half away from zero,
// clamp to +-qmax), vectorized with AVX2 when the CPU has it (chosen at run time; the baseline x86-64
// build has no vector trunc, so the plain loop is a libm call per element).
#pragma once
#include <cstdint>

namespace qd::runtime::ref {

// y[i] = quantize_value(x[i], step, qmax) for i in [0, count).
void quantize_span(const float* x, int8_t* y, int64_t count, float step, int qmax = 127);
// q = quantize_value(x[i], step): pos[i] = max(q, 0), neg[i] = max(-q, 0).
void quantize_span_split(const float* x, uint8_t* pos, uint8_t* neg, int64_t count, float step);
// y[i] = quantize_value(x[i], step, qmax) * step.
void fake_quantize_span(const float* x, float* y, int64_t count, float step, int qmax = 127);

}  // namespace qd::runtime::ref
