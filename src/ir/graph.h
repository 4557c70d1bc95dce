// The graph IR: values (tensors flowing between nodes, or constants such as weights) and nodes.
// Nodes are kept in topological order once sort_topologically() has run (frontends call it; passes
// that add nodes call it again). Values are referred to by index (ValueId) and have unique names.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/attrs.h"

namespace qd::ir {

using ValueId = int32_t;
using NodeId = int32_t;
constexpr ValueId kNoValue = -1;

struct Value {
  std::string name;
  DataType dtype = DataType::f32;
  Shape shape;      // may contain kDynamicDim for a symbolic batch
  Tensor constant;  // non-empty for initializers / folded constants
  bool is_constant() const { return !constant.empty(); }
};

struct Node {
  std::string name;
  OpKind op = OpKind::Identity;
  std::vector<ValueId> inputs;  // kNoValue for an omitted optional input
  std::vector<ValueId> outputs;
  Attrs attrs;

  template <typename T>
  T& attr() {
    return std::get<T>(attrs);
  }
  template <typename T>
  const T& attr() const {
    return std::get<T>(attrs);
  }
};

class Graph {
 public:
  // Adds a value; the name must be unique.
  ValueId add_value(const std::string& name, DataType dtype = DataType::f32, Shape shape = {});
  // Adds a constant value holding `data` (dtype and shape taken from it).
  ValueId add_constant(const std::string& name, Tensor data);
  // Appends a node; returns its id.
  NodeId add_node(Node node);

  // Id of the value called `name`, or kNoValue.
  ValueId find_value(const std::string& name) const;
  // A name not yet used by any value, built from `base`.
  std::string unique_value_name(const std::string& base) const;
  std::string unique_node_name(const std::string& base) const;

  Value& value(ValueId id) { return values_.at(id); }
  const Value& value(ValueId id) const { return values_.at(id); }
  Node& node(NodeId id) { return nodes_.at(id); }
  const Node& node(NodeId id) const { return nodes_.at(id); }
  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  size_t num_values() const { return values_.size(); }

  std::vector<ValueId>& inputs() { return inputs_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  std::vector<ValueId>& outputs() { return outputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }

  // Node producing value v, or -1 (graph input or constant).
  NodeId producer(ValueId v) const;
  // Nodes reading value v (a node appears once per input slot that reads v).
  std::vector<NodeId> consumers(ValueId v) const;
  bool is_graph_output(ValueId v) const;

  // Reorders nodes so every node follows the producers of its inputs. Throws a user error naming a
  // node on a cycle, or a value that is read but never produced.
  void sort_topologically();
  // Removes the nodes whose ids are in `dead` (ids of other nodes change).
  void erase_nodes(const std::vector<NodeId>& dead);
  // Removes nodes that no graph output depends on. Returns how many were removed.
  int remove_dead_nodes();
  // Replaces every read of `from` (node inputs and graph outputs) by `to`.
  void replace_uses(ValueId from, ValueId to);

  // Model metadata carried through conversions (e.g. producer name).
  std::map<std::string, std::string> metadata;

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_, outputs_;
  std::map<std::string, ValueId> value_index_;
};

// Human-readable dump: one line per node with input/output names and shapes.
std::string dump(const Graph& g);

}  // namespace qd::ir
