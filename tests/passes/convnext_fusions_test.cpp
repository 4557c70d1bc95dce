// ConvNeXt's patterns: fuse_gelu, fuse_layer_norm, rewrite_channels_last_chain, fold_scale_into_conv on
// hand-built graphs (match and non-match), each rewrite checked numerically against the graph before it.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ir/shape_inference.h"
#include "passes/fold_scale_into_conv.h"
#include "passes/fuse_gelu.h"
#include "passes/fuse_layer_norm.h"
#include "passes/rewrite_channels_last_chain.h"
#include "passes/standard_pipeline.h"
#include "runtime/executor.h"

namespace qd::passes {
namespace {

using ir::OpKind;

Tensor cn_random(Shape s, uint32_t seed) {
  Tensor t(DataType::f32, std::move(s));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (float& v : t.values<float>()) v = d(rng);
  return t;
}
Tensor cn_scalar(float v) { return Tensor::from<float>({}, std::span<const float>(&v, 1)); }

struct CnGraph {
  ir::Model m;
  ir::Graph& g = m.graph;
  int counter = 0;
  ir::ValueId input(Shape s) {
    ir::ValueId v = g.add_value("x", DataType::f32, std::move(s));
    g.inputs().push_back(v);
    return v;
  }
  ir::ValueId c(Tensor t) { return g.add_constant("k" + std::to_string(counter++), std::move(t)); }
  ir::ValueId op(OpKind k, std::vector<ir::ValueId> in, ir::Attrs a = {}) {
    const std::string name = std::string(ir::op_name(k)) + std::to_string(counter++);
    ir::ValueId out = g.add_value(name + "_out");
    g.add_node(ir::Node{name, k, std::move(in), {out}, std::move(a)});
    return out;
  }
  int count(OpKind k) const {
    int n = 0;
    for (const auto& x : g.nodes()) n += x.op == k;
    return n;
  }
  void finish(ir::ValueId out) {
    g.outputs() = {out};
    g.sort_topologically();
    ir::infer_shapes(g);
  }
  std::vector<float> run(const Tensor& x) {
    runtime::CompileOptions o;
    o.backend = runtime::Backend::reference;
    auto ex = runtime::compile(m, o);
    Tensor y = ex->run({x})[0].to_f32();
    return {y.values<float>().begin(), y.values<float>().end()};
  }
};

// x * 0.5 * (1 + erf(x / sqrt2)) in PyTorch's order: ((x * (1 + erf)) * 0.5)
ir::ValueId torch_gelu(CnGraph& b, ir::ValueId x, float sqrt2 = 1.4142135f) {
  ir::ValueId e = b.op(OpKind::Erf, {b.op(OpKind::Div, {x, b.c(cn_scalar(sqrt2))})});
  ir::ValueId one = b.op(OpKind::Add, {e, b.c(cn_scalar(1.f))});
  return b.op(OpKind::Mul, {b.op(OpKind::Mul, {x, one}), b.c(cn_scalar(0.5f))});
}

void cn_expect_close(const std::vector<float>& a, const std::vector<float>& b, float tol) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], tol) << i;
}

TEST(FuseGelu, TorchPatternBecomesOneGeluWithTheSameOutput) {
  CnGraph b;
  ir::ValueId x = b.input({1, 4, 3, 3});
  ir::ValueId y = torch_gelu(b, x);
  b.finish(y);
  const Tensor in = cn_random({1, 4, 3, 3}, 1);
  const std::vector<float> before = b.run(in);
  EXPECT_TRUE(FuseGelu().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 1u) << ir::dump(b.g);
  EXPECT_EQ(b.g.nodes()[0].op, OpKind::Gelu);
  EXPECT_EQ(b.g.nodes()[0].outputs[0], y);  // keeps the pattern's output value
  cn_expect_close(b.run(in), before, 1e-6f);
}

TEST(FuseGelu, HalfFirstOrderMatches) {
  CnGraph b;
  ir::ValueId x = b.input({2, 5});
  ir::ValueId e = b.op(OpKind::Erf, {b.op(OpKind::Mul, {x, b.c(cn_scalar(0.70710678f))})});
  ir::ValueId one = b.op(OpKind::Add, {b.c(cn_scalar(1.f)), e});
  ir::ValueId half = b.op(OpKind::Mul, {x, b.c(cn_scalar(0.5f))});
  b.finish(b.op(OpKind::Mul, {half, one}));
  EXPECT_TRUE(FuseGelu().run(b.g));
  EXPECT_EQ(b.count(OpKind::Gelu), 1);
  EXPECT_EQ(b.g.nodes().size(), 1u);
}

