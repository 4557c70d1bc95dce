#include <cmath>

#include "ir/axis.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

// x viewed as [outer, count, inner]: the normalised axes are the middle block, so each (outer, inner)
// pair is one group of `count` elements `inner` apart.
Tensor layer_norm(const Tensor& x_in, const Tensor& scale, const Tensor& bias, const ir::LayerNormAttrs& a) {
  Tensor x = x_in.to_f32();
  const int r = x.rank();
  const int64_t axis = ir::normalize_axis(a.axis, r);
  if (axis < 0 || a.num_axes < 1 || axis + a.num_axes > r)
    fail("", "layer_norm: axes outside the input rank");
  int64_t outer = 1, count = 1, inner = 1;
  for (int d = 0; d < r; ++d) (d < axis ? outer : d < axis + a.num_axes ? count : inner) *= x.dim(d);
  if (scale.numel() != count || (!bias.empty() && bias.numel() != count))
    fail("", "layer_norm: scale/bias size differs from the normalised elements");
  Tensor y(DataType::f32, x.shape());
  const float* src = x.data<float>();
  const float* g = scale.data<float>();
  const float* b = bias.empty() ? nullptr : bias.data<float>();
  float* dst = y.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * count * inner + i;
      double sum = 0.0, sq = 0.0;
      for (int64_t c = 0; c < count; ++c) sum += src[base + c * inner];
      const double mean = sum / static_cast<double>(count);
      for (int64_t c = 0; c < count; ++c) {
        const double d = src[base + c * inner] - mean;
        sq += d * d;
      }
      const double inv = 1.0 / std::sqrt(sq / static_cast<double>(count) + a.epsilon);
      for (int64_t c = 0; c < count; ++c)
        dst[base + c * inner] =
            static_cast<float>((src[base + c * inner] - mean) * inv) * g[c] + (b ? b[c] : 0.f);
    }
  return y;
}

}  // namespace qd::runtime::ref
