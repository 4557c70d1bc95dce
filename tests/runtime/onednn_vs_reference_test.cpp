// The oneDNN executor against the reference executor on random data: every mapped op, fusions,
// layouts, fallbacks, batch > 1 and taps.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::quantize_convs_by_absmax;
using testing::random_tensor;

std::vector<Tensor> run_backend(const ir::Model& m, Backend b, const std::vector<Tensor>& in,
                                int64_t batch = 1, const Tap& tap = {}) {
  CompileOptions o;
  o.backend = b;
  o.batch = batch;
  o.threads = 1;
  return compile(m, o)->run(in, tap);
}

// Runs both backends on random inputs of the graph's input shapes (batch dim `batch`) and compares.
void expect_same(const ir::Model& m, int64_t batch = 1, float rtol = 1e-4f) {
  std::vector<Tensor> in;
  uint32_t seed = 100;
  for (ir::ValueId v : m.graph.inputs()) {
    Shape s = m.graph.value(v).shape;
    if (!s.empty() && s[0] < 0) s[0] = batch;
    in.push_back(random_tensor(s, seed++));
  }
  auto ref = run_backend(m, Backend::reference, in, batch);
  auto fast = run_backend(m, Backend::onednn, in, batch);
  ASSERT_EQ(ref.size(), fast.size());
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_EQ(compare(fast[i], ref[i], rtol), "") << "output " << i;
}

// The oneDNN executor's plan of `m` at one thread (which steps run where).
std::string one_thread_plan(const ir::Model& m) {
  CompileOptions o;
  o.threads = 1;
  return onednn_plan_summary(*compile(m, o));
}

struct ConvCase {
  const char* name;
  int64_t n, c, h, w, o;
  ir::ConvAttrs a;
  bool bias;
  std::optional<ir::FusedActivation> act;
};

ir::ConvAttrs with_pads(ir::ConvAttrs a, int t, int l, int b, int r) {
  a.pad_top = t, a.pad_left = l, a.pad_bottom = b, a.pad_right = r;
  return a;
}

TEST(OneDnnConv, MatchesReferenceOnOddShapes) {
  using ir::OpKind;
  const std::vector<ConvCase> cases = {
      {"3x3 pad1", 1, 3, 7, 9, 5, conv_attrs(3, 1, 1), true, {}},
      {"stride2", 1, 8, 9, 9, 16, conv_attrs(3, 2, 1), true, ir::FusedActivation{OpKind::Relu}},
      {"1x1 stride2 no bias", 2, 16, 8, 8, 8, conv_attrs(1, 2, 0), false, {}},
      {"dilation2", 1, 5, 11, 10, 7, conv_attrs(3, 1, 2, 1, 2), true,
       ir::FusedActivation{OpKind::LeakyRelu, 0.1f}},
      {"groups2", 1, 6, 5, 7, 10, conv_attrs(3, 1, 1, 2), true, ir::FusedActivation{OpKind::Clip, 0.f, 6.f}},
      {"depthwise", 1, 24, 9, 9, 24, conv_attrs(3, 2, 1, 24), true, ir::FusedActivation{OpKind::HardSwish}},
      {"depthwise odd", 3, 5, 6, 6, 5, conv_attrs(3, 1, 1, 5), true, ir::FusedActivation{OpKind::Sigmoid}},
      {"depthwise swish", 1, 16, 7, 7, 16, conv_attrs(3, 1, 1, 16), true, ir::FusedActivation{OpKind::Swish}},
      {"asym pads", 1, 4, 6, 5, 6, with_pads(conv_attrs(3, 2), 0, 1, 1, 0), true,
       ir::FusedActivation{OpKind::HardSigmoid, 0.2f, 0.5f}},
      {"5x5 rect", 2, 3, 12, 7, 9, with_pads(conv_attrs(5, 1), 2, 1, 2, 3), true, {}},
  };
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(c.name);
    GraphBuilder b;
    ir::ValueId x = b.input("x", {c.n, c.c, c.h, c.w});
    ir::ConvAttrs a = c.a;
    a.activation = c.act;
    b.output(b.conv(x, c.c, c.o, a, 7, c.bias));
    expect_same(b.finish(), c.n);
  }
}

