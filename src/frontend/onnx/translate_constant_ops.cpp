// Constant nodes and shape-helper ops. The helpers have no IR op: they are evaluated at import time
// and are unsupported when an input is only known at run time.
#include "frontend/onnx/onnx_tensor.h"
#include "frontend/onnx/onnx_translators.h"
#include "passes/constant_eval.h"

namespace qd::frontend {

namespace {

const Tensor& constant_data(NodeContext& ctx, int i, const std::string& what) {
  return ctx.required_constant(i, what);
}

}  // namespace

void translate_constant(NodeContext& ctx) {
  using onnx::AttributeProto;
  if (ctx.has_attr("value")) {
    const AttributeProto* a = ctx.find_attr("value");
    if (a->type() != AttributeProto::TENSOR) ctx.error("attribute 'value' must be a tensor");
    ctx.set_constant_output(0, tensor_from_proto(a->t(), ctx.file(), ctx.base_dir()));
  } else if (ctx.has_attr("value_float")) {
    float v = ctx.attr_float("value_float", 0.f);
    ctx.set_constant_output(0, Tensor::from<float>({}, std::span<const float>(&v, 1)));
  } else if (ctx.has_attr("value_floats")) {
    std::vector<float> v = ctx.attr_floats("value_floats");
    ctx.set_constant_output(0, Tensor::from<float>({static_cast<int64_t>(v.size())}, v));
  } else if (ctx.has_attr("value_int")) {
    int64_t v = ctx.attr_int("value_int", 0);
    ctx.set_constant_output(0, Tensor::from<int64_t>({}, std::span<const int64_t>(&v, 1)));
  } else if (ctx.has_attr("value_ints")) {
    ctx.set_constant_output(0, passes::ints_to_tensor(ctx.attr_ints("value_ints")));
  } else if (ctx.has_attr("sparse_value") || ctx.has_attr("value_string") || ctx.has_attr("value_strings")) {
    ctx.unsupported("sparse and string constants are not supported");
  } else {
    ctx.error("Constant has no value attribute");
  }
}

// Shape (with opset-15 start/end) of a tensor whose dims are static in the selected range.
void translate_shape(NodeContext& ctx) {
  Shape s = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(s.size());
  int64_t start = ctx.attr_int("start", 0), end = ctx.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  std::vector<int64_t> dims(s.begin() + start, s.begin() + end);
  for (int64_t d : dims)
    if (d < 0) ctx.unsupported("input shape " + shape_str(s) + " has a symbolic dimension");
  ctx.set_constant_output(0, passes::ints_to_tensor(dims));
}

void translate_gather(NodeContext& ctx) {
  const Tensor& data = constant_data(ctx, 0, "data");
  const Tensor& indices = constant_data(ctx, 1, "indices");
  ctx.set_constant_output(0, passes::eval_gather(data, indices, ctx.attr_int("axis", 0)));
}

// Cast of a constant folds; a float -> float cast of a run-time tensor is an Identity.
void translate_cast(NodeContext& ctx) {
  int64_t to = ctx.attr_int("to", 0);
  std::optional<DataType> dt = dtype_from_onnx(static_cast<int32_t>(to));
  if (!dt) ctx.unsupported("cast to " + onnx_type_name(static_cast<int32_t>(to)) + " is not supported");
  if (const Tensor* x = ctx.constant_input(0)) {
    ctx.set_constant_output(0, passes::eval_cast(*x, *dt));
    return;
  }
  if (*dt == DataType::f32) {
    ctx.emit(ir::OpKind::Identity, {ctx.input(0)});
    return;
  }
  ctx.unsupported("cast of a run-time tensor to " + onnx_type_name(static_cast<int32_t>(to)));
}

void translate_constant_of_shape(NodeContext& ctx) {
  std::vector<int64_t> shape = passes::tensor_to_ints(constant_data(ctx, 0, "shape"));
  Tensor value(DataType::f32, {1});
  if (const auto* a = ctx.find_attr("value")) value = tensor_from_proto(a->t(), ctx.file(), ctx.base_dir());
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || d > (int64_t{1} << 31) || (n *= d) > (int64_t{1} << 31))
      ctx.error("absurd output shape " + shape_str(shape));
  }
  ctx.set_constant_output(0, passes::eval_constant_of_shape(shape, value));
}

void translate_range(NodeContext& ctx) {
  ctx.set_constant_output(0,
                          passes::eval_range(constant_data(ctx, 0, "start"), constant_data(ctx, 1, "limit"),
                                             constant_data(ctx, 2, "delta")));
}

}  // namespace qd::frontend
