// A step of the oneDNN executor that interleaves the planes of an NCHW tensor with few channels into NHWC:
// the image before the first conv (int8 bytes once quantized, or f32). oneDNN's reorder for this (3
// channels, no blocked layout on either side) is a generic loop: 0.037 ms for a 224x224 image of bytes, 7% of
// MobileNetV3-Small's int8 run, and 0.045 ms of floats, 4.5% of its fp32 run (AVX-512, one thread). Here 16
// pixels per pshufb round for bytes, 8 per three AVX2 permutes for floats.
#pragma once
#include <cstdint>

#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// dst[(n * HW + p) * C + c] = src[(n * C + c) * HW + p] for bytes.
void interleave_planes(const uint8_t* src, uint8_t* dst, int64_t N, int64_t C, int64_t HW);
// The same for floats.
void interleave_planes(const float* src, float* dst, int64_t N, int64_t C, int64_t HW);

class InterleavePlanesStep : public Step {
 public:
  // `element_bytes`: 1 (int8 / uint8) or 4 (f32).
  InterleavePlanesStep(int src, int dst, int64_t N, int64_t C, int64_t HW, int element_bytes)
      : src_(src), dst_(dst), N_(N), C_(C), HW_(HW), element_bytes_(element_bytes) {}
  void execute(RunContext& ctx) override;

 private:
  int src_, dst_;
  int64_t N_, C_, HW_;
  int element_bytes_;
};

}  // namespace qd::runtime::onednn