TEST(FuseGelu, WrongConstantOrSharedIntermediateIsLeftAlone) {
  CnGraph b;
  ir::ValueId x = b.input({2, 5});
  b.finish(torch_gelu(b, x, 1.5f));  // not sqrt(2)
  EXPECT_FALSE(FuseGelu().run(b.g));
  EXPECT_EQ(b.count(OpKind::Erf), 1);

  CnGraph s;
  ir::ValueId x2 = s.input({2, 5});
  ir::ValueId e = s.op(OpKind::Erf, {s.op(OpKind::Div, {x2, s.c(cn_scalar(1.4142135f))})});
  ir::ValueId one = s.op(OpKind::Add, {e, s.c(cn_scalar(1.f))});
  ir::ValueId y = s.op(OpKind::Mul, {s.op(OpKind::Mul, {x2, one}), s.c(cn_scalar(0.5f))});
  s.finish(s.op(OpKind::Add, {y, e}));  // erf output read twice
  EXPECT_FALSE(FuseGelu().run(s.g));
}

// PyTorch's opset-13 LayerNorm over the last axis of x.
ir::ValueId torch_layer_norm(CnGraph& b, ir::ValueId x, int64_t c, float exponent = 2.f, int64_t axis = -1) {
  ir::ValueId mean = b.op(OpKind::ReduceMean, {x}, ir::ReduceAttrs{{axis}, true});
  ir::ValueId d = b.op(OpKind::Sub, {x, mean});
  ir::ValueId var = b.op(OpKind::ReduceMean, {b.op(OpKind::Pow, {d, b.c(cn_scalar(exponent))})},
                         ir::ReduceAttrs{{axis}, true});
  ir::ValueId sd = b.op(OpKind::Sqrt, {b.op(OpKind::Add, {var, b.c(cn_scalar(1e-6f))})});
  ir::ValueId n = b.op(OpKind::Div, {d, sd});
  ir::ValueId s = b.op(OpKind::Mul, {n, b.c(cn_random({c}, 7))});
  return b.op(OpKind::Add, {s, b.c(cn_random({c}, 8))});
}

TEST(FuseLayerNorm, DecomposedPatternBecomesOneLayerNorm) {
  CnGraph b;
  ir::ValueId x = b.input({1, 3, 3, 6});
  ir::ValueId y = torch_layer_norm(b, x, 6);
  b.finish(y);
  const Tensor in = cn_random({1, 3, 3, 6}, 2);
  const std::vector<float> before = b.run(in);
  EXPECT_TRUE(FuseLayerNorm().run(b.g));
  ASSERT_EQ(b.g.nodes().size(), 1u) << ir::dump(b.g);
  const ir::Node& ln = b.g.nodes()[0];
  EXPECT_EQ(ln.op, OpKind::LayerNorm);
  EXPECT_EQ(ln.attr<ir::LayerNormAttrs>().axis, 3);
  EXPECT_EQ(ln.attr<ir::LayerNormAttrs>().num_axes, 1);
  EXPECT_FLOAT_EQ(ln.attr<ir::LayerNormAttrs>().epsilon, 1e-6f);
  EXPECT_EQ(ln.outputs[0], y);
  ir::infer_shapes(b.g);
  cn_expect_close(b.run(in), before, 1e-5f);
}

TEST(FuseLayerNorm, OtherExponentOrNonTrailingAxisIsLeftAlone) {
  CnGraph p;
  p.finish(torch_layer_norm(p, p.input({1, 3, 6}), 6, 3.f));
  EXPECT_FALSE(FuseLayerNorm().run(p.g));
  CnGraph a;
  ir::ValueId x = a.input({1, 6, 3});
  ir::ValueId mean = a.op(OpKind::ReduceMean, {x}, ir::ReduceAttrs{{1}, true});
  ir::ValueId d = a.op(OpKind::Sub, {x, mean});
  ir::ValueId var =
      a.op(OpKind::ReduceMean, {a.op(OpKind::Pow, {d, a.c(cn_scalar(2.f))})}, ir::ReduceAttrs{{1}, true});
  a.finish(a.op(OpKind::Div, {d, a.op(OpKind::Sqrt, {a.op(OpKind::Add, {var, a.c(cn_scalar(1e-6f))})})}));
  EXPECT_FALSE(FuseLayerNorm().run(a.g));  // axis 1 of 3 is not trailing
}

