// What a translate_<op>() sees: the ONNX node, typed access to its attributes and inputs, and the
// ways to produce its outputs (an IR node, or constants when the node folds at import time).
#pragma once
#include <onnx/onnx_pb.h>

#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace qd::frontend {

// Import-wide state shared by all node translations.
struct ImportState {
  ir::Graph& graph;
  std::string file;      // for messages
  std::string base_dir;  // for external data of Constant nodes
  int opset = 0;
  std::set<std::string> read_names;  // every value name some node or the graph output reads
  bool shapes_fresh = false;         // value shapes match the nodes translated so far
};

// Thrown by a translator when this node uses a feature qdeploy does not support; the importer
// collects these and reports all of them in one error.
struct NodeUnsupported {
  std::string reason;  // empty when the op itself is unknown
};

class NodeContext {
 public:
  NodeContext(ImportState& state, const onnx::NodeProto& proto, std::string name)
      : s_(state), p_(proto), name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  const std::string& op_type() const { return p_.op_type(); }
  int opset() const { return s_.opset; }
  const std::string& file() const { return s_.file; }
  const std::string& base_dir() const { return s_.base_dir; }

  // Inputs. An input is present when its slot exists and its name is not empty.
  int num_inputs() const { return p_.input_size(); }
  int num_outputs() const { return p_.output_size(); }
  bool has_input(int i) const { return i < p_.input_size() && !p_.input(i).empty(); }
  // Value of a required input (user error when absent).
  ir::ValueId input(int i) const;
  // Value of an optional input, or kNoValue.
  ir::ValueId optional_input(int i) const { return has_input(i) ? input(i) : ir::kNoValue; }
  // The constant behind input i, or nullptr when absent or computed at run time.
  const Tensor* constant_input(int i) const;
  // Like constant_input, but an input that is present and not constant is unsupported.
  const Tensor& required_constant(int i, const std::string& what) const;
  // Shape of input i (runs shape inference on the nodes translated so far when needed).
  const Shape& input_shape(int i);
  int64_t input_rank(int i) { return static_cast<int64_t>(input_shape(i).size()); }

  // Attributes (with defaults when absent).
  bool has_attr(const std::string& name) const { return find_attr(name) != nullptr; }
  int64_t attr_int(const std::string& name, int64_t def) const;
  float attr_float(const std::string& name, float def) const;
  std::string attr_string(const std::string& name, const std::string& def) const;
  std::vector<int64_t> attr_ints(const std::string& name, std::vector<int64_t> def = {}) const;
  std::vector<float> attr_floats(const std::string& name) const;
  const onnx::AttributeProto* find_attr(const std::string& name) const;

  // Outputs: an IR node writing the first `num_outputs` ONNX outputs (folded to constants at once
  // when all its inputs are constants and an evaluator exists). Further ONNX outputs must be unused.
  void emit(ir::OpKind op, std::vector<ir::ValueId> inputs, ir::Attrs attrs = {}, int num_outputs = 1);
  // Output i becomes the constant `t` (no node is added).
  void set_constant_output(int i, Tensor t);

  // This node uses a feature qdeploy does not support (collected into the final error).
  [[noreturn]] void unsupported(const std::string& reason) const { throw NodeUnsupported{reason}; }
  // A user error "<file>: node '<name>' (<op>): <msg>".
  [[noreturn]] void error(const std::string& msg) const;
  // `axis` in [-rank, rank) as [0, rank) (ir::normalize_axis); otherwise a user error naming this node.
  int64_t normalized_axis(int64_t axis, int64_t rank) const;

 private:
  ImportState& s_;
  const onnx::NodeProto& p_;
  std::string name_;
};

}  // namespace qd::frontend
