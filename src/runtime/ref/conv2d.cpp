#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const ir::ConvAttrs& a) {
  QD_CHECK(x.rank() == 4 && w.rank() == 4, "conv2d: expects 4-D input and weights");
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  const int64_t O = w.dim(0), Cg = w.dim(1), KH = w.dim(2), KW = w.dim(3);
  const int64_t G = a.group;
  QD_CHECK(Cg * G == C && O % G == 0, "conv2d: channels do not match groups");
  const int64_t OH = (H + a.pad_top + a.pad_bottom - (a.dilation_h * (KH - 1) + 1)) / a.stride_h + 1;
  const int64_t OW = (W + a.pad_left + a.pad_right - (a.dilation_w * (KW - 1) + 1)) / a.stride_w + 1;
  const int64_t Og = O / G;
  Tensor y(DataType::f32, {N, O, OH, OW});
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  const float* bd = bias.empty() ? nullptr : bias.data<float>();
  float* yd = y.data<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o) {
      const int64_t g = o / Og;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = bd ? bd[o] : 0.0;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < KH; ++kh) {
              const int64_t ih = oh * a.stride_h - a.pad_top + kh * a.dilation_h;
              if (ih < 0 || ih >= H) continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t iw = ow * a.stride_w - a.pad_left + kw * a.dilation_w;
                if (iw < 0 || iw >= W) continue;
                acc += static_cast<double>(xd[((n * C + g * Cg + c) * H + ih) * W + iw]) *
                       wd[((o * Cg + c) * KH + kh) * KW + kw];
              }
            }
          float v = static_cast<float>(acc);
          if (a.activation) v = activate(v, *a.activation);
          yd[((n * O + o) * OH + oh) * OW + ow] = v;
        }
    }
  return y;
}

}  // namespace qd::runtime::ref
