// Swish (SiLU, x * sigmoid(x)) in place over an fp32 buffer with AVX-512, run after a convolution instead of
// oneDNN 2.6's eltwise_swish post-op. That post-op costs ~0.85 ns per element on the AVX-512 test machine
// (EfficientNet-B0's 16->96 1x1 conv at 112x112: 0.39 ms without it, 1.42 ms with it); this pass computes
// exp with a short polynomial and one division, within a few ulp of x / (1 + exp(-x)).
#pragma once
#include <cstdint>

#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// True when the CPU (as oneDNN dispatches, so ONEDNN_MAX_CPU_ISA caps it) has AVX-512.
bool swish_pass_available();

// x[i] = x[i] / (1 + exp(-x[i])) for i in [0, count); needs swish_pass_available().
void swish_inplace(float* x, int64_t count);

class SwishStep : public Step {
 public:
  SwishStep(int buffer, int64_t count) : buffer_(buffer), count_(count) {}
  void execute(RunContext& ctx) override;

 private:
  int buffer_;
  int64_t count_;
};

// An SE block's GlobalAveragePool over a Swish output (EfficientNet), computed in the Swish pass: the pool
// read the whole tensor again (17 steps, ~2.7% of EfficientNet-B0's int8 run). x: [N, C, H, W] f32 in nhwc
// or nChw16c (blocked16; channels padded to 16).
struct SwishPoolShape {
  int64_t N = 0, C = 0, H = 0, W = 0;
  bool blocked16 = false;
};

// Swish in place (the same bytes as swish_inplace) and the mean of each channel of each image of its output,
// summed in pixel order whatever the thread count, into mean: [N, C, 1, 1] in x's layout (nhwc: n * C + c;
// nChw16c: padded channels get 0). Needs swish_pass_available().
void swish_inplace_channel_means(float* x, const SwishPoolShape& s, float* mean);

class SwishPoolStep : public Step {
 public:
  SwishPoolStep(int buffer, SwishPoolShape shape, int mean) : buffer_(buffer), shape_(shape), mean_(mean) {}
  void execute(RunContext& ctx) override;

 private:
  int buffer_;
  SwishPoolShape shape_;
  int mean_;
};

// Swish then int8 quantization with `step` from an f32 scratch buffer into an s8 buffer of the same layout in
// one AVX-512 pass: an int8 conv with a final Swish whose consumers read int8 (build_conv).
// y[i] = round_half_away(x[i] / ((1 + exp(-x[i])) * step)) clamped to +-127, exp as swish_inplace computes
// it, and one division for Swish and the step together: ~30% faster than Swish followed by the reference's
// quantization of its value, and the same int8 value except where the quotient lies within a few ulp of a
// rounding tie (then one step off). Needs swish_pass_available().
void swish_quantize(const float* x, int8_t* y, int64_t count, float step);

class SwishQuantizeStep : public Step {
 public:
  SwishQuantizeStep(int src, int dst, int64_t count, float step)
      : src_(src), dst_(dst), count_(count), step_(step) {}
  void execute(RunContext& ctx) override;

 private:
  int src_, dst_;
  int64_t count_;
  float step_;
};

}  // namespace qd::runtime::onednn
