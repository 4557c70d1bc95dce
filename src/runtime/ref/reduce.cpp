#include <algorithm>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Tensor reduce_mean(const Tensor& x, const ir::ReduceAttrs& attrs) {
  const int r = x.rank();
  std::vector<bool> reduced(r, attrs.axes.empty());  // ONNX: no axes = reduce all
  for (int64_t ax : attrs.axes) reduced.at(ax < 0 ? ax + r : ax) = true;
  Shape kept(r);
  for (int d = 0; d < r; ++d) kept[d] = reduced[d] ? 1 : x.dim(d);
  Tensor sum(DataType::f32, kept);
  std::vector<double> acc(sum.numel(), 0.0);
  const float* xd = x.data<float>();
  std::vector<int64_t> idx(r, 0);
  int64_t count = 1;
  for (int d = 0; d < r; ++d)
    if (reduced[d]) count *= x.dim(d);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t o = 0;
    for (int d = 0; d < r; ++d) o = o * kept[d] + (reduced[d] ? 0 : idx[d]);
    acc[o] += xd[i];
    for (int d = r; d-- > 0;) {
      if (++idx[d] < x.dim(d)) break;
      idx[d] = 0;
    }
  }
  float* sd = sum.data<float>();
  for (size_t i = 0; i < acc.size(); ++i) sd[i] = static_cast<float>(acc[i] / count);
  if (attrs.keepdims) return sum;
  Shape squeezed;
  for (int d = 0; d < r; ++d)
    if (!reduced[d]) squeezed.push_back(x.dim(d));
  return sum.reshaped(squeezed);
}

}  // namespace qd::runtime::ref
