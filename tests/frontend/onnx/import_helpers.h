// Small lookups over an imported graph for the ONNX frontend tests.
#pragma once
#include <string>
#include <vector>

#include "frontend/onnx/onnx_importer.h"
#include "onnx_builder.h"

namespace qd::test {

inline ir::Model import_built(const OnnxBuilder& b, const std::string& path = "test.onnx") {
  return frontend::import_onnx_proto(b.model, path);
}

inline int count_ops(const ir::Graph& g, ir::OpKind op) {
  int n = 0;
  for (const auto& node : g.nodes()) n += node.op == op;
  return n;
}

// The only node of kind `op` (fails the test when there is not exactly one).
inline const ir::Node& only_node(const ir::Graph& g, ir::OpKind op) {
  const ir::Node* found = nullptr;
  int n = 0;
  for (const auto& node : g.nodes())
    if (node.op == op) {
      found = &node;
      ++n;
    }
  EXPECT_EQ(n, 1) << "expected one " << ir::op_name(op) << " node in\n" << ir::dump(g);
  if (!found) throw std::runtime_error("node not found");
  return *found;
}

inline const ir::Value& value_named(const ir::Graph& g, const std::string& name) {
  ir::ValueId v = g.find_value(name);
  if (v == ir::kNoValue) throw std::runtime_error("no value " + name);
  return g.value(v);
}

inline std::vector<float> floats(const Tensor& t) {
  Tensor f = t.to_f32();
  return {f.data<float>(), f.data<float>() + f.numel()};
}

}  // namespace qd::test
