// y = x * s[c] quantized to int8 in one AVX-512 or AVX2 pass (batch 1, x f32 nhwc [1, C, H, W], s [1, C, 1,
// 1]): the Mul that ends an SE block when only int8 convs read its output. Replaces oneDNN 2.6's binary_mul
// with linear + clip post-ops (~0.27 ns per element: 7% of MobileNetV3-Large's int8 run, 10% of
// EfficientNet-B0's) with the same operations in the same order, so the same bytes: v = (x * s) * (1 / step),
// clamp to [lo, 127], round half to even.
#pragma once
#include <cstdint>

#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// True when the CPU has AVX2 (AVX2-only machines: oneDNN's AVX2 binary took ~0.6 ns per element, 5.6% of
// MobileNetV3-Small's int8 run capped to AVX2). The AVX-512 kernel runs where oneDNN dispatches to AVX-512
// (ONEDNN_MAX_CPU_ISA caps it), the AVX2 one elsewhere.
bool channel_scale_quantize_available();

// y[p * C + c] = q((x[p * C + c] * s[c]) * inv_step) for p < pixels, c < C; u8: clamp low at 0 and store
// u8, else -127 and s8. Needs channel_scale_quantize_available().
void channel_scale_quantize(const float* x, const float* s, void* y, int64_t pixels, int64_t C,
                            float inv_step, bool u8);
// The AVX2 kernel itself (what channel_scale_quantize runs below AVX-512), for tests on AVX-512 machines.
void channel_scale_quantize_avx2(const float* x, const float* s, void* y, int64_t pixels, int64_t C,
                                 float inv_step, bool u8);

class ChannelScaleQuantizeStep : public Step {
 public:
  ChannelScaleQuantizeStep(int x, int scale, int y, int64_t pixels, int64_t channels, float step, bool u8)
      : x_(x), scale_(scale), y_(y), pixels_(pixels), channels_(channels), inv_step_(1.f / step), u8_(u8) {}
  void execute(RunContext& ctx) override;

 private:
  int x_, scale_, y_;
  int64_t pixels_, channels_;
  float inv_step_;
  bool u8_;
};

}  // namespace qd::runtime::onednn
