#include <algorithm>
#include <limits>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

namespace {

// ONNX pooling output size; with ceil_mode the last window must start inside the input or left padding.
int64_t pool_out(int64_t in, int k, int s, int pb, int pe, bool ceil_mode) {
  const int64_t span = in + pb + pe - k;
  int64_t out = ceil_mode ? (span + s - 1) / s + 1 : span / s + 1;
  if (ceil_mode && (out - 1) * s >= in + pb) --out;
  return out;
}

template <bool kMax>
Tensor pool(const Tensor& x, const ir::PoolAttrs& a) {
  QD_CHECK(x.rank() == 4, "pool: expects NCHW");
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t OH = pool_out(H, a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom, a.ceil_mode);
  const int64_t OW = pool_out(W, a.kernel_w, a.stride_w, a.pad_left, a.pad_right, a.ceil_mode);
  Tensor y(DataType::f32, {N, C, OH, OW});
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = oh * a.stride_h - a.pad_top, w0 = ow * a.stride_w - a.pad_left;
        // Window clipped to the padded extent (count_include_pad divisor) and to the input (valid taps).
        const int64_t ph1 = std::min<int64_t>(h0 + a.kernel_h, H + a.pad_bottom);
        const int64_t pw1 = std::min<int64_t>(w0 + a.kernel_w, W + a.pad_right);
        const int64_t hs = std::max<int64_t>(h0, 0), he = std::min<int64_t>(h0 + a.kernel_h, H);
        const int64_t ws = std::max<int64_t>(w0, 0), we = std::min<int64_t>(w0 + a.kernel_w, W);
        float m = -std::numeric_limits<float>::infinity();
        double sum = 0;
        for (int64_t h = hs; h < he; ++h)
          for (int64_t w = ws; w < we; ++w) {
            const float v = xd[(nc * H + h) * W + w];
            m = std::max(m, v);
            sum += v;
          }
        float r;
        if constexpr (kMax) {
          r = m;
        } else {
          const int64_t count = a.count_include_pad ? (ph1 - h0) * (pw1 - w0) : (he - hs) * (we - ws);
          r = count > 0 ? static_cast<float>(sum / count) : 0.f;
        }
        yd[(nc * OH + oh) * OW + ow] = r;
      }
  return y;
}

}  // namespace

Tensor max_pool(const Tensor& x, const ir::PoolAttrs& a) { return pool<true>(x, a); }
Tensor avg_pool(const Tensor& x, const ir::PoolAttrs& a) { return pool<false>(x, a); }

Tensor global_avg_pool(const Tensor& x) {
  ir::PoolAttrs a;
  a.kernel_h = static_cast<int>(x.dim(2));
  a.kernel_w = static_cast<int>(x.dim(3));
  return pool<false>(x, a);
}

Tensor global_max_pool(const Tensor& x) {
  ir::PoolAttrs a;
  a.kernel_h = static_cast<int>(x.dim(2));
  a.kernel_w = static_cast<int>(x.dim(3));
  return pool<true>(x, a);
}

}  // namespace qd::runtime::ref