// RegNetY's block in an ncnn int8 model: int8 1x1 convs (nhwc) around an fp32 grouped 3x3 conv with 8
// channels per group (ncnn's int8 grouped conv is left fp32, docs/ncnn.md). The grouped conv runs on its
// source's nhwc layout: same numbers as the reference, no reorder steps between the convs (before it
// there were two: nhwc -> nChw8c -> nhwc).
TEST(OneDnnConv, GroupedFp32ConvBetweenInt8ConvsKeepsTheirLayout) {
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE(batch);
    GraphBuilder b;
    ir::ValueId x = b.input("x", {batch, 16, 10, 10});
    ir::ConvAttrs relu = conv_attrs(1, 1, 0);
    relu.activation = ir::FusedActivation{ir::OpKind::Relu};
    ir::ValueId y = b.conv(x, 16, 48, relu, 41);
    ir::ConvAttrs grouped = conv_attrs(3, 1, 1, 6);
    grouped.activation = ir::FusedActivation{ir::OpKind::Relu};
    y = b.conv(y, 48, 48, grouped, 42);
    const std::string grouped_name = b.g().nodes().back().name;  // left fp32
    b.output(b.conv(y, 48, 24, conv_attrs(1, 1, 0), 43));
    const std::string last_name = b.g().nodes().back().name;
    ir::Model m = b.finish();
    const Tensor in = random_tensor({batch, 16, 10, 10}, 44);
    quantize_convs_by_absmax(m, in);
    m.quant.layers.erase(grouped_name);
    CompileOptions o;
    o.batch = batch;
    o.threads = 1;
    o.int8 = Int8Mode::real;
    o.backend = Backend::reference;
    const Tensor ref = compile(m, o)->run({in})[0];
    o.backend = Backend::onednn;
    o.profile = true;
    const auto exec = compile(m, o);
    EXPECT_EQ(compare(exec->run({in})[0], ref, 1e-5f), "");
    std::string reorders;  // the first conv's input reorder (from the plain graph input) is expected
    for (const StepProfile& p : exec->last_profile())
      if (p.op == "reorder" && (p.name == grouped_name || p.name == last_name)) reorders += p.name + " ";
    EXPECT_EQ(reorders, "") << onednn_plan_summary(*exec);
  }
}

TEST(OneDnnConv, FoldsBatchNormAndStandaloneActivation) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 6, 8, 8});
  ir::ValueId y = b.conv(x, 6, 12, conv_attrs(3, 1, 1), 3);
  auto pos = [&](uint32_t s) { return random_tensor({12}, s, 0.5f, 2.f); };
  y = b.node(ir::OpKind::BatchNormalization,
             {y, b.constant(pos(1)), b.constant(random_tensor({12}, 2)), b.constant(random_tensor({12}, 3)),
              b.constant(pos(4))},
             ir::BatchNormAttrs{1e-3f});
  y = b.node(ir::OpKind::LeakyRelu, {y}, ir::ActAttrs{0.2f, 0.f});
  b.output(y);
  expect_same(b.finish());
}

TEST(OneDnnEltwise, StandaloneOnBlockedLayoutWhenConvOutputIsShared) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 8, 6, 6});
  ir::ValueId c = b.conv(x, 8, 16, conv_attrs(3, 1, 1), 5);
  b.output(c);  // conv output is a graph output, so the activations cannot be fused
  b.output(b.node(ir::OpKind::Relu, {c}));
  b.output(b.node(ir::OpKind::Clip, {c}, ir::ActAttrs{-0.5f, 0.5f}));
  b.output(b.node(ir::OpKind::HardSigmoid, {c}, ir::ActAttrs{0.2f, 0.5f}));  // reference fallback
  b.output(b.node(ir::OpKind::Sigmoid, {c}));
  expect_same(b.finish());
}

