// Data-movement evaluators on constant tensors: dtype-agnostic (elements are copied as bytes).
#include <algorithm>
#include <cstring>
#include <limits>

#include "passes/constant_eval.h"

namespace qd::passes {

namespace {

// Row-major strides (in elements) of a static shape.
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

// Calls fn(index) for every multi-index of `shape` in row-major order.
template <typename Fn>
void for_each_index(const Shape& shape, Fn fn) {
  if (shape_numel(shape) == 0) return;
  std::vector<int64_t> idx(shape.size(), 0);
  while (true) {
    fn(idx);
    size_t d = shape.size();
    while (d > 0) {
      --d;
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
      if (d == 0) return;
    }
    if (shape.empty()) return;
  }
}

int64_t product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= s[i];
  return p;
}

}  // namespace

std::vector<int64_t> tensor_to_ints(const Tensor& t) {
  std::vector<int64_t> r(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < r.size(); ++i) {
    switch (t.dtype()) {
      case DataType::i64:
        r[i] = t.data<int64_t>()[i];
        break;
      case DataType::i32:
        r[i] = t.data<int32_t>()[i];
        break;
      case DataType::i8:
        r[i] = t.data<int8_t>()[i];
        break;
      case DataType::u8:
        r[i] = t.data<uint8_t>()[i];
        break;
      default:
        fail("", "expected an integer tensor, got " + std::string(dtype_name(t.dtype())));
    }
  }
  return r;
}

Tensor ints_to_tensor(const std::vector<int64_t>& v) {
  return Tensor::from<int64_t>({static_cast<int64_t>(v.size())}, v);
}

float tensor_to_scalar(const Tensor& t) {
  if (t.numel() != 1) fail("", "expected a single value, got shape " + shape_str(t.shape()));
  return t.to_f32().data<float>()[0];
}

int64_t normalize_axis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail("", "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

Shape resolve_reshape(const Shape& in, const std::vector<int64_t>& spec, bool allowzero) {
  Shape out(spec.size());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == 0 && !allowzero) {
      if (i >= in.size()) fail("", "reshape: 0 in target shape beyond the input rank");
      out[i] = in[i];
    } else if (spec[i] == -1) {
      if (infer_at >= 0) fail("", "reshape: more than one -1 in target shape");
      infer_at = static_cast<int>(i);
      continue;
    } else if (spec[i] < 0) {
      fail("", "reshape: negative dimension " + std::to_string(spec[i]));
    } else {
      out[i] = spec[i];
    }
    known *= out[i];
  }
  int64_t n = shape_numel(in);
  if (infer_at >= 0) {
    if (known == 0 || n % known != 0) fail("", "cannot reshape " + shape_str(in) + " to " + shape_str(spec));
    out[infer_at] = n / known;
  } else if (known != n) {
    fail("", "cannot reshape " + shape_str(in) + " to " + shape_str(spec));
  }
  return out;
}

Tensor eval_reshape(const Tensor& x, const Shape& new_shape) {
  if (shape_numel(new_shape) != x.numel())
    fail("", "cannot reshape " + shape_str(x.shape()) + " to " + shape_str(new_shape));
  return x.clone().reshaped(new_shape);
}

Tensor eval_transpose(const Tensor& x, const std::vector<int64_t>& perm_in) {
  const Shape& s = x.shape();
  std::vector<int64_t> perm = perm_in;
  if (perm.empty())
    for (size_t i = s.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  if (perm.size() != s.size()) fail("", "transpose: perm length differs from rank");
  std::vector<bool> seen(s.size(), false);
  Shape out_shape(s.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    int64_t p = normalize_axis(perm[i], static_cast<int64_t>(s.size()));
    if (seen[p]) fail("", "transpose: perm repeats axis " + std::to_string(p));
    seen[p] = true;
    perm[i] = p;
    out_shape[i] = s[p];
  }
  Tensor out(x.dtype(), out_shape);
  size_t es = dtype_size(x.dtype());
  std::vector<int64_t> in_strides = strides_of(s);
  auto* dst = static_cast<uint8_t*>(out.raw());
  const auto* src = static_cast<const uint8_t*>(x.raw());
  int64_t o = 0;
  for_each_index(out_shape, [&](const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t i = 0; i < idx.size(); ++i) off += idx[i] * in_strides[perm[i]];
    std::memcpy(dst + (o++) * es, src + off * es, es);
  });
  return out;
}

