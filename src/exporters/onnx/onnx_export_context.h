// State shared while one IR graph is written as an ONNX GraphProto: unique names, initializers written
// once, node/attribute helpers and the Q/DQ building blocks. Internal to exporters/onnx.
#pragma once
#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "ir/graph.h"

namespace qd::exporters::onnx_export {

// ONNX TensorProto element type for our dtype.
int32_t onnx_elem_type(DataType t);

class ExportContext {
 public:
  ExportContext(const ir::Graph& g, onnx::GraphProto* out);

  const ir::Graph& ir() const { return g_; }

  // A name used by no IR value and no generated name yet, built from `base`.
  std::string fresh(const std::string& base);

  // Name to read IR value v by in ONNX: constants are written as initializers on first use.
  std::string input(ir::ValueId v);
  const std::string& name(ir::ValueId v) const { return g_.value(v).name; }

  // Adds an initializer named fresh(base) (or exactly `base` when exact) holding t; returns its name.
  std::string add_initializer(const std::string& base, const Tensor& t, bool exact = false);
  std::string add_i64s(const std::string& base, const std::vector<int64_t>& values);  // 1-D int64
  std::string add_f32_scalar(const std::string& base, float v);                       // 0-D float

  // Appends a node named `name` when `exact` (an IR node's own name), else a node name not used by any IR
  // node or generated node yet (node names are a namespace of their own in ONNX).
  onnx::NodeProto* add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs, const std::string& name,
                            bool exact = false);

  // Q -> DQ of activation `x` with one step (zero point int8 0); shared per (value, step). Returns the
  // dequantized value's name.
  std::string qdq_activation(ir::ValueId x, float step, const std::string& node_name);

  // int8 initializer + DequantizeLinear for constant weight `w` of node `node_name`: one step per slice
  // along `axis` (or one step for all). Returns the dequantized weight's name.
  std::string dq_weight(ir::ValueId w, const std::vector<float>& steps, int axis, int bits,
                        const std::string& node_name);

 private:
  const ir::Graph& g_;
  onnx::GraphProto* out_;
  std::set<std::string> used_;        // value and initializer names
  std::set<std::string> node_names_;  // IR node names and generated node names
  std::set<ir::ValueId> written_constants_;
  std::map<std::pair<ir::ValueId, float>, std::string> qdq_cache_;
};

void set_attr(onnx::NodeProto* n, const std::string& name, int64_t v);
void set_attr(onnx::NodeProto* n, const std::string& name, float v);
void set_attr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v);
void set_attr(onnx::NodeProto* n, const std::string& name, const std::string& v);

}  // namespace qd::exporters::onnx_export