TEST(OneDnnPool, MaxAvgGlobalCeilPads) {
  auto pool = [](int k, int s, int p, bool ceil, bool include) {
    ir::PoolAttrs a;
    a.kernel_h = a.kernel_w = k;
    a.stride_h = a.stride_w = s;
    a.pad_top = a.pad_left = a.pad_bottom = a.pad_right = p;
    a.ceil_mode = ceil;
    a.count_include_pad = include;
    return a;
  };
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 5, 9, 10});
  ir::ValueId c = b.conv(x, 5, 8, conv_attrs(1), 9);  // blocked layout into the pools
  b.output(b.node(ir::OpKind::MaxPool, {c}, pool(3, 2, 1, false, false)));
  b.output(b.node(ir::OpKind::MaxPool, {x}, pool(2, 2, 0, true, false)));
  b.output(b.node(ir::OpKind::AveragePool, {c}, pool(3, 2, 1, false, true)));
  b.output(b.node(ir::OpKind::AveragePool, {c}, pool(3, 2, 1, false, false)));
  b.output(b.node(ir::OpKind::AveragePool, {x}, pool(2, 2, 0, true, true)));  // ceil + include: reference
  b.output(b.node(ir::OpKind::AveragePool, {x}, pool(3, 2, 1, true, false)));
  b.output(b.node(ir::OpKind::GlobalAveragePool, {c}));
  b.output(b.node(ir::OpKind::GlobalMaxPool, {c}));
  expect_same(b.finish(), 2);
}

TEST(OneDnnBinary, BroadcastingAndOperandOrder) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 8, 5, 5});
  ir::ValueId s = b.input("s", {2, 8, 1, 1});
  ir::ValueId c = b.conv(x, 8, 8, conv_attrs(3, 1, 1), 11);
  b.output(c);
  ir::ValueId k = b.constant(random_tensor({8, 1, 1}, 12, 0.5f, 1.5f));
  b.output(b.node(ir::OpKind::Add, {c, x}));  // same shape, different layouts
  b.output(b.node(ir::OpKind::Mul, {c, k}));  // per-channel constant
  b.output(b.node(ir::OpKind::Div, {x, k}));
  b.output(b.node(ir::OpKind::Sub, {c, s}));  // computed broadcast operand
  b.output(b.node(ir::OpKind::Add, {s, c}));  // broadcast first operand, commutative
  b.output(b.node(ir::OpKind::Sub, {s, x}));  // broadcast first operand, not commutative: reference
  expect_same(b.finish(), 2);
}

// Squeeze-and-excitation: x * sigmoid(conv(pool(x))) with the scale computed, at channel counts that give
// blocked layouts (8/16) and ones that do not; the binary may reorder x to a layout with a jit kernel.
TEST(OneDnnBinary, SqueezeExciteScaleInEveryLayout) {
  for (int64_t c : {12, 16, 20, 48}) {
    SCOPED_TRACE(c);
    GraphBuilder b;
    ir::ValueId x = b.input("x", {2, 3, 9, 9});
    ir::ValueId f = b.conv(x, 3, c, conv_attrs(3, 1, 1), 31);
    ir::ValueId s = b.conv(b.node(ir::OpKind::GlobalAveragePool, {f}), c, c, conv_attrs(1, 1, 0), 32);
    s = b.node(ir::OpKind::Sigmoid, {s});
    ir::ValueId y = b.node(ir::OpKind::Mul, {f, s});
    b.output(b.conv(y, c, 8, conv_attrs(1, 1, 0), 33));
    b.output(b.node(ir::OpKind::Mul, {s, f}));  // scale first
    expect_same(b.finish(), 2);
  }
}

// BatchNormalization that cannot fold into a conv (after a concat, as in DenseNet), then Relu and a conv.
TEST(OneDnnBatchNorm, StandaloneAfterConcat) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {2, 5, 6, 6});
  ir::ValueId c = b.conv(x, 5, 11, conv_attrs(3, 1, 1), 41);
  ir::ValueId cat = b.node(ir::OpKind::Concat, {x, c}, ir::AxisAttrs{1});
  auto per_channel = [&](uint32_t seed, float lo, float hi) {
    return b.constant(random_tensor({16}, seed, lo, hi));
  };
  ir::ValueId bn = b.node(ir::OpKind::BatchNormalization,
                          {cat, per_channel(42, 0.5f, 1.5f), per_channel(43, -1.f, 1.f),
                           per_channel(44, -0.5f, 0.5f), per_channel(45, 0.2f, 2.f)},
                          ir::BatchNormAttrs{1e-3f});
  b.output(b.conv(b.node(ir::OpKind::Relu, {bn}), 16, 4, conv_attrs(1, 1, 0), 46));
  b.output(bn);
  expect_same(b.finish(), 2);
}

