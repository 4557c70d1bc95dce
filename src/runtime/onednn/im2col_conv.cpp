#include "runtime/onednn/im2col_conv.h"

#include <cstring>

namespace qd::runtime::onednn {

void im2col_nhwc(const Im2colShape& s, const float* src, float* rows) {
  const size_t run = static_cast<size_t>(s.C) * sizeof(float);  // one (ky, kx) tap: C contiguous floats
  float* out = rows;
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t oy = 0; oy < s.OH; ++oy)
      for (int64_t ox = 0; ox < s.OW; ++ox)
        for (int ky = 0; ky < s.kh; ++ky) {
          const int64_t iy = oy * s.stride_h - s.pad_top + ky;
          for (int kx = 0; kx < s.kw; ++kx, out += s.C) {
            const int64_t ix = ox * s.stride_w - s.pad_left + kx;
            if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W)
              std::memset(out, 0, run);
            else
              std::memcpy(out, src + ((n * s.H + iy) * s.W + ix) * s.C, run);
          }
        }
}

Tensor im2col_weights(const Tensor& w) {
  const int64_t OC = w.dim(0), C = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  Tensor m(DataType::f32, {kh * kw * C, OC});
  const float* wd = w.data<float>();
  float* md = m.data<float>();
  for (int64_t o = 0; o < OC; ++o)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t ky = 0; ky < kh; ++ky)
        for (int64_t kx = 0; kx < kw; ++kx)
          md[((ky * kw + kx) * C + c) * OC + o] = wd[((o * C + c) * kh + ky) * kw + kx];
  return m;
}

int64_t im2col_weights_ba16a64b_floats(const Tensor& w) {
  const int64_t K = w.dim(1) * w.dim(2) * w.dim(3);
  return (K + 15) / 16 * 16 * ((w.dim(0) + 63) / 64 * 64);
}

void im2col_weights_ba16a64b(const Tensor& w, float* dst) {
  const int64_t OC = w.dim(0), C = w.dim(1), T = w.dim(2) * w.dim(3), Kp = (T * C + 15) / 16 * 16;
  const float* wd = w.data<float>();
  for (int64_t o = 0; o < OC; ++o) {
    float* panel = dst + (o / 64) * Kp * 64 + o % 64;  // column o of its panel: stride 64
    const float* wo = wd + o * C * T;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t t = 0; t < T; ++t) panel[(t * C + c) * 64] = wo[c * T + t];
  }
}

void Im2colStep::execute(RunContext& ctx) {
  ctx.stream->wait();  // the source is written
  const std::vector<void*>& b = *ctx.buffers;
  im2col_nhwc(s_, static_cast<const float*>(b[src_]), static_cast<float*>(b[rows_]));
}

}  // namespace qd::runtime::onednn
