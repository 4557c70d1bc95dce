// Arithmetic evaluators on constant tensors and the per-node dispatcher used by fold_constants.
#include <cmath>

#include "ir/axis.h"
#include "ops/binary.h"
#include "passes/constant_eval.h"

namespace qd::passes {

namespace {

template <typename T>
T from_double(double v) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(std::trunc(v));
  return static_cast<T>(v);
}

double element_as_double(const Tensor& x, int64_t i) {
  switch (x.dtype()) {
    case DataType::f32:
      return x.data<float>()[i];
    case DataType::f16:
      return half_to_float(static_cast<const uint16_t*>(x.raw())[i]);
    case DataType::i8:
      return x.data<int8_t>()[i];
    case DataType::u8:
      return x.data<uint8_t>()[i];
    case DataType::i32:
      return x.data<int32_t>()[i];
    case DataType::i64:
      return static_cast<double>(x.data<int64_t>()[i]);
  }
  return 0;
}

}  // namespace

Tensor eval_binary(ir::OpKind op, const Tensor& a, const Tensor& b) { return ops::binary(op, a, b); }

Tensor eval_cast(const Tensor& x, DataType to) {
  if (x.dtype() == to) return x.clone();
  if (to == DataType::f32) return x.to_f32().clone();
  Tensor out(to, x.shape());
  int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) {
    double v = element_as_double(x, i);
    switch (to) {
      case DataType::i64:
        out.data<int64_t>()[i] = from_double<int64_t>(v);
        break;
      case DataType::i32:
        out.data<int32_t>()[i] = from_double<int32_t>(v);
        break;
      case DataType::i8:
        out.data<int8_t>()[i] = from_double<int8_t>(v);
        break;
      case DataType::u8:
        out.data<uint8_t>()[i] = from_double<uint8_t>(v);
        break;
      case DataType::f16:
        static_cast<uint16_t*>(out.raw())[i] = float_to_half(static_cast<float>(v));
        break;
      case DataType::f32:
        break;
    }
  }
  return out;
}

Tensor eval_activation(ir::OpKind op, const Tensor& x_in, const ir::ActAttrs& a) {
  Tensor x = x_in.to_f32();
  Tensor out(DataType::f32, x.shape());
  const float* src = x.data<float>();
  float* dst = out.data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    float v = src[i];
    switch (op) {
      case ir::OpKind::Relu:
        dst[i] = v > 0.f ? v : 0.f;
        break;
      case ir::OpKind::Clip:
        dst[i] = std::fmin(std::fmax(v, a.alpha), a.beta);
        break;
      case ir::OpKind::LeakyRelu:
        dst[i] = v >= 0.f ? v : v * a.alpha;
        break;
      case ir::OpKind::Sigmoid:
        dst[i] = 1.f / (1.f + std::exp(-v));
        break;
      case ir::OpKind::HardSigmoid:
        dst[i] = std::fmax(0.f, std::fmin(1.f, a.alpha * v + a.beta));
        break;
      case ir::OpKind::HardSwish:
        dst[i] = v * std::fmax(0.f, std::fmin(1.f, v / 6.f + 0.5f));
        break;
      case ir::OpKind::Swish:
        dst[i] = v / (1.f + std::exp(-v));
        break;
      case ir::OpKind::Erf:
        dst[i] = std::erf(v);
        break;
      case ir::OpKind::Sqrt:
        dst[i] = std::sqrt(v);
        break;
      case ir::OpKind::Gelu:
        dst[i] = 0.5f * v * (1.f + std::erf(v * static_cast<float>(M_SQRT1_2)));
        break;
      default:
        fail_internal("eval_activation: not an activation");
    }
  }
  return out;
}

Tensor eval_range(const Tensor& start, const Tensor& limit, const Tensor& delta) {
  double s = element_as_double(start, 0), l = element_as_double(limit, 0), d = element_as_double(delta, 0);
  if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1)
    fail("", "Range inputs must be scalars");
  if (d == 0) fail("", "Range delta is 0");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((l - s) / d)));
  if (n > (int64_t{1} << 31)) fail("", "Range would have " + std::to_string(n) + " elements");
  Tensor out(start.dtype(), {n});
  for (int64_t i = 0; i < n; ++i) {
    double v = s + static_cast<double>(i) * d;
    switch (start.dtype()) {
      case DataType::f32:
        out.data<float>()[i] = static_cast<float>(v);
        break;
      case DataType::i64:
        out.data<int64_t>()[i] = static_cast<int64_t>(v);
        break;
      case DataType::i32:
        out.data<int32_t>()[i] = static_cast<int32_t>(v);
        break;
      default:
        fail("", "Range: unsupported element type");
    }
  }
  return out;
}

