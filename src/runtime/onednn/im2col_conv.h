// fp32 convolutions with few output pixels as an im2col copy of the source and one oneDNN matmul.
//
// Why: at 4x4 outputs oneDNN 2.6's blocked direct kernel runs the 512-channel 3x3 convs of CIFAR ResNet-18
// far from the FMA peak (~1.0 ms per conv, 75-80 GFLOP/s on the AVX-512 test machine), and its gemm
// convolution, faster (0.70 ms), generates oneDNN's JIT sgemm kernels on its first run (~50 ms of load
// time). The same product as a brgemm matmul ([pixels, kh*kw*C] x [kh*kw*C, OC]) takes 0.67 ms in the
// model (0.35 ms with its 9.4 MB of weights warm in cache: at batch 1 it streams them) and a few ms to
// create. The copy is cheap at these sizes (16 x 4608 floats).
#pragma once
#include <cstdint>

#include "core/tensor.h"
#include "runtime/onednn/steps.h"

namespace qd::runtime::onednn {

// One conv: f32 nhwc [N, H, W, C] -> rows [N * OH * OW, kh * kw * C] in (ky, kx, c) order, dilation 1.
struct Im2colShape {
  int64_t N = 0, C = 0, H = 0, W = 0, OH = 0, OW = 0;
  int kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  int64_t rows() const { return N * OH * OW; }
  int64_t cols() const { return kh * kw * C; }
};

// rows[(n, oy, ox)][(ky, kx, c)] = src[n, oy * stride - pad + ky, ox * stride - pad + kx, c], 0 outside.
void im2col_nhwc(const Im2colShape& s, const float* src, float* rows);

// Conv weights [OC, C, kh, kw] as the matmul's [kh * kw * C, OC] (im2col's column order).
Tensor im2col_weights(const Tensor& w);
// The same matrix in oneDNN's BA16a64b layout (panels of 64 columns, each [K padded to 16][64]; what its
// brgemm matmul picks for f32 weights), into dst (zeroed, im2col_weights_ba16a64b_floats(w) floats): oneDNN's
// reorder from the plain matrix ran at ~0.5 GB/s (18 ms per 4608 x 512 matrix, +100 ms of ResNet-18 CIFAR's
// compile).
int64_t im2col_weights_ba16a64b_floats(const Tensor& w);
void im2col_weights_ba16a64b(const Tensor& w, float* dst);

class Im2colStep : public Step {
 public:
  Im2colStep(Im2colShape shape, int src, int rows) : s_(shape), src_(src), rows_(rows) {}
  void execute(RunContext& ctx) override;

 private:
  Im2colShape s_;
  int src_, rows_;
};

}  // namespace qd::runtime::onednn