TEST(OneDnnGemm, InnerProductAndFallbacks) {
  for (bool trans_b : {true, false}) {
    SCOPED_TRACE(trans_b);
    GraphBuilder b;
    ir::ValueId x = b.input("x", {3, 4, 3, 3});
    ir::ValueId f = b.node(ir::OpKind::GlobalAveragePool, {b.conv(x, 4, 12, conv_attrs(3, 1, 1), 21)});
    f = b.node(ir::OpKind::Flatten, {f}, ir::AxisAttrs{1});
    ir::GemmAttrs g;
    g.alpha = 1.5f;
    g.beta = 0.5f;
    g.trans_b = trans_b;
    g.activation = ir::FusedActivation{ir::OpKind::Relu};
    Shape bs = trans_b ? Shape{7, 12} : Shape{12, 7};
    ir::ValueId y = b.node(ir::OpKind::Gemm,
                           {f, b.constant(random_tensor(bs, 22)), b.constant(random_tensor({7}, 23))}, g);
    b.output(b.node(ir::OpKind::Softmax, {y}, ir::AxisAttrs{1}));
    ir::GemmAttrs ta;  // trans_a: reference fallback
    ta.trans_a = true;
    ir::ValueId t = b.node(ir::OpKind::Transpose, {f}, ir::AxesAttrs{{1, 0}});
    b.output(b.node(ir::OpKind::Gemm, {t, b.constant(random_tensor({12, 5}, 24))}, ta));
    expect_same(b.finish(), 3);
  }
}

TEST(OneDnnMisc, ConcatPadMatMulSoftmaxReduce) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 3, 6, 6});
  ir::ValueId c1 = b.conv(x, 3, 8, conv_attrs(3, 1, 1), 31);
  ir::ValueId c2 = b.conv(x, 3, 5, conv_attrs(1), 32);
  ir::ValueId cat = b.node(ir::OpKind::Concat, {c1, c2}, ir::AxisAttrs{1});
  b.output(b.conv(cat, 13, 4, conv_attrs(3, 1, 1), 33));
  ir::PadAttrs p;
  p.pads = {0, 0, 1, 2, 0, 0, 2, 1};
  p.mode = ir::PadMode::reflect;
  b.output(b.node(ir::OpKind::Pad, {c1}, p));
  b.output(b.node(ir::OpKind::MatMul, {c2, b.constant(random_tensor({6, 4}, 34))}));
  b.output(b.node(ir::OpKind::Softmax, {c1}, ir::AxisAttrs{-1}));
  ir::ReduceAttrs r;
  r.axes = {2, 3};
  b.output(b.node(ir::OpKind::ReduceMean, {c2}, r));
  // A BatchNormalization that does not follow a conv runs the reference kernel.
  b.output(b.node(ir::OpKind::BatchNormalization,
                  {x, b.constant(random_tensor({3}, 35)), b.constant(random_tensor({3}, 36)),
                   b.constant(random_tensor({3}, 37)), b.constant(random_tensor({3}, 38, 0.5f, 1.f))},
                  ir::BatchNormAttrs{1e-5f}));
  expect_same(b.finish());
}

