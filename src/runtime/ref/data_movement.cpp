#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

namespace {

// Row-major strides of a shape.
std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t d = s.size(); d-- > 1;) st[d - 1] = st[d] * s[d];
  return st;
}

// Calls f(out_flat_index, index) for every index of `shape` in row-major order.
template <typename F>
void for_each_index(const Shape& shape, F f) {
  const int64_t n = shape_numel(shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(i, idx);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

Tensor concat(const std::vector<Tensor>& xs, int64_t axis) {
  QD_CHECK(!xs.empty(), "concat: no inputs");
  const int r = xs[0].rank();
  if (axis < 0) axis += r;
  Shape out = xs[0].shape();
  out[axis] = 0;
  for (const Tensor& t : xs) out[axis] += t.dim(static_cast<int>(axis));
  Tensor y(DataType::f32, out);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= out[d];
  for (int d = static_cast<int>(axis) + 1; d < r; ++d) inner *= out[d];
  float* yd = y.data<float>();
  int64_t offset = 0;  // elements along axis*inner already written per outer row
  for (const Tensor& t : xs) {
    const int64_t chunk = t.dim(static_cast<int>(axis)) * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(yd + o * out[axis] * inner + offset, t.data<float>() + o * chunk, chunk * sizeof(float));
    offset += chunk;
  }
  return y;
}

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

Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm_in) {
  const int r = x.rank();
  std::vector<int64_t> perm = perm_in;
  if (perm.empty())  // ONNX default: reverse the dimensions
    for (int d = 0; d < r; ++d) perm.push_back(r - 1 - d);
  Shape out(r);
  for (int d = 0; d < r; ++d) out[d] = x.dim(static_cast<int>(perm[d]));
  Tensor y(DataType::f32, out);
  const auto xs = strides_of(x.shape());
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for_each_index(out, [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (int d = 0; d < r; ++d) off += idx[d] * xs[perm[d]];
    yd[i] = xd[off];
  });
  return y;
}

}  // namespace qd::runtime::ref

namespace qd::runtime::ref {

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
  Tensor y(DataType::f32, out);
  const std::vector<int64_t> in_strides = strides_of(s);
  const float* xd = x.data<float>();
  float* yd = y.data<float>();
  for_each_index(out, [&](int64_t o, const std::vector<int64_t>& idx) {
    int64_t off = 0;
    for (size_t d = 0; d < idx.size(); ++d) off += (begin[d] + idx[d] * step[d]) * in_strides[d];
    yd[o] = xd[off];
  });
  return y;
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
