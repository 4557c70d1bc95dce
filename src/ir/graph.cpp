#include "ir/graph.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace qd::ir {

ValueId Graph::add_value(const std::string& name, DataType dtype, Shape shape) {
  QD_CHECK(!value_index_.count(name), "duplicate value name '" + name + "'");
  ValueId id = static_cast<ValueId>(values_.size());
  values_.push_back(Value{name, dtype, std::move(shape), {}});
  value_index_[name] = id;
  return id;
}

ValueId Graph::add_constant(const std::string& name, Tensor data) {
  ValueId id = add_value(name, data.dtype(), data.shape());
  values_[id].constant = std::move(data);
  return id;
}

NodeId Graph::add_node(Node node) {
  nodes_.push_back(std::move(node));
  return static_cast<NodeId>(nodes_.size() - 1);
}

ValueId Graph::find_value(const std::string& name) const {
  auto it = value_index_.find(name);
  return it == value_index_.end() ? kNoValue : it->second;
}

std::string Graph::unique_value_name(const std::string& base) const {
  if (!value_index_.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string n = base + "_" + std::to_string(i);
    if (!value_index_.count(n)) return n;
  }
}

std::string Graph::unique_node_name(const std::string& base) const {
  std::set<std::string> used;
  for (auto& n : nodes_) used.insert(n.name);
  if (!used.count(base)) return base;
  for (int i = 1;; ++i) {
    std::string n = base + "_" + std::to_string(i);
    if (!used.count(n)) return n;
  }
}

NodeId Graph::producer(ValueId v) const {
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (ValueId o : nodes_[i].outputs)
      if (o == v) return static_cast<NodeId>(i);
  return -1;
}

std::vector<NodeId> Graph::consumers(ValueId v) const {
  std::vector<NodeId> r;
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (ValueId in : nodes_[i].inputs)
      if (in == v) r.push_back(static_cast<NodeId>(i));
  return r;
}

bool Graph::is_graph_output(ValueId v) const {
  return std::find(outputs_.begin(), outputs_.end(), v) != outputs_.end();
}

void Graph::sort_topologically() {
  std::vector<NodeId> producer_of(values_.size(), -1);
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (ValueId o : nodes_[i].outputs) producer_of[o] = static_cast<NodeId>(i);

  std::vector<int> state(nodes_.size(), 0);  // 0 new, 1 visiting, 2 done
  std::vector<NodeId> order;
  order.reserve(nodes_.size());
  // Iterative DFS so deep graphs do not overflow the stack.
  for (size_t root = 0; root < nodes_.size(); ++root) {
    if (state[root]) continue;
    std::vector<std::pair<NodeId, size_t>> stack{{static_cast<NodeId>(root), 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      const Node& node = nodes_[n];
      if (next < node.inputs.size()) {
        ValueId in = node.inputs[next++];
        if (in == kNoValue) continue;
        const Value& v = values_[in];
        NodeId p = producer_of[in];
        if (p < 0) {
          bool is_input = std::find(inputs_.begin(), inputs_.end(), in) != inputs_.end();
          if (!v.is_constant() && !is_input)
            fail("", "node '" + node.name + "' reads value '" + v.name + "' that nothing produces");
          continue;
        }
        if (state[p] == 1) fail("", "graph has a cycle through node '" + nodes_[p].name + "'");
        if (state[p] == 0) {
          state[p] = 1;
          stack.push_back({p, 0});
        }
      } else {
        state[n] = 2;
        order.push_back(n);
        stack.pop_back();
      }
    }
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes_.size());
  for (NodeId n : order) sorted.push_back(std::move(nodes_[n]));
  nodes_ = std::move(sorted);
}

void Graph::erase_nodes(const std::vector<NodeId>& dead) {
  std::set<NodeId> d(dead.begin(), dead.end());
  std::vector<Node> kept;
  kept.reserve(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (!d.count(static_cast<NodeId>(i))) kept.push_back(std::move(nodes_[i]));
  nodes_ = std::move(kept);
}

int Graph::remove_dead_nodes() {
  std::vector<bool> live_value(values_.size(), false);
  for (ValueId o : outputs_) live_value[o] = true;
  std::vector<bool> live_node(nodes_.size(), false);
  // Walk backwards: assumes topological order, so repeat until stable for safety.
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t i = nodes_.size(); i-- > 0;) {
      if (live_node[i]) continue;
      bool live = false;
      for (ValueId o : nodes_[i].outputs) live = live || live_value[o];
      if (!live) continue;
      live_node[i] = true;
      changed = true;
      for (ValueId in : nodes_[i].inputs)
        if (in != kNoValue) live_value[in] = true;
    }
  }
  std::vector<NodeId> dead;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (!live_node[i]) dead.push_back(static_cast<NodeId>(i));
  erase_nodes(dead);
  return static_cast<int>(dead.size());
}

void Graph::replace_uses(ValueId from, ValueId to) {
  for (auto& n : nodes_)
    for (auto& in : n.inputs)
      if (in == from) in = to;
  for (auto& o : outputs_)
    if (o == from) o = to;
}

std::string dump(const Graph& g) {
  std::ostringstream os;
  auto val = [&](ValueId v) {
    if (v == kNoValue) return std::string("<none>");
    const Value& x = g.value(v);
    return x.name + ":" + shape_str(x.shape) + (x.is_constant() ? "(const)" : "");
  };
  for (ValueId v : g.inputs()) os << "input " << val(v) << "\n";
  for (const Node& n : g.nodes()) {
    os << op_name(n.op) << " " << n.name << " (";
    for (size_t i = 0; i < n.inputs.size(); ++i) os << (i ? ", " : "") << val(n.inputs[i]);
    os << ") -> (";
    for (size_t i = 0; i < n.outputs.size(); ++i) os << (i ? ", " : "") << val(n.outputs[i]);
    os << ")\n";
  }
  for (ValueId v : g.outputs()) os << "output " << val(v) << "\n";
  return os.str();
}

}  // namespace qd::ir
