// Reductions and layout ops whose axes/shape/pads are attributes in the IR: inputs that carry them
// (newer opsets) must be constant after folding.
#include <algorithm>

#include "frontend/onnx/onnx_translators.h"
#include "passes/constant_eval.h"

namespace qd::frontend {

namespace {

// Normalises axes to [0, rank); the rank is only looked up when some axis is negative.
std::vector<int64_t> normalized_axes(NodeContext& ctx, std::vector<int64_t> axes, int64_t extra_rank = 0) {
  bool negative = false;
  for (int64_t a : axes) negative = negative || a < 0;
  if (!negative) return axes;
  const int64_t rank = ctx.input_rank(0) + extra_rank;
  for (int64_t& a : axes) a = ctx.normalized_axis(a, rank);
  return axes;
}

// Axes from the attribute (before `input_from_opset`) or from optional input 1.
std::vector<int64_t> axes_attr_or_input(NodeContext& ctx, int input_from_opset) {
  if (ctx.opset() < input_from_opset) return ctx.attr_ints("axes");
  if (!ctx.has_input(1)) return {};
  return passes::tensor_to_ints(ctx.required_constant(1, "axes"));
}

}  // namespace

namespace {

// ReduceMean/Max/Sum: axes an attribute before `axes_input_opset` (18; ReduceSum 13), an optional
// constant input from then on; no axes reduces all (unless noop_with_empty_axes).
void translate_reduce(NodeContext& ctx, ir::OpKind op, int axes_input_opset) {
  std::vector<int64_t> axes = axes_attr_or_input(ctx, axes_input_opset);
  bool noop_with_empty_axes = ctx.opset() >= axes_input_opset && ctx.attr_int("noop_with_empty_axes", 0) != 0;
  if (axes.empty() && noop_with_empty_axes) {
    ctx.emit(ir::OpKind::Identity, {ctx.input(0)});
    return;
  }
  ir::ReduceAttrs a;
  a.keepdims = ctx.attr_int("keepdims", 1) != 0;
  if (axes.empty()) {
    for (int64_t i = 0; i < ctx.input_rank(0); ++i) axes.push_back(i);
  }
  a.axes = normalized_axes(ctx, axes);
  std::sort(a.axes.begin(), a.axes.end());
  a.axes.erase(std::unique(a.axes.begin(), a.axes.end()), a.axes.end());
  ctx.emit(op, {ctx.input(0)}, a);
}

}  // namespace

void translate_reduce_mean(NodeContext& ctx) { translate_reduce(ctx, ir::OpKind::ReduceMean, 18); }
void translate_reduce_max(NodeContext& ctx) { translate_reduce(ctx, ir::OpKind::ReduceMax, 18); }
void translate_reduce_sum(NodeContext& ctx) { translate_reduce(ctx, ir::OpKind::ReduceSum, 13); }

void translate_flatten(NodeContext& ctx) {
  int64_t axis = ctx.attr_int("axis", 1);
  if (axis < 0) axis += ctx.input_rank(0);
  ctx.emit(ir::OpKind::Flatten, {ctx.input(0)}, ir::AxisAttrs{axis});
}

void translate_reshape(NodeContext& ctx) {
  std::vector<int64_t> shape = passes::tensor_to_ints(ctx.required_constant(1, "target shape"));
  if (ctx.attr_int("allowzero", 0) != 0)
    for (int64_t d : shape)
      if (d == 0) ctx.unsupported("allowzero=1 with a 0 in the target shape is not supported");
  ctx.emit(ir::OpKind::Reshape, {ctx.input(0)}, ir::ReshapeAttrs{shape});
}

void translate_squeeze(NodeContext& ctx) {
  std::vector<int64_t> axes = normalized_axes(ctx, axes_attr_or_input(ctx, 13));
  ctx.emit(ir::OpKind::Squeeze, {ctx.input(0)}, ir::AxesAttrs{axes});
}

void translate_unsqueeze(NodeContext& ctx) {
  std::vector<int64_t> axes = axes_attr_or_input(ctx, 13);
  if (axes.empty()) ctx.error("Unsqueeze needs axes");
  axes = normalized_axes(ctx, axes, static_cast<int64_t>(axes.size()));
  ctx.emit(ir::OpKind::Unsqueeze, {ctx.input(0)}, ir::AxesAttrs{axes});
}

void translate_concat(NodeContext& ctx) {
  if (!ctx.has_attr("axis")) ctx.error("missing attribute 'axis'");
  std::vector<ir::ValueId> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) inputs.push_back(ctx.input(i));
  int64_t axis = normalized_axes(ctx, {ctx.attr_int("axis", 0)})[0];
  ctx.emit(ir::OpKind::Concat, inputs, ir::AxisAttrs{axis});
}

// Pads and the constant value are attributes before opset 11 and inputs from opset 11; opset 18 adds
// an optional `axes` input selecting which axes the pads apply to.
void translate_pad(NodeContext& ctx) {
  ir::PadAttrs a;
  std::string mode = ctx.attr_string("mode", "constant");
  if (mode == "constant")
    a.mode = ir::PadMode::constant;
  else if (mode == "reflect")
    a.mode = ir::PadMode::reflect;
  else if (mode == "edge")
    a.mode = ir::PadMode::edge;
  else
    ctx.unsupported("mode '" + mode + "' is not supported");
  if (ctx.opset() < 11) {
    a.pads = ctx.attr_ints("pads");
    a.value = ctx.attr_float("value", 0.f);
  } else {
    a.pads = passes::tensor_to_ints(ctx.required_constant(1, "pads"));
    if (ctx.has_input(2)) {
      const Tensor& v = ctx.required_constant(2, "constant_value");
      if (v.numel() > 0) a.value = passes::tensor_to_scalar(v);
    }
    if (ctx.has_input(3)) {
      std::vector<int64_t> axes = passes::tensor_to_ints(ctx.required_constant(3, "axes"));
      int64_t rank = ctx.input_rank(0);
      if (a.pads.size() != 2 * axes.size()) ctx.error("pads must have 2 values per axis");
      std::vector<int64_t> full(2 * rank, 0);
      for (size_t i = 0; i < axes.size(); ++i) {
        int64_t ax = axes[i] < 0 ? axes[i] + rank : axes[i];
        if (ax < 0 || ax >= rank) ctx.error("pad axis out of range");
        full[ax] = a.pads[i];
        full[ax + rank] = a.pads[i + axes.size()];
      }
      a.pads = full;
    }
  }
  ctx.emit(ir::OpKind::Pad, {ctx.input(0)}, a);
}

void translate_transpose(NodeContext& ctx) {
  std::vector<int64_t> perm = ctx.attr_ints("perm");
  if (perm.empty())
    for (int64_t i = ctx.input_rank(0); i-- > 0;) perm.push_back(i);
  ctx.emit(ir::OpKind::Transpose, {ctx.input(0)}, ir::AxesAttrs{normalized_axes(ctx, perm)});
}

}  // namespace qd::frontend