Tensor eval_concat(const std::vector<Tensor>& xs, int64_t axis_in) {
  if (xs.empty()) fail("", "concat: no inputs");
  const Shape& s0 = xs[0].shape();
  int64_t rank = static_cast<int64_t>(s0.size());
  int64_t axis = normalize_axis(axis_in, rank);
  Shape out_shape = s0;
  out_shape[axis] = 0;
  for (const Tensor& t : xs) {
    if (t.dtype() != xs[0].dtype()) fail("", "concat: inputs have different element types");
    if (t.rank() != rank) fail("", "concat: inputs have different ranks");
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.shape()[d] != s0[d])
        fail("", "concat: shapes " + shape_str(s0) + " and " + shape_str(t.shape()) + " differ off the axis");
    out_shape[axis] += t.shape()[axis];
  }
  Tensor out(xs[0].dtype(), out_shape);
  size_t es = dtype_size(out.dtype());
  int64_t outer = product(s0, 0, axis);
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor& t : xs) {
      size_t chunk = static_cast<size_t>(product(t.shape(), axis, t.shape().size())) * es;
      std::memcpy(dst, static_cast<const uint8_t*>(t.raw()) + o * chunk, chunk);
      dst += chunk;
    }
  return out;
}

Tensor eval_gather(const Tensor& data, const Tensor& indices, int64_t axis_in) {
  const Shape& s = data.shape();
  int64_t axis = normalize_axis(axis_in, static_cast<int64_t>(s.size()));
  std::vector<int64_t> idx = tensor_to_ints(indices);
  Shape out_shape(s.begin(), s.begin() + axis);
  out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
  out_shape.insert(out_shape.end(), s.begin() + axis + 1, s.end());
  Tensor out(data.dtype(), out_shape);
  size_t es = dtype_size(data.dtype());
  int64_t outer = product(s, 0, axis), dim = s[axis];
  size_t inner = static_cast<size_t>(product(s, axis + 1, s.size())) * es;
  auto* dst = static_cast<uint8_t*>(out.raw());
  const auto* src = static_cast<const uint8_t*>(data.raw());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k : idx) {
      if (k < -dim || k >= dim) fail("", "gather: index " + std::to_string(k) + " out of range");
      if (k < 0) k += dim;
      std::memcpy(dst, src + (o * dim + k) * inner, inner);
      dst += inner;
    }
  return out;
}

Tensor eval_slice(const Tensor& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                  std::vector<int64_t> axes, std::vector<int64_t> steps) {
  const Shape& s = data.shape();
  int64_t rank = static_cast<int64_t>(s.size());
  if (starts.size() != ends.size()) fail("", "slice: starts and ends differ in length");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    fail("", "slice: axes/steps length differs from starts");
  std::vector<int64_t> begin(s.size(), 0), step(s.size(), 1);
  Shape out_shape = s;
  for (size_t i = 0; i < starts.size(); ++i) {
    int64_t ax = normalize_axis(axes[i], rank), dim = s[ax], st = steps[i];
    if (st == 0) fail("", "slice: step 0");
    int64_t b = starts[i], e = ends[i];
    if (b < 0) b += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      b = std::clamp<int64_t>(b, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    int64_t n = st > 0 ? (e - b + st - 1) / st : (b - e + (-st) - 1) / (-st);
    begin[ax] = b;
    step[ax] = st;
    out_shape[ax] = std::max<int64_t>(0, n);
  }
  Tensor out(data.dtype(), out_shape);
  size_t es = dtype_size(data.dtype());
  std::vector<int64_t> in_strides = strides_of(s);
  auto* dst = static_cast<uint8_t*>(out.raw());
  const auto* src = static_cast<const uint8_t*>(data.raw());
  int64_t o = 0;
  for_each_index(out_shape, [&](const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t i = 0; i < idx.size(); ++i) off += (begin[i] + idx[i] * step[i]) * in_strides[i];
    std::memcpy(dst + (o++) * es, src + off * es, es);
  });
  return out;
}

Tensor eval_constant_of_shape(const std::vector<int64_t>& shape, const Tensor& value) {
  if (value.numel() != 1) fail("", "ConstantOfShape value must have one element");
  for (int64_t d : shape)
    if (d < 0) fail("", "ConstantOfShape: negative dimension");
  Tensor out(value.dtype(), Shape(shape.begin(), shape.end()));
  size_t es = dtype_size(value.dtype());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t i = 0; i < out.numel(); ++i) std::memcpy(dst + i * es, value.raw(), es);
  return out;
}

}  // namespace qd::passes
