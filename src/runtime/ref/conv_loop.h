// The direct convolution loop nest of the reference kernels, shared by the fp32 (double accumulator) and
// the int8 (int32 accumulator) convolutions.
#pragma once
#include <cstdint>

#include "core/error.h"
#include "core/tensor.h"
#include "ir/attrs.h"

namespace qd::runtime::ref {

struct ConvGeometry {
  int64_t N, C, H, W, O, Cg, KH, KW, Og, OH, OW;
};

// Sizes of x [N,C,H,W] convolved with w [O,C/group,KH,KW] under `a`; checks that the channels match.
inline ConvGeometry conv_geometry(const Tensor& x, const Tensor& w, const ir::ConvAttrs& a) {
  QD_CHECK(x.rank() == 4 && w.rank() == 4, "conv: expects 4-D input and weights");
  ConvGeometry g{x.dim(0), x.dim(1), x.dim(2), x.dim(3), w.dim(0), w.dim(1), w.dim(2), w.dim(3), 0, 0, 0};
  QD_CHECK(g.Cg * a.group == g.C && g.O % a.group == 0, "conv: channels do not match groups");
  g.Og = g.O / a.group;
  g.OH = (g.H + a.pad_top + a.pad_bottom - (a.dilation_h * (g.KH - 1) + 1)) / a.stride_h + 1;
  g.OW = (g.W + a.pad_left + a.pad_right - (a.dilation_w * (g.KW - 1) + 1)) / a.stride_w + 1;
  return g;
}

// For every output element: acc = init(o) + sum of Acc(x) * Acc(w) over its window, then
// store(flat output index, o, acc). Zero padding: windows skip out-of-range rows and columns.
template <typename Acc, typename X, typename Wt, typename Init, typename Store>
void conv_loop(const ConvGeometry& s, const ir::ConvAttrs& a, const X* xd, const Wt* wd, Init init,
               Store store) {
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t o = 0; o < s.O; ++o) {
      const int64_t g = o / s.Og;
      for (int64_t oh = 0; oh < s.OH; ++oh)
        for (int64_t ow = 0; ow < s.OW; ++ow) {
          Acc acc = init(o);
          for (int64_t c = 0; c < s.Cg; ++c)
            for (int64_t kh = 0; kh < s.KH; ++kh) {
              const int64_t ih = oh * a.stride_h - a.pad_top + kh * a.dilation_h;
              if (ih < 0 || ih >= s.H) continue;
              for (int64_t kw = 0; kw < s.KW; ++kw) {
                const int64_t iw = ow * a.stride_w - a.pad_left + kw * a.dilation_w;
                if (iw < 0 || iw >= s.W) continue;
                acc += static_cast<Acc>(xd[((n * s.C + g * s.Cg + c) * s.H + ih) * s.W + iw]) *
                       static_cast<Acc>(wd[((o * s.Cg + c) * s.KH + kh) * s.KW + kw]);
              }
            }
          store(((n * s.O + o) * s.OH + oh) * s.OW + ow, o, acc);
        }
    }
}

}  // namespace qd::runtime::ref
