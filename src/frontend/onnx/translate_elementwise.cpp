// Activations, elementwise binary ops, Gemm/MatMul, Softmax and the identity-like ops.
#include <limits>

#include "frontend/onnx/onnx_translators.h"
#include "passes/constant_eval.h"

namespace qd::frontend {

void translate_relu(NodeContext& ctx) { ctx.emit(ir::OpKind::Relu, {ctx.input(0)}); }

void translate_sigmoid(NodeContext& ctx) { ctx.emit(ir::OpKind::Sigmoid, {ctx.input(0)}); }

void translate_hard_swish(NodeContext& ctx) { ctx.emit(ir::OpKind::HardSwish, {ctx.input(0)}); }

// Clip bounds are attributes before opset 11 and optional constant inputs from opset 11; an absent
// bound is unbounded (+-inf).
void translate_clip(NodeContext& ctx) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  ir::ActAttrs a{-kInf, kInf};
  if (ctx.opset() < 11) {
    a.alpha = ctx.attr_float("min", -kInf);
    a.beta = ctx.attr_float("max", kInf);
  } else {
    if (ctx.has_input(1)) a.alpha = passes::tensor_to_scalar(ctx.required_constant(1, "min"));
    if (ctx.has_input(2)) a.beta = passes::tensor_to_scalar(ctx.required_constant(2, "max"));
  }
  ctx.emit(ir::OpKind::Clip, {ctx.input(0)}, a);
}

void translate_leaky_relu(NodeContext& ctx) {
  ctx.emit(ir::OpKind::LeakyRelu, {ctx.input(0)}, ir::ActAttrs{ctx.attr_float("alpha", 0.01f), 0.f});
}

void translate_hard_sigmoid(NodeContext& ctx) {
  ctx.emit(ir::OpKind::HardSigmoid, {ctx.input(0)},
           ir::ActAttrs{ctx.attr_float("alpha", 0.2f), ctx.attr_float("beta", 0.5f)});
}

void translate_add(NodeContext& ctx) { ctx.emit(ir::OpKind::Add, {ctx.input(0), ctx.input(1)}); }
void translate_sub(NodeContext& ctx) { ctx.emit(ir::OpKind::Sub, {ctx.input(0), ctx.input(1)}); }
void translate_mul(NodeContext& ctx) { ctx.emit(ir::OpKind::Mul, {ctx.input(0), ctx.input(1)}); }
void translate_div(NodeContext& ctx) { ctx.emit(ir::OpKind::Div, {ctx.input(0), ctx.input(1)}); }

void translate_pow(NodeContext& ctx) { ctx.emit(ir::OpKind::Pow, {ctx.input(0), ctx.input(1)}); }
void translate_erf(NodeContext& ctx) { ctx.emit(ir::OpKind::Erf, {ctx.input(0)}); }
void translate_sqrt(NodeContext& ctx) { ctx.emit(ir::OpKind::Sqrt, {ctx.input(0)}); }

// Opset 17 LayerNormalization: normalises axes axis..rank-1; the optional Mean/InvStdDev outputs are
// training outputs and must be unused.
void translate_layer_normalization(NodeContext& ctx) {
  const int64_t rank = ctx.input_rank(0);
  const int64_t axis = ctx.normalized_axis(ctx.attr_int("axis", -1), rank);
  if (ctx.attr_int("stash_type", 1) != 1) ctx.unsupported("stash_type other than float");
  ir::LayerNormAttrs a{axis, rank - axis, ctx.attr_float("epsilon", 1e-5f)};
  std::vector<ir::ValueId> inputs{ctx.input(0), ctx.input(1)};
  if (ctx.has_input(2)) inputs.push_back(ctx.input(2));
  ctx.emit(ir::OpKind::LayerNorm, inputs, a);
}

void translate_gemm(NodeContext& ctx) {
  ir::GemmAttrs a;
  a.alpha = ctx.attr_float("alpha", 1.f);
  a.beta = ctx.attr_float("beta", 1.f);
  a.trans_a = ctx.attr_int("transA", 0) != 0;
  a.trans_b = ctx.attr_int("transB", 0) != 0;
  std::vector<ir::ValueId> inputs{ctx.input(0), ctx.input(1)};
  if (ctx.has_input(2)) inputs.push_back(ctx.input(2));
  ctx.emit(ir::OpKind::Gemm, inputs, a);
}

void translate_mat_mul(NodeContext& ctx) { ctx.emit(ir::OpKind::MatMul, {ctx.input(0), ctx.input(1)}); }

// Before opset 13 the default axis is 1 and the input is coerced to 2-D at `axis`, which equals a
// softmax along `axis` only when every later dimension is 1 (or axis is the last one).
void translate_softmax(NodeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const int64_t rank = static_cast<int64_t>(x.size());
  const int64_t axis = ctx.normalized_axis(ctx.attr_int("axis", ctx.opset() < 13 ? 1 : -1), rank);
  if (ctx.opset() < 13)
    for (int64_t d = axis + 1; d < rank; ++d)
      if (x[d] != 1)
        ctx.unsupported("opset " + std::to_string(ctx.opset()) + " Softmax over axis " +
                        std::to_string(axis) + " flattens the trailing dimensions of " + shape_str(x));
  ctx.emit(ir::OpKind::Softmax, {ctx.input(0)}, ir::AxisAttrs{axis});
}

void translate_identity(NodeContext& ctx) { ctx.emit(ir::OpKind::Identity, {ctx.input(0)}); }

// Inference-mode Dropout is the identity (ratio and training_mode inputs are ignored); a used mask
// output is unsupported.
void translate_dropout(NodeContext& ctx) {
  if (const Tensor* t = ctx.constant_input(2); t && passes::tensor_to_scalar(*t) != 0.f)
    ctx.unsupported("training_mode=true is not supported");
  ctx.emit(ir::OpKind::Dropout, {ctx.input(0)});
}

}  // namespace qd::frontend