// ConvNeXt block body: Transpose -> LN -> Linear -> GELU -> Linear -> Transpose -> layer scale.
TEST(RewriteChannelsLastChain, ConvNeXtBlockBecomesNchwConvsWithTheSameOutput) {
  CnGraph b;
  const int64_t c = 4, h = 4 * c;
  ir::ValueId x = b.input({1, c, 3, 3});
  ir::ValueId t = b.op(OpKind::Transpose, {x}, ir::AxesAttrs{{0, 2, 3, 1}});
  ir::ValueId ln = b.op(OpKind::LayerNorm, {t, b.c(cn_random({c}, 3)), b.c(cn_random({c}, 4))},
                        ir::LayerNormAttrs{3, 1, 1e-6f});
  ir::ValueId l1 =
      b.op(OpKind::Add, {b.op(OpKind::MatMul, {ln, b.c(cn_random({c, h}, 5))}), b.c(cn_random({h}, 6))});
  ir::ValueId act = b.op(OpKind::Gelu, {l1});
  ir::ValueId l2 =
      b.op(OpKind::Add, {b.c(cn_random({c}, 9)), b.op(OpKind::MatMul, {act, b.c(cn_random({h, c}, 10))})});
  ir::ValueId back = b.op(OpKind::Transpose, {l2}, ir::AxesAttrs{{0, 3, 1, 2}});
  ir::ValueId scaled = b.op(OpKind::Mul, {b.c(cn_random({c, 1, 1}, 11)), back});
  b.finish(b.op(OpKind::Add, {scaled, x}));
  const Tensor in = cn_random({1, c, 3, 3}, 12);
  const std::vector<float> before = b.run(in);
  run_import_pipeline(b.g);
  EXPECT_EQ(b.count(OpKind::Transpose), 0) << ir::dump(b.g);
  EXPECT_EQ(b.count(OpKind::MatMul), 0);
  EXPECT_EQ(b.count(OpKind::Conv), 2);
  EXPECT_EQ(b.count(OpKind::Mul), 0);  // layer scale folded into the second conv
  EXPECT_EQ(b.g.nodes().size(), 5u);   // LN, conv, gelu, conv, add
  for (const ir::Node& n : b.g.nodes())
    if (n.op == OpKind::Conv) EXPECT_EQ(n.inputs.size(), 3u);  // the Linear biases
  cn_expect_close(b.run(in), before, 1e-5f);
}

// The ncnn form of a LayerNorm over channels (our ncnn writer's Permute -> LayerNorm -> Permute, read back
// with the LayerNorm over axis -1): one LayerNorm over axis 1, no transposes (each was a full reorder).
TEST(RewriteChannelsLastChain, NcnnLayerNormOverTheLastAxisLosesItsTransposes) {
  CnGraph b;
  const int64_t c = 8;
  ir::ValueId x = b.input({1, c, 3, 5});
  ir::ValueId t = b.op(OpKind::Transpose, {x}, ir::AxesAttrs{{0, 2, 3, 1}});
  ir::ValueId ln = b.op(OpKind::LayerNorm, {t, b.c(cn_random({c}, 13)), b.c(cn_random({c}, 14))},
                        ir::LayerNormAttrs{-1, 1, 1e-6f});
  b.finish(b.op(OpKind::Transpose, {ln}, ir::AxesAttrs{{0, 3, 1, 2}}));
  const Tensor in = cn_random({1, c, 3, 5}, 15);
  const std::vector<float> before = b.run(in);
  EXPECT_TRUE(RewriteChannelsLastChain().run(b.g));
  EXPECT_EQ(b.count(OpKind::Transpose), 0) << ir::dump(b.g);
  ASSERT_EQ(b.count(OpKind::LayerNorm), 1);
  for (const ir::Node& n : b.g.nodes())
    if (n.op == OpKind::LayerNorm) EXPECT_EQ(n.attr<ir::LayerNormAttrs>().axis, 1);
  cn_expect_close(b.run(in), before, 1e-5f);
}

TEST(RewriteChannelsLastChain, UnconvertibleNodeOrOtherPermutationIsLeftAlone) {
  CnGraph b;
  ir::ValueId x = b.input({1, 4, 3, 3});
  ir::ValueId t = b.op(OpKind::Transpose, {x}, ir::AxesAttrs{{0, 2, 3, 1}});
  ir::ValueId sm = b.op(OpKind::Softmax, {t}, ir::AxisAttrs{3});
  b.finish(b.op(OpKind::Transpose, {sm}, ir::AxesAttrs{{0, 3, 1, 2}}));
  EXPECT_FALSE(RewriteChannelsLastChain().run(b.g));
  CnGraph o;
  ir::ValueId x2 = o.input({1, 4, 3, 3});
  ir::ValueId t2 = o.op(OpKind::Transpose, {x2}, ir::AxesAttrs{{0, 2, 3, 1}});
  o.finish(o.op(OpKind::Transpose, {o.op(OpKind::Gelu, {t2})}, ir::AxesAttrs{{0, 3, 2, 1}}));
  EXPECT_FALSE(RewriteChannelsLastChain().run(o.g));
}

TEST(FoldScaleIntoConv, ConvReadElsewhereKeepsTheMul) {
  CnGraph b;
  ir::ValueId x = b.input({1, 2, 3, 3});
  ir::ValueId conv = b.op(OpKind::Conv, {x, b.c(cn_random({2, 2, 1, 1}, 1))}, ir::ConvAttrs{});
  ir::ValueId m = b.op(OpKind::Mul, {conv, b.c(cn_random({2, 1, 1}, 2))});
  b.finish(b.op(OpKind::Add, {m, conv}));
  EXPECT_FALSE(FoldScaleIntoConv().run(b.g));
  EXPECT_EQ(b.count(OpKind::Mul), 1);
}

}  // namespace
}  // namespace qd::passes
