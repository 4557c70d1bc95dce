#include "ops/data_movement.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "ops/tensor_index.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

using ops::for_each_index;
using ops::strides_of;

Tensor concat(const std::vector<Tensor>& xs, int64_t axis) { return ops::concat(xs, axis); }

Tensor pad(const Tensor& x, const ir::PadAttrs& a) {
  const int r = x.rank();
  QD_CHECK(static_cast<int>(a.pads.size()) == 2 * r, "pad: pads size must be 2*rank");
  Shape out(r);
  for (int d = 0; d < r; ++d) out[d] = x.dim(d) + a.pads[d] + a.pads[d + r];
  Tensor y(DataType::f32, out);
  const auto xs = strides_of(x.shape());
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for_each_index(out, [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (int d = 0; d < r; ++d) {
      int64_t s = idx[d] - a.pads[d];
      const int64_t n = x.dim(d);
      if (s < 0 || s >= n) {
        if (a.mode == ir::PadMode::constant) {
          yd[i] = a.value;
          return;
        }
        if (a.mode == ir::PadMode::edge) {
          s = s < 0 ? 0 : n - 1;
        } else {  // reflect (mirror without repeating the edge); ONNX requires pad < dim
          if (n == 1) {
            s = 0;
          } else {
            const int64_t period = 2 * (n - 1);
            s = ((s % period) + period) % period;
            if (s >= n) s = period - s;
          }
        }
      }
      off += s * xs[d];
    }
    yd[i] = xd[off];
  });
  return y;
}

Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm) { return ops::transpose(x, perm); }

}  // namespace qd::runtime::ref

namespace qd::runtime::ref {

Tensor slice(const Tensor& x, const ir::SliceAttrs& attrs) { return ops::slice(x, attrs); }

std::vector<Tensor> split(const Tensor& x, const ir::SplitAttrs& attrs) { return ops::split(x, attrs); }

Tensor shuffle_channel(const Tensor& x, int64_t group) {
  const int64_t n = x.dim(0), c = x.dim(1), per_group = c / group;
  const int64_t inner = x.numel() / std::max<int64_t>(n * c, 1);
  Tensor y(DataType::f32, x.shape());
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t g = 0; g < group; ++g)
      for (int64_t k = 0; k < per_group; ++k)  // input channel g*per_group + k -> output k*group + g
        std::memcpy(yd + (b * c + k * group + g) * inner, xd + (b * c + g * per_group + k) * inner,
                    inner * sizeof(float));
  return y;
}

}  // namespace qd::runtime::ref
