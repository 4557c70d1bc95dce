#include <algorithm>
#include <cmath>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Shape broadcast_shape(const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      fail("", "cannot broadcast " + shape_str(a) + " with " + shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// Element strides of `s` aligned to an output of rank r; broadcast dims get stride 0.
std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  const size_t r = out.size();
  std::vector<int64_t> st(r, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < s.size(); ++k) {
    const size_t i = s.size() - 1 - k;
    const size_t o = r - 1 - k;
    st[o] = s[i] == 1 ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

float apply(ir::OpKind op, float a, float b) {
  switch (op) {
    case ir::OpKind::Add:
      return a + b;
    case ir::OpKind::Sub:
      return a - b;
    case ir::OpKind::Mul:
      return a * b;
    case ir::OpKind::Div:
      return a / b;
    case ir::OpKind::Pow:
      return std::pow(a, b);
    default:
      fail_internal("binary: not a binary op");
  }
}

}  // namespace

Tensor binary(ir::OpKind op, const Tensor& a, const Tensor& b) {
  const Shape out = broadcast_shape(a.shape(), b.shape());
  Tensor y(DataType::f32, out);
  const auto sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
  const float* ad = a.data<float>();
  const float* bd = b.data<float>();
  float* yd = y.data<float>();
  const int64_t n = y.numel();
  const size_t r = out.size();
  std::vector<int64_t> idx(r, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < r; ++d) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    yd[i] = apply(op, ad[ia], bd[ib]);
    for (size_t d = r; d-- > 0;) {  // odometer increment
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}

}  // namespace qd::runtime::ref
