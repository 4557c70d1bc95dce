// Data-movement evaluators on constant tensors: the math is src/ops (shared with the reference runtime).
#include <algorithm>
#include <cstring>
#include <limits>

#include "ops/data_movement.h"
#include "passes/constant_eval.h"

namespace qd::passes {

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

Tensor eval_transpose(const Tensor& x, const std::vector<int64_t>& perm) { return ops::transpose(x, perm); }

Tensor eval_concat(const std::vector<Tensor>& xs, int64_t axis) { return ops::concat(xs, axis); }

Tensor eval_gather(const Tensor& data, const Tensor& indices, int64_t axis) {
  return ops::gather(data, tensor_to_ints(indices), indices.shape(), axis);
}

Tensor eval_slice(const Tensor& data, const std::vector<int64_t>& starts, const std::vector<int64_t>& ends,
                  std::vector<int64_t> axes, std::vector<int64_t> steps) {
  return ops::slice(data,
                    ops::normalize_slice(data.shape(), starts, ends, std::move(axes), std::move(steps)));
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
