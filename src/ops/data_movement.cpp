#include "ops/data_movement.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.h"
#include "ir/axis.h"
#include "ops/tensor_index.h"

namespace qd::ops {

namespace {

// A tensor of shape `out` whose element at each index is x's element at source_offset(index) (an element
// offset into x): the copy loop of transpose and slice.
template <typename SourceOffset>
Tensor copy_from_source_offsets(const Tensor& x, const Shape& out, SourceOffset source_offset) {
  Tensor y(x.dtype(), out);
  const size_t es = dtype_size(x.dtype());
  auto* dst = static_cast<uint8_t*>(y.raw());
  const auto* src = static_cast<const uint8_t*>(x.raw());
  for_each_index(out, [&](int64_t o, const std::vector<int64_t>& idx) {
    std::memcpy(dst + o * es, src + source_offset(idx) * es, es);
  });
  return y;
}

}  // namespace

Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm_in) {
  const Shape& s = x.shape();
  const int64_t r = static_cast<int64_t>(s.size());
  std::vector<int64_t> perm = perm_in;
  if (perm.empty())
    for (int64_t d = r; d-- > 0;) perm.push_back(d);
  if (static_cast<int64_t>(perm.size()) != r) fail("", "transpose: perm length differs from rank");
  std::vector<bool> seen(s.size(), false);
  Shape out(s.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    perm[i] = ir::normalize_axis(perm[i], r);
    if (seen[perm[i]]) fail("", "transpose: perm repeats axis " + std::to_string(perm[i]));
    seen[perm[i]] = true;
    out[i] = s[perm[i]];
  }
  const std::vector<int64_t> in_strides = strides_of(s);
  return copy_from_source_offsets(x, out, [&](const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t i = 0; i < idx.size(); ++i) off += idx[i] * in_strides[perm[i]];
    return off;
  });
}

Tensor concat(const std::vector<Tensor>& xs, int64_t axis_in) {
  if (xs.empty()) fail("", "concat: no inputs");
  const Shape& s0 = xs[0].shape();
  const int64_t rank = static_cast<int64_t>(s0.size());
  const int64_t axis = ir::normalize_axis(axis_in, rank);
  Shape out = s0;
  out[axis] = 0;
  for (const Tensor& t : xs) {
    if (t.dtype() != xs[0].dtype()) fail("", "concat: inputs have different element types");
    if (t.rank() != rank) fail("", "concat: inputs have different ranks");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.shape()[d] != s0[d])
        fail("", "concat: shapes " + shape_str(s0) + " and " + shape_str(t.shape()) + " differ off the axis");
    out[axis] += t.shape()[axis];
  }
  Tensor y(xs[0].dtype(), out);
  const size_t es = dtype_size(y.dtype());
  const int64_t outer = product(s0, 0, axis);
  auto* dst = static_cast<uint8_t*>(y.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor& t : xs) {
      const size_t chunk = static_cast<size_t>(product(t.shape(), axis, t.shape().size())) * es;
      std::memcpy(dst, static_cast<const uint8_t*>(t.raw()) + o * chunk, chunk);
      dst += chunk;
    }
  return y;
}

Tensor gather(const Tensor& data, const std::vector<int64_t>& indices, const Shape& indices_shape,
              int64_t axis_in) {
  const Shape& s = data.shape();
  const int64_t axis = ir::normalize_axis(axis_in, static_cast<int64_t>(s.size()));
  Shape out(s.begin(), s.begin() + axis);
  out.insert(out.end(), indices_shape.begin(), indices_shape.end());
  out.insert(out.end(), s.begin() + axis + 1, s.end());
  Tensor y(data.dtype(), out);
  const size_t es = dtype_size(data.dtype());
  const int64_t outer = product(s, 0, axis), dim = s[axis];
  const size_t inner = static_cast<size_t>(product(s, axis + 1, s.size())) * es;
  auto* dst = static_cast<uint8_t*>(y.raw());
  const auto* src = static_cast<const uint8_t*>(data.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : indices) {
      if (k < -dim || k >= dim) fail("", "gather: index " + std::to_string(k) + " out of range");
      if (k < 0) k += dim;
      std::memcpy(dst, src + (o * dim + k) * inner, inner);
      dst += inner;
    }
  return y;
}

ir::SliceAttrs normalize_slice(const Shape& shape, const std::vector<int64_t>& starts,
                               const std::vector<int64_t>& ends, std::vector<int64_t> axes,
                               std::vector<int64_t> steps) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (starts.size() != ends.size()) fail("", "slice: starts and ends differ in length");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    fail("", "slice: axes/steps length differs from starts");
  ir::SliceAttrs a;
  std::vector<bool> seen(shape.size(), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t ax = ir::normalize_axis(axes[i], rank);
    if (seen[ax]) fail("", "slice: axis " + std::to_string(axes[i]) + " repeated");
    seen[ax] = true;
    const int64_t dim = shape[ax], st = steps[i];
    if (st == 0) fail("", "slice: step 0");
    int64_t b = starts[i], e = ends[i];
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      if (b == 0 && e == dim && st == 1) continue;  // the whole axis
    } else {
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    a.starts.push_back(b);
    a.ends.push_back(e);
    a.axes.push_back(ax);
    a.steps.push_back(st);
  }
  return a;
}

Tensor slice(const Tensor& x, const ir::SliceAttrs& a) {
  const Shape& s = x.shape();
  std::vector<int64_t> begin(s.size(), 0), step(s.size(), 1);
  Shape out = s;
  for (size_t i = 0; i < a.axes.size(); ++i) {
    const int64_t ax = a.axes[i], st = a.steps[i];
    const int64_t end = st > 0 ? std::min(a.ends[i], s[ax]) : a.ends[i];
    const int64_t span = st > 0 ? end - a.starts[i] : a.starts[i] - end;
    begin[ax] = a.starts[i];
    step[ax] = st;
    out[ax] = span <= 0 ? 0 : (span + std::abs(st) - 1) / std::abs(st);
  }
  const std::vector<int64_t> in_strides = strides_of(s);
  return copy_from_source_offsets(x, out, [&](const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += (begin[d] + idx[d] * step[d]) * in_strides[d];
    return off;
  });
}

std::vector<Tensor> split(const Tensor& x, const ir::SplitAttrs& a) {
  std::vector<Tensor> parts;
  int64_t begin = 0;
  for (int64_t size : a.sizes) {
    parts.push_back(slice(x, ir::SliceAttrs{{begin}, {begin + size}, {a.axis}, {1}}));
    begin += size;
  }
  return parts;
}

}  // namespace qd::ops
