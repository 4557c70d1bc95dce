#include "passes/fuse_layer_norm.h"

#include <cmath>

#include "passes/pattern_match.h"

namespace qd::passes {

namespace {

struct LayerNormMatch {
  ir::ValueId x = ir::kNoValue, out = ir::kNoValue;
  ir::ValueId gamma = ir::kNoValue, beta = ir::kNoValue;
  ir::LayerNormAttrs attrs;
  std::vector<ir::NodeId> nodes;
};

// `v` is an f32 constant with `count` elements whose shape, without leading 1s, is the input's
// trailing normalised dims (so it broadcasts along the normalised axes only).
bool is_affine_constant(const ir::Graph& g, ir::ValueId v, const Shape& x, int64_t axis) {
  if (v == ir::kNoValue || !g.value(v).is_constant() || g.value(v).constant.dtype() != DataType::f32)
    return false;
  Shape s = g.value(v).constant.shape();
  while (!s.empty() && s.front() == 1 && s.size() > x.size() - axis) s.erase(s.begin());
  return s == Shape(x.begin() + axis, x.end());
}

std::optional<LayerNormMatch> match_layer_norm(const ir::Graph& g, ir::NodeId div_id) {
  LayerNormMatch m;
  const ir::Node& div = g.node(div_id);
  const ir::ValueId d = div.inputs.at(0);
  const ir::NodeId sub = producer_of(g, d, ir::OpKind::Sub);
  const ir::NodeId sqrt = producer_of(g, div.inputs.at(1), ir::OpKind::Sqrt);
  if (sub < 0 || sqrt < 0 || sole_consumer(g, div.inputs[1]) != div_id) return std::nullopt;
  m.x = g.node(sub).inputs.at(0);
  const ir::NodeId mean = producer_of(g, g.node(sub).inputs.at(1), ir::OpKind::ReduceMean);
  if (mean < 0 || g.node(mean).inputs.at(0) != m.x || sole_consumer(g, g.node(sub).inputs[1]) != sub)
    return std::nullopt;
  const ir::NodeId add_eps = producer_of(g, g.node(sqrt).inputs.at(0), ir::OpKind::Add);
  if (add_eps < 0 || sole_consumer(g, g.node(sqrt).inputs[0]) != sqrt) return std::nullopt;
  const ir::Node& ae = g.node(add_eps);
  const std::optional<float> eps = scalar_constant(g, ae.inputs.at(1));
  const ir::NodeId var = producer_of(g, ae.inputs.at(0), ir::OpKind::ReduceMean);
  if (!eps || *eps < 0.f || var < 0 || sole_consumer(g, ae.inputs[0]) != add_eps) return std::nullopt;
  const ir::NodeId pow = producer_of(g, g.node(var).inputs.at(0), ir::OpKind::Pow);
  if (pow < 0 || sole_consumer(g, g.node(var).inputs[0]) != var || g.node(pow).inputs.at(0) != d)
    return std::nullopt;
  const std::optional<float> two = scalar_constant(g, g.node(pow).inputs.at(1));
  if (!two || *two != 2.f) return std::nullopt;
  // d is read by exactly the Pow and the Div
  const std::vector<ir::NodeId> d_readers = g.consumers(d);
  if (g.is_graph_output(d) || d_readers.size() != 2) return std::nullopt;
  // both means over the same trailing axes
  const auto axes = reduce_mean_kept_axes(g, g.node(mean));
  if (!axes || axes->empty() || axes != reduce_mean_kept_axes(g, g.node(var))) return std::nullopt;
  const Shape& xs = g.value(m.x).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  for (size_t i = 0; i < axes->size(); ++i)
    if ((*axes)[i] != rank - static_cast<int64_t>(axes->size()) + static_cast<int64_t>(i))
      return std::nullopt;
  m.attrs = ir::LayerNormAttrs{axes->front(), static_cast<int64_t>(axes->size()), *eps};
  m.nodes = {mean, sub, pow, var, add_eps, sqrt, div_id};
  m.out = div.outputs.at(0);
  // optional affine: * gamma, + beta
  if (const ir::NodeId mul = sole_consumer(g, m.out); mul >= 0 && g.node(mul).op == ir::OpKind::Mul) {
    const ir::ValueId gamma = other_input(g.node(mul), m.out);
    if (is_affine_constant(g, gamma, xs, m.attrs.axis)) {
      m.gamma = gamma;
      m.nodes.push_back(mul);
      m.out = g.node(mul).outputs.at(0);
      if (const ir::NodeId add = sole_consumer(g, m.out); add >= 0 && g.node(add).op == ir::OpKind::Add) {
        const ir::ValueId beta = other_input(g.node(add), m.out);
        if (is_affine_constant(g, beta, xs, m.attrs.axis)) {
          m.beta = beta;
          m.nodes.push_back(add);
          m.out = g.node(add).outputs.at(0);
        }
      }
    }
  }
  return m;
}

// The affine constant flattened to the normalised size (ones when absent).
ir::ValueId affine_input(ir::Graph& g, ir::ValueId v, int64_t count, float fill, const std::string& name) {
  Tensor t(DataType::f32, {count});
  if (v == ir::kNoValue) {
    for (int64_t i = 0; i < count; ++i) t.data<float>()[i] = fill;
  } else {
    const Tensor& c = g.value(v).constant;
    std::copy(c.data<float>(), c.data<float>() + count, t.data<float>());
  }
  return g.add_constant(g.unique_value_name(name), std::move(t));
}

}  // namespace

bool FuseLayerNorm::run(ir::Graph& g) {
  std::vector<ir::NodeId> dead;
  std::vector<ir::Node> added;
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    if (g.node(static_cast<ir::NodeId>(i)).op != ir::OpKind::Div) continue;
    std::optional<LayerNormMatch> m = match_layer_norm(g, static_cast<ir::NodeId>(i));
    if (!m) continue;
    const Shape& xs = g.value(m->x).shape;
    int64_t count = 1;
    for (size_t k = static_cast<size_t>(m->attrs.axis); k < xs.size(); ++k) count *= xs[k];
    if (count <= 0) continue;
    const std::string base = g.node(static_cast<ir::NodeId>(i)).name + "_layernorm";
    ir::Node ln;
    ln.name = g.unique_node_name(base);
    ln.op = ir::OpKind::LayerNorm;
    ln.inputs = {m->x, affine_input(g, m->gamma, count, 1.f, base + "_scale"),
                 affine_input(g, m->beta, count, 0.f, base + "_bias")};
    ln.outputs = {m->out};
    ln.attrs = m->attrs;
    dead.insert(dead.end(), m->nodes.begin(), m->nodes.end());
    added.push_back(std::move(ln));
  }
  g.erase_nodes(dead);
  for (ir::Node& n : added) g.add_node(std::move(n));
  return !added.empty();
}

}  // namespace qd::passes