// conv-relu-conv-add-relu with an identity shortcut, then a downsampling block with a 1x1 projection.
ir::Model residual_model(bool shortcut_reused_later, int64_t hw = 12) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {kDynamicDim, 16, hw, hw});
  ir::ValueId h = b.node(ir::OpKind::Relu, {b.conv(x, 16, 16, conv_attrs(3, 1, 1), 41)});
  ir::ValueId y =
      b.node(ir::OpKind::Relu, {b.node(ir::OpKind::Add, {b.conv(h, 16, 16, conv_attrs(3, 1, 1), 42), x})});
  ir::ValueId h2 = b.node(ir::OpKind::Relu, {b.conv(y, 16, 32, conv_attrs(3, 2, 1), 43)});
  ir::ValueId proj = b.conv(y, 16, 32, conv_attrs(1, 2, 0), 44);
  ir::ValueId z = b.node(ir::OpKind::Add, {b.conv(h2, 32, 32, conv_attrs(3, 1, 1), 45), proj});
  z = b.node(ir::OpKind::Relu, {z});
  if (shortcut_reused_later) z = b.node(ir::OpKind::Mul, {z, proj});  // projection still needed after the add
  b.output(b.node(ir::OpKind::GlobalAveragePool, {z}));
  return b.finish();
}

TEST(OneDnnResidual, BlockMatchesReference) {
  expect_same(residual_model(false));
  expect_same(residual_model(true));
  // 8x8: below AVX-512 the second block's 4x4 3x3 conv runs on plain NCHW (tiny-conv rule) while its 1x1
  // projection stays blocked, so the residual sum needs a layout change.
  expect_same(residual_model(false, 8));
  expect_same(residual_model(true, 8), 2);
}

TEST(OneDnnResidual, PlanFusesResidualAddsWithoutFallbacks) {
  const std::string plan = one_thread_plan(residual_model(false));
  // Both adds become sum post-ops accumulating into the shortcut's buffer; all relus are fused.
  EXPECT_EQ(testing::occurrences(plan, "+sum(in-place) +Relu"), 2) << plan;
  EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("Relu R"), std::string::npos) << plan;  // no standalone Relu step
  const std::string reused = one_thread_plan(residual_model(true));
  EXPECT_NE(reused.find("+sum(copy)"), std::string::npos) << reused;
}

TEST(OneDnnResidual, BatchLargerThanOne) {
  expect_same(residual_model(false), 3);
  expect_same(residual_model(true), 5);
}

TEST(OneDnnTaps, ConvInputsAndOutputsMatchReferenceTaps) {
  ir::Model m = residual_model(false);
  Tensor in = random_tensor({2, 16, 12, 12}, 7);
  std::map<std::string, Tensor> ref_taps, fast_taps;
  run_backend(m, Backend::reference, {in}, 2,
              [&](const std::string& n, const Tensor& t) { ref_taps[n] = t.clone(); });
  run_backend(m, Backend::onednn, {in}, 2,
              [&](const std::string& n, const Tensor& t) { fast_taps[n] = t.clone(); });
  // Every Conv input and graph output is tapped by the oneDNN backend, with the reference's values.
  std::set<std::string> expected;
  for (const ir::Node& n : m.graph.nodes())
    if (n.op == ir::OpKind::Conv) expected.insert(m.graph.value(n.inputs[0]).name);
  for (ir::ValueId o : m.graph.outputs()) expected.insert(m.graph.value(o).name);
  for (const std::string& name : expected) {
    ASSERT_TRUE(fast_taps.count(name)) << name;
    EXPECT_EQ(compare(fast_taps[name], ref_taps.at(name)), "") << name;
  }
  // Without a tap nothing is called and results are unchanged.
  auto a = run_backend(m, Backend::onednn, {in}, 2);
  EXPECT_EQ(compare(a[0], ref_taps.at(m.graph.value(m.graph.outputs()[0]).name)), "");
}

TEST(OneDnnExecutor, RunTwiceGivesSameResultAndRejectsWrongShape) {
  CompileOptions o;
  o.threads = 1;
  o.batch = 2;
  auto ex = compile(residual_model(true), o);
  Tensor in = random_tensor({2, 16, 12, 12}, 9);
  auto a = ex->run({in});
  auto b2 = ex->run({in});
  EXPECT_EQ(compare(a[0], b2[0], 0.f), "");
  EXPECT_THROW(ex->run({random_tensor({1, 16, 12, 12}, 9)}), Error);
}

