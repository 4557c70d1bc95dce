// Int8 convolution step of the oneDNN executor for signed (s8) sources on AVX2 machines without VNNI.
//
// Why: there oneDNN's int8 kernels read only u8 sources in [0, 127] exactly (vpmaddubsw's int16 pair sums
// saturate; its s8-source convs halve the weights), so a conv reading a signed value (after HardSwish, a
// linear bottleneck, the normalized image) ran as two u8 convs on the value's positive and negative parts:
// 2 x (vpmaddubsw + vpmaddwd) per 32 multiply-adds plus the split pass, as slow as fp32. Here the s8 source
// is widened to int16 once and each pair of input channels goes through one vpmaddwd (int16 x int16 pair
// sums in int32, exact for any int8 values): 2 multiplies per 32 multiply-adds, no split, and the
// accumulators stay in registers over all taps and channels. Epilogue: int8_conv_epilogue.h.
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "ir/attrs.h"
#include "runtime/onednn/int8_conv_epilogue.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// Sizes of one conv: s8 nhwc [N, H, W, C] -> nhwc [N, OH, OW, OC], kernel KH x KW, any stride, dilation 1,
// one group. The source is widened into a zero-padded int16 [N, PH, PW, C] buffer so the kernel has no
// edges. One kernel row of a window is KW * C contiguous values there: the kernel's K runs over the KH rows
// of KW * C values each (rounded up to pairs; the odd value read past a row meets a zero weight).
struct SignedInt8Shape {
  int64_t N = 0, C = 0, H = 0, W = 0, OC = 0, OH = 0, OW = 0;
  int kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  int64_t row_pairs() const { return (kw * C + 1) / 2; }
  int64_t oc_padded() const { return (OC + 15) / 16 * 16; }
  int64_t padded_h() const { return (OH - 1) * stride_h + kh; }
  int64_t padded_w() const { return (OW - 1) * stride_w + kw; }
  // The padded source and one int16 of slack for the last row's odd value.
  int64_t padded_elems() const { return N * padded_h() * padded_w() * C + 1; }
  // The padded int16 source (the windows into it: signed_int8_windows, kept by the step).
  size_t scratch_bytes() const { return static_cast<size_t>(padded_elems()) * sizeof(int16_t); }
};

// Where each output pixel's window starts in the padded int16 source (one per pixel, n-major).
std::vector<int64_t> signed_int8_windows(const SignedInt8Shape& s);

// s8 weights [OC, C, KH, KW] widened and packed for the kernel: [OCp/16][KH rows][row_pairs][16 oc][2], K
// within a row = kx * C + c (zeros in the padding).
AlignedArray<int16_t> signed_int8_weights(const Tensor& qw);

// The fused activations the signed kernels' epilogue computes: Relu, LeakyRelu, Clip, HardSwish, Sigmoid,
// Swish.
bool signed_int8_activation_supported(const ir::FusedActivation& act);

// True when the machine has AVX2 and the conv has one group, dilation 1, and every fused activation is one
// the epilogue computes (Relu, LeakyRelu, Clip, HardSwish, Sigmoid, Swish).
bool signed_int8_supported(const ir::ConvAttrs& a, const std::vector<ir::FusedActivation>& activations);

// The exact int32 accumulators of the conv (no bias, no scale) written as nhwc [N, OH, OW, OC]; src is s8
// nhwc, scratch has scratch_bytes(). For tests against the reference integer conv.
void signed_int8_accumulate(const SignedInt8Shape& s, const int8_t* src, const AlignedArray<int16_t>& w,
                            uint8_t* scratch, int32_t* acc);

// The conv with epilogue e into dst (nhwc, e's type): what SignedInt8ConvStep runs. general_epilogue: the
// generic epilogue code even where a specialised one exists (tests compare the two bit for bit).
void signed_int8_convolve(const SignedInt8Shape& s, const int8_t* src, const AlignedArray<int16_t>& w,
                          uint8_t* scratch, void* dst, const Int8ConvEpilogue& e, bool general_epilogue);

class SignedInt8ConvStep : public Step {
 public:
  // src: s8 nhwc; dst: nhwc of epilogue.dst's type; scratch: scratch_bytes().
  SignedInt8ConvStep(SignedInt8Shape shape, int src, int dst, int scratch, AlignedArray<int16_t> w,
                     Int8ConvEpilogue epilogue)
      : s_(shape),
        src_(src),
        dst_(dst),
        scratch_(scratch),
        w_(std::move(w)),
        epilogue_(std::move(epilogue)),
        plan_(int8_epilogue16_plan(epilogue_)),
        window_(signed_int8_windows(s_)) {}
  void execute(RunContext& ctx) override;

 private:
  SignedInt8Shape s_;
  int src_, dst_, scratch_;
  AlignedArray<int16_t> w_;
  Int8ConvEpilogue epilogue_;
  Int8Epilogue16Plan plan_;
  std::vector<int64_t> window_;
};

}  // namespace qd::runtime::onednn
