// A squeeze-excite block between int8 convs (MobileNetV3 / EfficientNet): the channel scaling Mul emits
// int8 for the projection conv directly, and convs emit int8 for int8 readers whatever output_scale says.
#include <gtest/gtest.h>

#include <map>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/onednn/s8_source_exact.h"
#include "runtime/onednn/swish_step.h"

namespace qd::runtime {
namespace {

using testing::absmax_step;
using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

std::vector<Tensor> se_run(const ir::Model& m, Backend b, Int8Mode mode, const Tensor& in,
                           const Tap& tap = {}) {
  CompileOptions o;
  o.backend = b;
  o.int8 = mode;
  o.threads = 1;
  return compile(m, o)->run({in}, tap);
}

// expand 1x1 (+act) -> depthwise 3x3 (+act) -> SE (GAP, 1x1 + Relu, 1x1 + Sigmoid, Mul) -> project 1x1.
ir::Model se_block_model(ir::OpKind act, const Tensor& sample) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 16, 10, 10});
  ir::ConvAttrs ea = conv_attrs(1);
  ea.activation = ir::FusedActivation{act};
  ir::ValueId e = b.conv(x, 16, 48, ea, 81);
  ir::ConvAttrs da = conv_attrs(3, 1, 1, 48);
  da.activation = ir::FusedActivation{act};
  ir::ValueId d = b.conv(e, 48, 48, da, 83);
  ir::ValueId p = b.node(ir::OpKind::GlobalAveragePool, {d});
  ir::ConvAttrs fa = conv_attrs(1);
  fa.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId f1 = b.conv(p, 48, 12, fa, 85);
  ir::ConvAttrs sa = conv_attrs(1);
  sa.activation = ir::FusedActivation{ir::OpKind::Sigmoid};
  ir::ValueId s = b.conv(f1, 12, 48, sa, 87);
  ir::ValueId scaled = b.node(ir::OpKind::Mul, {d, s});
  ir::ValueId y = b.conv(scaled, 48, 24, conv_attrs(1), 89);
  b.output(y);
  ir::Model m = b.finish();
  std::map<std::string, float> steps;
  se_run(m, Backend::reference, Int8Mode::off, sample,
         [&](const std::string& name, const Tensor& t) { steps[name] = absmax_step(t); });
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    ir::LayerQuant q;
    q.input_scale = steps.at(m.graph.value(n.inputs[0]).name);
    const Tensor& w = m.graph.value(n.inputs[1]).constant;
    const int64_t O = w.dim(0), per = w.numel() / O;
    for (int64_t o = 0; o < O; ++o) {
      float mx = 0;
      for (int64_t i = 0; i < per; ++i) mx = std::max(mx, std::fabs(w.data<float>()[o * per + i]));
      q.weight_scales.push_back(mx / 127);
    }
    m.quant.layers[n.name] = q;  // no output_scale anywhere (ncnn files with Swish as its own layer)
  }
  return m;
}

TEST(OneDnnInt8SeBlock, MulEmitsInt8ForTheProjectionAndMatchesReference) {
  const bool s8 = onednn::s8_sources_exact(dnnl::engine(dnnl::engine::kind::cpu, 0));
  for (ir::OpKind act : {ir::OpKind::Relu, ir::OpKind::HardSwish, ir::OpKind::Swish}) {
    SCOPED_TRACE(ir::op_name(act));
    const Tensor in = random_tensor({1, 16, 10, 10}, 80);
    const ir::Model m = se_block_model(act, in);
    const auto ref = se_run(m, Backend::reference, Int8Mode::real, in);
    const auto fast = se_run(m, Backend::onednn, Int8Mode::real, in);
    EXPECT_EQ(compare(fast[0], ref[0], 1e-4f), "");
    const auto fp = se_run(m, Backend::reference, Int8Mode::off, in);
    EXPECT_NE(compare(fp[0], ref[0], 1e-6f), "");  // int8 is in effect
    CompileOptions o;
    o.threads = 1;
    const std::string plan = onednn_plan_summary(*compile(m, o));
    // Relu keeps every value non-negative (u8 on any ISA); HardSwish/Swish values are signed: the depthwise
    // conv reads them as s8 only where s8 sources are exact (else as two u8 halves from f32); the 1x1
    // projection reads the Mul's s8 on every ISA (without VNNI on our int16 kernel, signed_int8_conv.h).
    const bool int8_between = act == ir::OpKind::Relu || s8;
    EXPECT_NE(plan.find(" ->int8"), std::string::npos) << plan;                       // the Mul
    EXPECT_EQ(plan.find("int8->int8 +") != std::string::npos, int8_between) << plan;  // expand -> depthwise
    EXPECT_EQ(plan.find("[int16 pairs]") != std::string::npos, !s8) << plan;
    EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
    // The SE block's pool of a Swish output: computed in the Swish pass (AVX-512), no pooling primitive.
    const bool pooled_in_pass = act == ir::OpKind::Swish && onednn::swish_pass_available();
    EXPECT_EQ(plan.find("computed by the Swish pass") != std::string::npos, pooled_in_pass) << plan;
  }
}

}  // namespace
}  // namespace qd::runtime