std::optional<std::vector<Tensor>> evaluate_node(const ir::Node& n, const std::vector<Tensor>& in) {
  using ir::OpKind;
  auto one = [](Tensor t) { return std::optional<std::vector<Tensor>>(std::vector<Tensor>{std::move(t)}); };
  switch (n.op) {
    case OpKind::Identity:
    case OpKind::Dropout:
      return one(in.at(0));
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
      return one(eval_binary(n.op, in.at(0), in.at(1)));
    case OpKind::Erf:
    case OpKind::Sqrt:
    case OpKind::Gelu:
    case OpKind::Relu:
    case OpKind::Sigmoid:
    case OpKind::HardSwish:
    case OpKind::Swish:
      return one(eval_activation(n.op, in.at(0), {}));
    case OpKind::Clip:
    case OpKind::LeakyRelu:
    case OpKind::HardSigmoid:
      return one(eval_activation(n.op, in.at(0), n.attr<ir::ActAttrs>()));
    case OpKind::Reshape:
      return one(eval_reshape(in.at(0), resolve_reshape(in.at(0).shape(), n.attr<ir::ReshapeAttrs>().shape)));
    case OpKind::Flatten: {
      const Shape& s = in.at(0).shape();
      int64_t r = static_cast<int64_t>(s.size()), axis = n.attr<ir::AxisAttrs>().axis;
      if (axis < 0) axis += r;
      if (axis < 0 || axis > r) fail("", "Flatten axis out of range");
      int64_t outer = 1;
      for (int64_t i = 0; i < axis; ++i) outer *= s[i];
      return one(eval_reshape(in.at(0), {outer, in.at(0).numel() / std::max<int64_t>(outer, 1)}));
    }
    case OpKind::Squeeze: {
      const Shape& s = in.at(0).shape();
      std::vector<bool> drop(s.size(), false);
      const auto& axes = n.attr<ir::AxesAttrs>().axes;
      for (size_t i = 0; i < s.size(); ++i) drop[i] = axes.empty() && s[i] == 1;
      for (int64_t ax : axes) {
        int64_t a = ir::normalize_axis(ax, static_cast<int64_t>(s.size()));
        if (s[a] != 1)
          fail("", "cannot squeeze axis " + std::to_string(ax) + " of size " + std::to_string(s[a]));
        drop[a] = true;
      }
      Shape out;
      for (size_t i = 0; i < s.size(); ++i)
        if (!drop[i]) out.push_back(s[i]);
      return one(eval_reshape(in.at(0), out));
    }
    case OpKind::Unsqueeze: {
      const Shape& s = in.at(0).shape();
      const auto& axes = n.attr<ir::AxesAttrs>().axes;
      int64_t r = static_cast<int64_t>(s.size() + axes.size());
      std::vector<bool> ins(r, false);
      for (int64_t ax : axes) ins[ir::normalize_axis(ax, r)] = true;
      Shape out;
      size_t j = 0;
      for (int64_t i = 0; i < r; ++i) out.push_back(ins[i] ? 1 : s.at(j++));
      return one(eval_reshape(in.at(0), out));
    }
    case OpKind::Concat:
      return one(eval_concat(in, n.attr<ir::AxisAttrs>().axis));
    case OpKind::Transpose:
      return one(eval_transpose(in.at(0), n.attr<ir::AxesAttrs>().axes));
    case OpKind::Slice: {
      const auto& a = n.attr<ir::SliceAttrs>();
      return one(eval_slice(in.at(0), a.starts, a.ends, a.axes, a.steps));
    }
    case OpKind::Split: {
      const auto& a = n.attr<ir::SplitAttrs>();
      std::vector<Tensor> parts;
      int64_t begin = 0;
      for (int64_t size : a.sizes) {
        parts.push_back(eval_slice(in.at(0), {begin}, {begin + size}, {a.axis}, {1}));
        begin += size;
      }
      return parts;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace qd::passes
