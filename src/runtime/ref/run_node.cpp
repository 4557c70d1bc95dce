#include "runtime/ref/run_node.h"

#include "runtime/ref/int8.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

namespace {

Tensor input_or_empty(const std::vector<Tensor>& in, size_t i) { return i < in.size() ? in[i] : Tensor(); }

// Pure data ops keep the bytes and take the shape the IR inferred for the output.
Tensor reshape_to_output(const ir::Graph& g, const ir::Node& n, const Tensor& x) {
  const Shape& s = g.value(n.outputs.at(0)).shape;
  if (!shape_is_static(s) || shape_numel(s) != x.numel())
    fail("", "node '" + n.name + "': output shape " + shape_str(s) + " does not fit input " +
                 shape_str(x.shape()));
  return x.clone().reshaped(s);
}

}  // namespace

std::vector<Tensor> run_node(const ir::Graph& g, const ir::Node& n, const std::vector<Tensor>& in,
                             const ir::LayerQuant* quant, Int8Mode mode) {
  using ir::OpKind;
  std::vector<Tensor> f32(in.size());
  for (size_t i = 0; i < in.size(); ++i)
    if (!in[i].empty()) f32[i] = in[i].to_f32();
  if (quant && mode != Int8Mode::off && (n.op == OpKind::Conv || n.op == OpKind::Gemm)) {
    const bool conv = n.op == OpKind::Conv;
    if (mode == Int8Mode::real)
      return {conv
                  ? conv2d_int8(f32.at(0), f32.at(1), input_or_empty(f32, 2), n.attr<ir::ConvAttrs>(), *quant)
                  : gemm_int8(f32.at(0), f32.at(1), input_or_empty(f32, 2), n.attr<ir::GemmAttrs>(), *quant)};
    // simulate: fake-quantize the input and the weights, then the fp32 kernel.
    f32[0] = fake_quantize(f32[0], static_cast<float>(quant->input_scale));
    const int w_axis = conv || n.attr<ir::GemmAttrs>().trans_b ? 0 : 1;
    f32[1] = fake_quantize_weights(f32[1], quant->weight_scales, quant->weight_bits, w_axis);
  }
  switch (n.op) {
    case OpKind::Conv:
      return {conv2d(f32.at(0), f32.at(1), input_or_empty(f32, 2), n.attr<ir::ConvAttrs>())};
    case OpKind::BatchNormalization:
      return {batchnorm(f32.at(0), f32.at(1), f32.at(2), f32.at(3), f32.at(4),
                        n.attr<ir::BatchNormAttrs>().epsilon)};
    case OpKind::Relu:
    case OpKind::Sigmoid:
    case OpKind::HardSwish:
    case OpKind::Swish:
      return {activation(f32.at(0), n.op, {})};
    case OpKind::Clip:
    case OpKind::LeakyRelu:
    case OpKind::HardSigmoid:
      return {activation(f32.at(0), n.op, n.attr<ir::ActAttrs>())};
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
      return {binary(n.op, f32.at(0), f32.at(1))};
    case OpKind::Erf:
    case OpKind::Sqrt:
    case OpKind::Gelu:
      return {unary_math(f32.at(0), n.op)};
    case OpKind::LayerNorm:
      return {layer_norm(f32.at(0), f32.at(1), input_or_empty(f32, 2), n.attr<ir::LayerNormAttrs>())};
    case OpKind::MaxPool:
      return {max_pool(f32.at(0), n.attr<ir::PoolAttrs>())};
    case OpKind::AveragePool:
      return {avg_pool(f32.at(0), n.attr<ir::PoolAttrs>())};
    case OpKind::GlobalAveragePool:
      return {global_avg_pool(f32.at(0))};
    case OpKind::GlobalMaxPool:
      return {global_max_pool(f32.at(0))};
    case OpKind::ReduceMean:
    case OpKind::ReduceMax:
    case OpKind::ReduceSum:
      return {reduce(f32.at(0), n.op, n.attr<ir::ReduceAttrs>())};
    case OpKind::Slice:
      return {slice(f32.at(0), n.attr<ir::SliceAttrs>())};
    case OpKind::Split:
      return split(f32.at(0), n.attr<ir::SplitAttrs>());
    case OpKind::ShuffleChannel:
      return {shuffle_channel(f32.at(0), n.attr<ir::ShuffleChannelAttrs>().group)};
    case OpKind::Gemm:
      return {gemm(f32.at(0), f32.at(1), input_or_empty(f32, 2), n.attr<ir::GemmAttrs>())};
    case OpKind::MatMul:
      return {matmul(f32.at(0), f32.at(1))};
    case OpKind::Softmax:
      return {softmax(f32.at(0), n.attr<ir::AxisAttrs>().axis)};
    case OpKind::Concat:
      return {concat(f32, n.attr<ir::AxisAttrs>().axis)};
    case OpKind::Pad:
      return {pad(f32.at(0), n.attr<ir::PadAttrs>())};
    case OpKind::Transpose:
      return {transpose(f32.at(0), n.attr<ir::AxesAttrs>().axes)};
    case OpKind::Flatten:
    case OpKind::Reshape:
    case OpKind::Squeeze:
    case OpKind::Unsqueeze:
    case OpKind::Identity:
    case OpKind::Dropout: {
      std::vector<Tensor> out{reshape_to_output(g, n, f32.at(0))};
      for (size_t i = 1; i < n.outputs.size(); ++i) out.push_back(Tensor());  // Dropout mask: unused
      return out;
    }
  }
  fail_unsupported(
      "", "node '" + n.name + "': op " + std::string(ir::op_name(n.op)) + " has no reference kernel");
}

}  // namespace qd::runtime::ref
