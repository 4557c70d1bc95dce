// Concat of two equal halves along channels + ShuffleChannel(group 2) in one pass, written NHWC (fp32).
// ShuffleNetV2's every unit ends in concat(x1, branch) -> channel shuffle -> split; oneDNN has no nhwc
// shuffle kernel (ref:any) and concats mixed layouts with its reference too, so each unit paid a concat, a
// reorder to plain NCHW, the shuffle and reorders back to nhwc for the int8 1x1 conv (36% of the int8 run).
// With group 2 the shuffle of concat(a, b) is a per-pixel interleave: out[p][2k] = a[p][k],
// out[p][2k + 1] = b[p][k]. When the shuffled value is only split into its two channel halves (the next
// unit's x1 and x2), the pass writes the halves instead (two more copies per unit saved).
#pragma once
#include <cstdint>

#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// a, b: [pixels, C] (NHWC rows); dst: [pixels, 2C] with channel 2k from a and 2k + 1 from b.
void interleave_channel_halves(const float* a, const float* b, float* dst, int64_t pixels, int64_t C);

// The same result cut into channels [0, C) -> lo and [C, 2C) -> hi, each [pixels, C]; C even.
void interleave_channel_halves_split(const float* a, const float* b, float* lo, float* hi, int64_t pixels,
                                     int64_t C);

class ConcatShuffleStep : public Step {
 public:
  // hi < 0: dst is the whole shuffled value; else dst and hi are its two channel halves.
  ConcatShuffleStep(int a, int b, int dst, int hi, int64_t pixels, int64_t channels)
      : a_(a), b_(b), dst_(dst), hi_(hi), pixels_(pixels), channels_(channels) {}
  void execute(RunContext& ctx) override;

 private:
  int a_, b_, dst_, hi_;
  int64_t pixels_, channels_;  // channels of each input half
};

}  // namespace qd::runtime::onednn
