#include <algorithm>
#include <limits>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

// ReduceMean/Max/Sum over attrs.axes (empty = all): accumulates in double, max exactly.
Tensor reduce(const Tensor& x, ir::OpKind op, const ir::ReduceAttrs& attrs) {
  const int r = x.rank();
  std::vector<bool> reduced(r, attrs.axes.empty());  // ONNX: no axes = reduce all
  for (int64_t ax : attrs.axes) reduced.at(ax < 0 ? ax + r : ax) = true;
  Shape kept(r);
  for (int d = 0; d < r; ++d) kept[d] = reduced[d] ? 1 : x.dim(d);
  Tensor out(DataType::f32, kept);
  const bool is_max = op == ir::OpKind::ReduceMax;
  std::vector<double> acc(out.numel(), is_max ? -std::numeric_limits<double>::infinity() : 0.0);
  const float* xd = x.data<float>();
  std::vector<int64_t> idx(r, 0);
  int64_t count = 1;
  for (int d = 0; d < r; ++d)
    if (reduced[d]) count *= x.dim(d);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t o = 0;
    for (int d = 0; d < r; ++d) o = o * kept[d] + (reduced[d] ? 0 : idx[d]);
    acc[o] = is_max ? std::max<double>(acc[o], xd[i]) : acc[o] + xd[i];
    for (int d = r; d-- > 0;) {
      if (++idx[d] < x.dim(d)) break;
      idx[d] = 0;
    }
  }
  const double divisor = op == ir::OpKind::ReduceMean ? static_cast<double>(count) : 1.0;
  float* od = out.data<float>();
  for (size_t i = 0; i < acc.size(); ++i) od[i] = static_cast<float>(acc[i] / divisor);
  if (attrs.keepdims) return out;
  Shape squeezed;
  for (int d = 0; d < r; ++d)
    if (!reduced[d]) squeezed.push_back(x.dim(d));
  return out.reshaped(squeezed);
}

Tensor reduce_mean(const Tensor& x, const ir::ReduceAttrs& attrs) {
  return reduce(x, ir::OpKind::ReduceMean, attrs);
}

}  // namespace qd::runtime::ref
