#include "frontend/onnx/onnx_node_context.h"

#include "core/error.h"
#include "frontend/onnx/onnx_tensor.h"
#include "ir/axis.h"
#include "ir/shape_inference.h"
#include "passes/fold_constants.h"

namespace qd::frontend {

ir::ValueId NodeContext::input(int i) const {
  if (!has_input(i)) error("missing required input " + std::to_string(i));
  ir::ValueId v = s_.graph.find_value(p_.input(i));
  QD_CHECK(v != ir::kNoValue, "input '" + p_.input(i) + "' was not created");
  return v;
}

const Tensor* NodeContext::constant_input(int i) const {
  if (!has_input(i)) return nullptr;
  const ir::Value& v = s_.graph.value(input(i));
  return v.is_constant() ? &v.constant : nullptr;
}

const Tensor& NodeContext::required_constant(int i, const std::string& what) const {
  const Tensor* t = constant_input(i);
  if (!t) unsupported(what + " is computed at run time (must be constant)");
  return *t;
}

const Shape& NodeContext::input_shape(int i) {
  ir::ValueId v = input(i);
  ir::Graph& g = s_.graph;
  bool known = g.value(v).is_constant() || g.producer(v) < 0;  // constants and graph inputs
  if (!known && !s_.shapes_fresh) {
    g.sort_topologically();
    ir::infer_shapes(g);
    s_.shapes_fresh = true;
  }
  return g.value(v).shape;
}

const onnx::AttributeProto* NodeContext::find_attr(const std::string& name) const {
  for (const auto& a : p_.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t NodeContext::attr_int(const std::string& name, int64_t def) const {
  const auto* a = find_attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::INT) error("attribute '" + name + "' must be an int");
  return a->i();
}

float NodeContext::attr_float(const std::string& name, float def) const {
  const auto* a = find_attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::FLOAT) error("attribute '" + name + "' must be a float");
  return a->f();
}

std::string NodeContext::attr_string(const std::string& name, const std::string& def) const {
  const auto* a = find_attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::STRING) error("attribute '" + name + "' must be a string");
  return a->s();
}

std::vector<int64_t> NodeContext::attr_ints(const std::string& name, std::vector<int64_t> def) const {
  const auto* a = find_attr(name);
  if (!a) return def;
  if (a->type() != onnx::AttributeProto::INTS) error("attribute '" + name + "' must be a list of ints");
  return {a->ints().begin(), a->ints().end()};
}

std::vector<float> NodeContext::attr_floats(const std::string& name) const {
  const auto* a = find_attr(name);
  if (!a) return {};
  if (a->type() != onnx::AttributeProto::FLOATS) error("attribute '" + name + "' must be a list of floats");
  return {a->floats().begin(), a->floats().end()};
}

void NodeContext::emit(ir::OpKind op, std::vector<ir::ValueId> inputs, ir::Attrs attrs, int num_outputs) {
  ir::Graph& g = s_.graph;
  ir::Node n;
  n.name = name_;
  n.op = op;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  for (int i = 0; i < p_.output_size(); ++i) {
    const std::string& out = p_.output(i);
    if (i >= num_outputs) {
      if (!out.empty() && s_.read_names.count(out))
        unsupported("output " + std::to_string(i) + " ('" + out + "') is used");
      continue;
    }
    if (out.empty()) error("output " + std::to_string(i) + " has no name");
    n.outputs.push_back(g.find_value(out));
  }
  if (static_cast<int>(n.outputs.size()) < num_outputs)
    error("expected " + std::to_string(num_outputs) + " outputs");
  ir::NodeId id = g.add_node(std::move(n));
  if (passes::try_fold_node(g, id)) {
    g.erase_nodes({id});
    return;
  }
  s_.shapes_fresh = false;
}

void NodeContext::set_constant_output(int i, Tensor t) {
  if (i >= p_.output_size() || p_.output(i).empty()) error("output " + std::to_string(i) + " has no name");
  ir::Value& v = s_.graph.value(s_.graph.find_value(p_.output(i)));
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.constant = std::move(t);
}

void NodeContext::error(const std::string& msg) const {
  fail(s_.file, "node '" + name_ + "' (" + p_.op_type() + "): " + msg);
}

int64_t NodeContext::normalized_axis(int64_t axis, int64_t rank) const {
  try {
    return ir::normalize_axis(axis, rank);
  } catch (const Error& e) {
    error(e.what());
  }
}

}  // namespace qd::frontend
