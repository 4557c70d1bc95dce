// Index arithmetic of dense row-major tensors, for the plain loops of src/ops and the reference kernels.
#pragma once
#include <cstdint>
#include <vector>

#include "core/shape.h"

namespace qd::ops {

// Row-major strides (in elements) of a static shape.
inline std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

// Strides of `s` read as the right-aligned broadcast operand of an output of shape `out`: 0 along the
// axes where `s` has size 1 or is missing.
inline std::vector<int64_t> broadcast_strides(const Shape& s, const Shape& out) {
  const size_t r = out.size();
  std::vector<int64_t> st(r, 0);
  int64_t stride = 1;
  for (size_t k = 0; k < s.size(); ++k) {
    const size_t i = s.size() - 1 - k;
    st[r - 1 - k] = s[i] == 1 ? 0 : stride;
    stride *= s[i];
  }
  return st;
}

// Product of dims [begin, end).
inline int64_t product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= s[i];
  return p;
}

// Calls f(flat_index, index) for every index of `shape` in row-major order.
template <typename F>
void for_each_index(const Shape& shape, F f) {
  const int64_t n = shape_numel(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(i, idx);
    for (size_t d = shape.size(); d-- > 0;) {  // odometer increment
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace qd::ops
