// Slice and Split. Constant data folds at import time (shape arithmetic); run-time data becomes an IR
// Slice/Split whose starts/ends/sizes must be constant once the shape sub-graphs are folded.
#include <algorithm>

#include "frontend/onnx/onnx_translators.h"
#include "ops/data_movement.h"
#include "passes/constant_eval.h"

namespace qd::frontend {

namespace {

std::vector<int64_t> ints_input(NodeContext& ctx, int i, const char* what) {
  return ctx.has_input(i) ? passes::tensor_to_ints(ctx.required_constant(i, what)) : std::vector<int64_t>{};
}

// ONNX Slice parameters -> SliceAttrs resolved against the static input dims (ops::normalize_slice, as
// constant folding does it).
ir::SliceAttrs normalized_slice(NodeContext& ctx, const std::vector<int64_t>& starts,
                                const std::vector<int64_t>& ends, std::vector<int64_t> axes,
                                std::vector<int64_t> steps) {
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  for (size_t i = 0; i < (axes.empty() ? starts.size() : axes.size()); ++i) {
    const int64_t ax = axes.empty() ? static_cast<int64_t>(i) : axes[i];
    if (ax >= -rank && ax < rank && x[ax < 0 ? ax + rank : ax] < 0)
      ctx.unsupported("slice along a symbolic dimension of " + shape_str(x));
  }
  try {
    return ops::normalize_slice(x, starts, ends, std::move(axes), std::move(steps));
  } catch (const Error& e) {
    ctx.error(e.what());
  }
}

}  // namespace

void translate_slice(NodeContext& ctx) {
  std::vector<int64_t> starts = ints_input(ctx, 1, "starts"), ends = ints_input(ctx, 2, "ends"),
                       axes = ints_input(ctx, 3, "axes"), steps = ints_input(ctx, 4, "steps");
  if (const Tensor* data = ctx.constant_input(0)) {
    ctx.set_constant_output(0, passes::eval_slice(*data, starts, ends, axes, steps));
    return;
  }
  ir::SliceAttrs a = normalized_slice(ctx, starts, ends, axes, steps);
  if (a.axes.empty()) return ctx.emit(ir::OpKind::Identity, {ctx.input(0)});
  ctx.emit(ir::OpKind::Slice, {ctx.input(0)}, a);
}

// Split sizes: the `split` attribute (opset < 13) or input 1 (13+); without them, equal parts
// (opset 18: num_outputs parts of ceil(dim / n), the last smaller).
void translate_split(NodeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  const int64_t axis = ctx.normalized_axis(ctx.attr_int("axis", 0), rank);
  const int64_t dim = x[axis];
  if (dim < 0) ctx.unsupported("split along a symbolic dimension of " + shape_str(x));
  std::vector<int64_t> sizes = ctx.opset() < 13 ? ctx.attr_ints("split") : ints_input(ctx, 1, "split");
  const int64_t parts =
      ctx.opset() >= 18 && ctx.has_attr("num_outputs") ? ctx.attr_int("num_outputs", 0) : ctx.num_outputs();
  if (sizes.empty()) {
    if (parts <= 0) ctx.error("no outputs");
    const int64_t chunk =
        ctx.opset() >= 18 ? (dim + parts - 1) / parts : (dim % parts == 0 ? dim / parts : -1);
    if (chunk < 0)
      ctx.error("axis of size " + std::to_string(dim) + " does not split into " + std::to_string(parts) +
                " equal parts");
    for (int64_t i = 0, left = dim; i < parts; ++i, left -= chunk) sizes.push_back(std::min(chunk, left));
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) ctx.error("negative split size");
    total += s;
  }
  if (total != dim)
    ctx.error("split sizes sum to " + std::to_string(total) + ", axis has " + std::to_string(dim));
  if (static_cast<int>(sizes.size()) != ctx.num_outputs())
    ctx.error(std::to_string(sizes.size()) + " split sizes for " + std::to_string(ctx.num_outputs()) +
              " outputs");
  if (const Tensor* data = ctx.constant_input(0)) {
    int64_t begin = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      ctx.set_constant_output(static_cast<int>(i),
                              passes::eval_slice(*data, {begin}, {begin + sizes[i]}, {axis}, {1}));
      begin += sizes[i];
    }
    return;
  }
  ctx.emit(ir::OpKind::Split, {ctx.input(0)}, ir::SplitAttrs{axis, sizes}, static_cast<int>(sizes.size()));
}

}  // namespace qd::frontend
