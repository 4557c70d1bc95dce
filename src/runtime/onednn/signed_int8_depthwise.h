// Int8 depthwise convolution step of the oneDNN executor for signed (s8) sources on AVX2 machines without
// VNNI: the depthwise counterpart of signed_int8_conv.h (why: see there); also for u8 sources there. The s8
// source is widened to int16 once; for 16 channels at a time, two kernel taps are interleaved per channel
// (vpunpck*wd) and go through one vpmaddwd against the two taps' weights, exact for any int8 values.
// Epilogue: int8_conv_epilogue.h.
#pragma once
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "ir/attrs.h"
#include "runtime/onednn/int8_conv_epilogue.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// Sizes of one depthwise conv (groups = C = OC): s8 nhwc [N, H, W, C] -> nhwc [N, OH, OW, C], kernel KH x KW,
// any stride, dilation 1. The source is widened into a zero-padded int16 [N, PH, PW, Cp] buffer, channels
// padded to 16.
struct SignedInt8DepthwiseShape {
  int64_t N = 0, C = 0, H = 0, W = 0, OH = 0, OW = 0;
  int kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  // A u8 source, widened with zero extension (build_conv_signed_int8 says where it beats oneDNN's u8
  // depthwise kernel).
  bool u8_source = false;
  int64_t c_padded() const { return (C + 15) / 16 * 16; }
  int64_t tap_pairs() const { return (kh * kw + 1) / 2; }
  int64_t padded_h() const { return (OH - 1) * stride_h + kh; }
  int64_t padded_w() const { return (OW - 1) * stride_w + kw; }
  int64_t padded_elems() const { return N * padded_h() * padded_w() * c_padded(); }
  size_t scratch_bytes() const { return static_cast<size_t>(padded_elems()) * sizeof(int16_t); }
};

// Where each output pixel's window starts in the padded int16 source (one per pixel, n-major).
std::vector<int64_t> signed_int8_depthwise_windows(const SignedInt8DepthwiseShape& s);

// s8 weights [C, 1, KH, KW] widened and packed: [Cp/16][tap pairs][32 int16 in vpunpcklwd order][32 int16 in
// vpunpckhwd order] (a pair's second tap is zero when the tap count is odd).
AlignedArray<int16_t> signed_int8_depthwise_weights(const Tensor& qw);

// True when the machine has AVX2 and the conv is depthwise (groups = input channels = output channels, 2-D
// kernel), dilation 1, and every fused activation is one the epilogue computes.
bool signed_int8_depthwise_supported(const ir::ConvAttrs& a, const Shape& x_shape, const Shape& weight_shape,
                                     const std::vector<ir::FusedActivation>& activations);

// The exact int32 accumulators (no bias, no scale) as nhwc [N, OH, OW, C]; src is s8 (u8 with u8_source)
// nhwc, scratch has scratch_bytes(). For tests against the reference integer conv.
void signed_int8_depthwise_accumulate(const SignedInt8DepthwiseShape& s, const int8_t* src,
                                      const AlignedArray<int16_t>& w, uint8_t* scratch, int32_t* acc);

// The conv with epilogue e into dst (nhwc, e's type): what SignedInt8DepthwiseStep runs. general_epilogue:
// the generic epilogue code even where a specialised one exists (tests compare the two bit for bit).
void signed_int8_depthwise_convolve(const SignedInt8DepthwiseShape& s, const int8_t* src,
                                    const AlignedArray<int16_t>& w, uint8_t* scratch, void* dst,
                                    const Int8ConvEpilogue& e, bool general_epilogue);

class SignedInt8DepthwiseStep : public Step {
 public:
  // src: s8 nhwc; dst: nhwc of epilogue.dst's type; scratch: scratch_bytes().
  SignedInt8DepthwiseStep(SignedInt8DepthwiseShape shape, int src, int dst, int scratch,
                          AlignedArray<int16_t> w, Int8ConvEpilogue epilogue)
      : s_(shape),
        src_(src),
        dst_(dst),
        scratch_(scratch),
        w_(std::move(w)),
        epilogue_(std::move(epilogue)),
        plan_(int8_epilogue16_plan(epilogue_)),
        window_(signed_int8_depthwise_windows(s_)) {}
  void execute(RunContext& ctx) override;

 private:
  SignedInt8DepthwiseShape s_;
  int src_, dst_, scratch_;
  AlignedArray<int16_t> w_;
  Int8ConvEpilogue epilogue_;
  Int8Epilogue16Plan plan_;
  std::vector<int64_t> window_;
};

}  // namespace qd::runtime::onednn
