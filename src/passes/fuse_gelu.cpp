#include "passes/fuse_gelu.h"

#include <cmath>

#include "passes/pattern_match.h"

namespace qd::passes {

namespace {

constexpr float kTolerance = 1e-4f;  // relative, on the pattern's constants (exporters round sqrt(2))

bool near(std::optional<float> v, double want) {
  return v && std::fabs(*v - want) <= kTolerance * std::fabs(want);
}

// The Gelu pattern rooted at Erf node `e`: the source x, the output value and the nodes to remove.
struct GeluMatch {
  ir::ValueId x = ir::kNoValue, out = ir::kNoValue;
  std::vector<ir::NodeId> nodes;
};

std::optional<GeluMatch> match_gelu(const ir::Graph& g, ir::NodeId e) {
  GeluMatch m;
  const ir::Node& erf = g.node(e);
  // x / sqrt(2) or x * (1 / sqrt(2))
  const ir::NodeId scale = g.producer(erf.inputs.at(0));
  if (scale < 0 || sole_consumer(g, erf.inputs[0]) != e) return std::nullopt;
  const ir::Node& sn = g.node(scale);
  if (sn.op == ir::OpKind::Div && near(scalar_constant(g, sn.inputs.at(1)), M_SQRT2))
    m.x = sn.inputs[0];
  else if (sn.op == ir::OpKind::Mul && near(scalar_constant(g, sn.inputs.at(1)), M_SQRT1_2))
    m.x = sn.inputs[0];
  else if (sn.op == ir::OpKind::Mul && near(scalar_constant(g, sn.inputs.at(0)), M_SQRT1_2))
    m.x = sn.inputs[1];
  else
    return std::nullopt;
  if (g.value(m.x).is_constant()) return std::nullopt;
  // 1 + erf
  const ir::ValueId erf_out = erf.outputs.at(0);
  const ir::NodeId add = sole_consumer(g, erf_out);
  if (add < 0 || g.node(add).op != ir::OpKind::Add ||
      !near(scalar_constant(g, other_input(g.node(add), erf_out)), 1.0))
    return std::nullopt;
  const ir::ValueId one_plus = g.node(add).outputs.at(0);
  // x * 0.5 * one_plus, the Muls in any order
  const ir::NodeId m1 = sole_consumer(g, one_plus);
  if (m1 < 0 || g.node(m1).op != ir::OpKind::Mul) return std::nullopt;
  const ir::ValueId other = other_input(g.node(m1), one_plus);
  const ir::ValueId m1_out = g.node(m1).outputs.at(0);
  m.nodes = {scale, e, add, m1};
  if (other == m.x || near(scalar_constant(g, other), 0.5)) {  // (x * one_plus) * 0.5 or (one_plus * 0.5) * x
    const ir::NodeId m2 = sole_consumer(g, m1_out);
    if (m2 < 0 || g.node(m2).op != ir::OpKind::Mul) return std::nullopt;
    const ir::ValueId last = other_input(g.node(m2), m1_out);
    if (other == m.x ? !near(scalar_constant(g, last), 0.5) : last != m.x) return std::nullopt;
    m.nodes.push_back(m2);
    m.out = g.node(m2).outputs.at(0);
  } else {  // (x * 0.5) * one_plus
    const ir::NodeId half = producer_of(g, other, ir::OpKind::Mul);
    if (half < 0 || sole_consumer(g, other) != m1 || other_input(g.node(half), m.x) == ir::kNoValue ||
        !near(scalar_constant(g, other_input(g.node(half), m.x)), 0.5))
      return std::nullopt;
    m.nodes.push_back(half);
    m.out = m1_out;
  }
  return m;
}

}  // namespace

bool FuseGelu::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  std::vector<ir::Node> added;
  std::vector<bool> used(g.nodes().size(), false);
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    if (g.node(static_cast<ir::NodeId>(i)).op != ir::OpKind::Erf) continue;
    std::optional<GeluMatch> m = match_gelu(g, static_cast<ir::NodeId>(i));
    if (!m) continue;
    bool overlap = false;
    for (ir::NodeId k : m->nodes) overlap = overlap || used[k];
    if (overlap) continue;
    for (ir::NodeId k : m->nodes) used[k] = true;
    dead.insert(dead.end(), m->nodes.begin(), m->nodes.end());
    ir::Node gelu;
    gelu.name = g.unique_node_name(g.node(static_cast<ir::NodeId>(i)).name + "_gelu");
    gelu.op = ir::OpKind::Gelu;
    gelu.inputs = {m->x};
    gelu.outputs = {m->out};
    added.push_back(std::move(gelu));
  }
  g.erase_nodes(dead);
  for (ir::Node& n : added) g.add_node(std::move(n));
  return !added.empty();
}

}  // namespace qd::passes
