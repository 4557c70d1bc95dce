#include "quant/analyse/single_layer_model.h"

#include "core/error.h"
#include "ir/shape_inference.h"

namespace qd::quant {

ir::Model single_layer_model(const ir::Graph& g, const ir::Node& node, const ir::LayerQuant* quant,
                             bool non_negative_input) {
  QD_CHECK(!node.inputs.empty() && node.inputs[0] != ir::kNoValue, "single_layer_model: node has no input");
  ir::Model m;
  ir::Graph& out = m.graph;
  const ir::Value& x = g.value(node.inputs[0]);
  Shape in_shape = x.shape;
  if (!in_shape.empty()) in_shape[0] = kDynamicDim;
  ir::ValueId in = out.add_value("input", DataType::f32, in_shape);
  out.inputs().push_back(in);
  if (non_negative_input) {
    ir::ValueId relu_out = out.add_value("input_relu");
    ir::Node relu;
    relu.name = "input_relu";
    relu.op = ir::OpKind::Relu;
    relu.inputs = {in};
    relu.outputs = {relu_out};
    out.add_node(std::move(relu));
    in = relu_out;
  }
  ir::Node n;
  n.name = node.name;
  n.op = node.op;
  n.attrs = node.attrs;
  n.inputs.push_back(in);
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    const ir::ValueId v = node.inputs[i];
    if (v == ir::kNoValue) {
      n.inputs.push_back(ir::kNoValue);
      continue;
    }
    if (!g.value(v).is_constant())
      fail_unsupported("", "node '" + node.name + "': input '" + g.value(v).name +
                               "' is not a constant; its layer cannot be analysed alone");
    n.inputs.push_back(out.add_constant("c" + std::to_string(i), g.value(v).constant));
  }
  ir::ValueId y = out.add_value("output");
  n.outputs = {y};
  out.add_node(std::move(n));
  out.outputs().push_back(y);
  ir::infer_shapes(out);
  if (quant) {
    ir::LayerQuant q = *quant;
    q.output_scale = 0.f;
    m.quant.layers[node.name] = q;
  }
  return m;
}

}  // namespace qd::quant
