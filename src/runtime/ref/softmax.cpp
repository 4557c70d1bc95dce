#include <algorithm>
#include <cmath>

#include "ir/axis.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Tensor softmax(const Tensor& x, int64_t axis) {
  const int r = x.rank();
  axis = ir::normalize_axis(axis, r);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.dim(d);
  for (int d = static_cast<int>(axis) + 1; d < r; ++d) inner *= x.dim(d);
  const int64_t len = x.dim(static_cast<int>(axis));
  Tensor y(DataType::f32, x.shape());
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * len * inner + i;
      float m = xd[base];
      for (int64_t k = 1; k < len; ++k) m = std::max(m, xd[base + k * inner]);
      double sum = 0;
      for (int64_t k = 0; k < len; ++k) sum += std::exp(static_cast<double>(xd[base + k * inner]) - m);
      for (int64_t k = 0; k < len; ++k)
        yd[base + k * inner] =
            static_cast<float>(std::exp(static_cast<double>(xd[base + k * inner]) - m) / sum);
    }
  return y;
}

}  // namespace qd::runtime::ref