// ShuffleNetV2's channel split, channel shuffle and x.mean((2, 3)) pool: oneDNN primitives (reorders of
// sub-memories, shuffle, pooling), on blocked conv outputs (aligned and unaligned cuts) and plain inputs.
TEST(OneDnnDataMovement, SliceSplitShuffleReduceUsePrimitivesAndMatchReference) {
  using ir::OpKind;
  GraphBuilder b;
  ir::ValueId x = b.input("x", {kDynamicDim, 6, 5, 7});
  ir::ValueId conv = b.conv(x, 6, 48, conv_attrs(3, 1, 1), 61);  // blocked layout (16 channels a block)
  b.output(b.node(OpKind::Slice, {conv}, ir::SliceAttrs{{16}, {32}, {1}, {1}}));  // block aligned
  b.output(b.node(OpKind::Slice, {conv}, ir::SliceAttrs{{5}, {29}, {1}, {1}}));   // unaligned
  b.output(
      b.node(OpKind::Slice, {conv}, ir::SliceAttrs{{1, 2}, {4, 99}, {2, 3}, {1, 1}}));  // H, W; end clamped
  b.output(b.node(OpKind::Slice, {x}, ir::SliceAttrs{{3}, {6}, {1}, {1}}));             // plain graph input
  {
    ir::Node split;
    split.name = "split";
    split.op = OpKind::Split;
    split.inputs = {conv};
    split.outputs = {b.g().add_value("part0"), b.g().add_value("part1"), b.g().add_value("part2")};
    split.attrs = ir::SplitAttrs{1, {24, 7, 17}};
    const std::vector<ir::ValueId> parts = split.outputs;
    b.g().add_node(std::move(split));
    for (ir::ValueId p : parts) b.output(b.node(OpKind::Relu, {p}));
  }
  b.output(b.node(OpKind::ShuffleChannel, {conv}, ir::ShuffleChannelAttrs{2}));
  b.output(b.node(OpKind::ShuffleChannel, {conv}, ir::ShuffleChannelAttrs{3}));
  for (bool keep : {true, false})
    for (OpKind op : {OpKind::ReduceMean, OpKind::ReduceMax}) {
      ir::ReduceAttrs r;
      r.axes = {3, 2};
      r.keepdims = keep;
      b.output(b.node(op, {conv}, r));
    }
  const ir::Model m = b.finish();
  expect_same(m, 2);
  const std::string plan = one_thread_plan(m);
  EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
}

}  // namespace
}  // namespace qd::runtime

namespace qd::runtime {
namespace {

// ConvNeXt's ops: LayerNorm over NCHW channels and over the last axis, Transpose, Gelu and Sqrt run as
// oneDNN primitives (not the reference fallback) and match the reference kernels.
TEST(OneDnnConvNextOps, LayerNormTransposeGeluSqrtUsePrimitivesAndMatchReference) {
  using ir::OpKind;
  GraphBuilder b;
  const int64_t c = 8;
  ir::ValueId x = b.input("x", {kDynamicDim, c, 5, 6});
  ir::ValueId conv = b.conv(x, c, c, conv_attrs(3, 1, 1), 1);  // blocked layout into the LayerNorm
  ir::ValueId ln =
      b.node(OpKind::LayerNorm, {conv, b.constant(random_tensor({c}, 2)), b.constant(random_tensor({c}, 3))},
             ir::LayerNormAttrs{1, 1, 1e-6f});
  ir::ValueId ge = b.node(OpKind::Gelu, {ln});
  ir::ValueId t = b.node(OpKind::Transpose, {ge}, ir::AxesAttrs{{0, 2, 3, 1}});
  ir::ValueId ln2 =
      b.node(OpKind::LayerNorm, {t, b.constant(random_tensor({c}, 4)), b.constant(random_tensor({c}, 5))},
             ir::LayerNormAttrs{3, 1, 1e-5f});
  ir::ValueId sq = b.node(OpKind::Sqrt, {b.node(OpKind::Relu, {ln2})});
  b.output(b.node(OpKind::Transpose, {sq}, ir::AxesAttrs{{0, 3, 1, 2}}));
  const ir::Model m = b.finish();
  expect_same(m, 2);
  const std::string plan = one_thread_plan(m);
  EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
}

}  // namespace
}  // namespace qd::runtime
