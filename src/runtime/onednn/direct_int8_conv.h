// Direct 3x3 int8 convolution step of the oneDNN executor for small outputs on AVX2 (u8 source, s8 weights).
//
// Why: without VNNI, oneDNN's int8 direct convs spend vpmaddubsw + vpmaddwd (+ vpaddd) per 32 multiply-adds,
// both multiplies on the two vector-multiply ports; Winograd cannot help at 8x8 and 4x4 outputs (1-4 tiles:
// the transformed weights dominate). Trained weights are mostly small (ResNet-18 CIFAR's stride-1 convs:
// mean |w| 3.5-6.3 of 127), so the int16 pair sums of vpmaddubsw can be added in int16 (vpaddw) for several
// K steps before one vpmaddwd by ones widens them: 1 + 1/k multiplies per 32 multiply-adds instead of 2.
// Exactness: sources are u8 in [0, 127] (our quantization's range), so an int16 lane that sums the
// products of weights w_i holds at most 127 * sum |w_i|; the weights of each block of 16 output channels at
// one tap get the largest k in {8, 4, 2, 1} for which that bound is <= 32767 for every lane (k = 1 always
// holds: 127 * 2 * 127 < 2^15), so no int16 sum saturates or wraps and the int32 accumulators equal the
// reference integer conv. Epilogue: int8_conv_epilogue.h.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/tensor.h"
#include "ir/attrs.h"
#include "runtime/onednn/int8_conv_epilogue.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// Sizes of one direct int8 3x3 conv: u8 nhwc [N, H, W, C] -> nhwc [N, OH, OW, OC], stride 1 or 2. The source
// is copied into a zero-padded [N, PH, PW, Cp] buffer (channels padded to 32) so the kernel has no edges.
struct DirectInt8Shape {
  int64_t N = 0, C = 0, H = 0, W = 0, OC = 0, OH = 0, OW = 0;
  int stride = 1, pad_top = 0, pad_left = 0;
  int64_t c_padded() const { return (C + 31) / 32 * 32; }
  int64_t oc_padded() const { return (OC + 15) / 16 * 16; }
  int64_t padded_h() const { return (OH - 1) * stride + 3; }
  int64_t padded_w() const { return (OW - 1) * stride + 3; }
  size_t padded_bytes() const {
    return static_cast<size_t>(N * padded_h() * padded_w() * c_padded() + 31) / 32 * 32;
  }
  // int32 accumulators of one block of 16 output channels: every output pixel.
  int64_t acc_ints() const { return N * OH * OW * 16; }
  // The padded source, the accumulators of every block of output channels, each output pixel's window offset.
  size_t scratch_bytes() const {
    return padded_bytes() + static_cast<size_t>(acc_ints() * (oc_padded() / 16)) * sizeof(int32_t) +
           static_cast<size_t>(N * OH * OW) * sizeof(int64_t);
  }
};

// s8 weights [OC, C, 3, 3] packed for the kernel, [OCp/16][9 taps][Cp/4][16 oc][4 c] (zeros in the padding),
// and per block of 16 output channels and tap ([OCp/16][9]) the K steps (of 4 channels) summed in int16
// before widening.
struct DirectInt8Weights {
  AlignedArray<int8_t> packed;  // on huge pages from 64 KB (allocate_lasting_zeroed)
  std::vector<uint8_t> steps;
};
DirectInt8Weights direct_int8_weights(const Tensor& qw, int64_t c_padded);

// True when the machine has AVX2 and the conv is 3x3, stride 1 or 2, dilation 1, one group, and every fused
// activation is Relu / LeakyRelu / Clip.
bool direct_int8_supported(const ir::ConvAttrs& a, const Shape& weight_shape,
                           const std::vector<ir::FusedActivation>& activations);

// The exact int32 accumulators of the conv (no bias, no scale) written as nhwc [N, OH, OW, OC]; src is u8
// nhwc, scratch has scratch_bytes(). For tests against the reference integer conv.
void direct_int8_accumulate(const DirectInt8Shape& s, const uint8_t* src, const DirectInt8Weights& w,
                            uint8_t* scratch, int32_t* acc);

class DirectInt8ConvStep : public Step {
 public:
  // src: u8 nhwc; dst: nhwc of epilogue.dst's type; scratch: scratch_bytes().
  DirectInt8ConvStep(DirectInt8Shape shape, int src, int dst, int scratch, DirectInt8Weights w,
                     Int8ConvEpilogue epilogue)
      : s_(shape),
        src_(src),
        dst_(dst),
        scratch_(scratch),
        w_(std::move(w)),
        epilogue_(std::move(epilogue)) {}
  void execute(RunContext& ctx) override;

 private:
  DirectInt8Shape s_;
  int src_, dst_, scratch_;
  DirectInt8Weights w_;
  Int8ConvEpilogue epilogue_;
};

}  // namespace qd::runtime::onednn
