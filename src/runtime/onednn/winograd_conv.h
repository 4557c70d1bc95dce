// Winograd F(2x2, 3x3) fp32 convolution step of the oneDNN executor.
//
// Why: oneDNN 2.6 has Winograd convolutions only for AVX-512; on AVX2 its direct 3x3 kernels run ResNet
// layers at ~70% of the FMA peak, and F(2x2, 3x3) needs 2.25x fewer multiply-adds (16 instead of 36 per
// 2x2 output tile and channel pair). The 16 per-position products run as ONE batched oneDNN matmul
// (M_p = V_p x U_p, p = 0..15); only the cheap input/output transforms are ours (AVX2, one vector = the 8
// channels of one pixel in the nChw8c layout the neighbouring oneDNN convs use, so no reorders).
// Numerics: the transforms use only additions and subtractions (the 1/2 of G goes into U at compile time),
// so results differ from direct convolution by fp32 rounding only (~1e-6 relative).
#pragma once
#include <oneapi/dnnl/dnnl.hpp>
#include <vector>

#include "core/tensor.h"
#include "ir/attrs.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// Sizes of one Winograd convolution: input [N, C, H, W] -> output [N, OC, OH, OW] in 2x2 tiles.
struct WinogradShape {
  int64_t N = 0, C = 0, H = 0, W = 0, OC = 0, OH = 0, OW = 0;
  int pad_top = 0, pad_left = 0;
  int64_t tiles_h() const { return (OH + 1) / 2; }
  int64_t tiles_w() const { return (OW + 1) / 2; }
  int64_t tiles() const { return N * tiles_h() * tiles_w(); }
};

// True when a conv can run as F(2x2, 3x3) here: 3x3 kernel, stride 1, dilation 1, one group, input and
// output channels multiples of 8, every fused activation one of Relu / LeakyRelu / Clip, and a CPU with
// AVX2 and FMA.
bool winograd_supported(const ir::ConvAttrs& a, const Shape& weight_shape,
                        const std::vector<ir::FusedActivation>& activations);

// Transformed kernels U[p][c][oc] = (G g G^T)[p] of weights [OC, C, 3, 3], as a [16, C, OC] tensor.
Tensor winograd_f23_weights(const Tensor& w);

// What happens to each output after the convolution: y = post(pre(conv + bias) [+ dst]).
struct WinogradEpilogue {
  std::vector<float> bias;  // per output channel (zeros when the conv has none)
  std::vector<ir::FusedActivation> pre_sum, post_sum;
  bool sum = false;  // add the value already in the destination (residual)
};

class WinogradConvStep : public Step {
 public:
  // src/dst: nChw8c f32 buffers; v_buffer [16, tiles, C] and m_buffer [16, tiles, OC] f32 scratch;
  // `gemm` computes m = v x U for the 16 positions.
  WinogradConvStep(WinogradShape shape, int src, int dst, int v_buffer, int m_buffer,
                   std::unique_ptr<PrimitiveStep> gemm, WinogradEpilogue epilogue)
      : s_(shape),
        src_(src),
        dst_(dst),
        v_(v_buffer),
        m_(m_buffer),
        gemm_(std::move(gemm)),
        epilogue_(std::move(epilogue)) {}
  void finalize(const dnnl::engine& eng, const std::vector<void*>& buffers) override {
    gemm_->finalize(eng, buffers);
  }
  void execute(RunContext& ctx) override;

 private:
  WinogradShape s_;
  int src_, dst_, v_, m_;
  std::unique_ptr<PrimitiveStep> gemm_;
  WinogradEpilogue epilogue_;
};

}  // namespace qd::runtime::onednn
