// fp32 squeeze-excite scaling folded into the projection conv's weights (runtime/onednn/se_scale_folding.h):
// same results as the reference's Mul + conv, the Mul's output still visible to taps (calibration reads the
// projection conv's input), and no folding where it does not apply (batch > 1, more weights than pixels).
#include <gtest/gtest.h>

#include <map>

#include "runtime/cpu_isa.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

// depthwise 3x3 (+act) -> SE (GAP, 1x1 + Relu, 1x1 + scale_act, Mul) -> project 1x1 to `out_c` channels.
ir::Model se_fold_model(int64_t hw, int64_t out_c, ir::OpKind act, ir::OpKind scale_act, bool scale_first) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 32, hw, hw});
  ir::ConvAttrs da = conv_attrs(3, 1, 1, 32);
  da.activation = ir::FusedActivation{act};
  ir::ValueId d = b.conv(x, 32, 32, da, 11);
  ir::ValueId p = b.node(ir::OpKind::GlobalAveragePool, {d});
  ir::ConvAttrs fa = conv_attrs(1);
  fa.activation = ir::FusedActivation{ir::OpKind::Relu};
  ir::ValueId f1 = b.conv(p, 32, 8, fa, 13);
  ir::ValueId s = b.conv(f1, 8, 32, conv_attrs(1), 15);
  s = b.node(scale_act, {s},
             scale_act == ir::OpKind::HardSigmoid ? ir::Attrs{ir::ActAttrs{1.f / 6, 0.5f}} : ir::Attrs{});
  ir::ValueId scaled = b.node(ir::OpKind::Mul, scale_first ? std::vector{s, d} : std::vector{d, s});
  b.output(b.conv(scaled, 32, out_c, conv_attrs(1), 17));
  return b.finish();
}

std::unique_ptr<Executor> se_fold_compile(const ir::Model& m, Backend backend, int64_t batch = 1) {
  CompileOptions o;
  o.backend = backend;
  o.threads = 1;
  o.batch = batch;
  return compile(m, o);
}

TEST(OneDnnSeScaleFolding, MatchesTheReferenceAndTapsSeeTheScaledValue) {
  for (auto [act, scale_act] : {std::pair{ir::OpKind::Swish, ir::OpKind::Sigmoid},
                                {ir::OpKind::HardSwish, ir::OpKind::HardSigmoid}}) {
    for (bool scale_first : {false, true}) {
      SCOPED_TRACE(std::string(ir::op_name(act)) + (scale_first ? " s*x" : " x*s"));
      const ir::Model m = se_fold_model(12, 24, act, scale_act, scale_first);
      const Tensor in = random_tensor({1, 32, 12, 12}, 7);
      std::map<std::string, Tensor> ref_taps, fast_taps;
      const auto ref =
          se_fold_compile(m, Backend::reference)->run({in}, [&](const std::string& n, const Tensor& t) {
            ref_taps[n] = t.clone();
          });
      auto fast = se_fold_compile(m, Backend::onednn);
      const std::string plan = onednn_plan_summary(*fast);
      // Folded wherever oneDNN keeps the 1x1 weights blocked by output channel only (AVX-512); its AVX2
      // layout blocks input channels too, and there the Mul runs as a step of its own.
      if (onednn_cpu_isa().find("avx512") != std::string::npos) {
        EXPECT_NE(plan.find("+SE scale in weights"), std::string::npos) << plan;
      }
      EXPECT_NE(plan.find("folded into the next conv"), std::string::npos) << plan;
      // Twice: the weights are rescaled from the pristine copy each run, not compounded.
      for (int run = 0; run < 2; ++run) {
        fast_taps.clear();
        const auto y =
            fast->run({in}, [&](const std::string& n, const Tensor& t) { fast_taps[n] = t.clone(); });
        EXPECT_EQ(compare(y[0], ref[0], 1e-5f), "");
      }
      std::string mul_out;
      for (const ir::Node& n : m.graph.nodes())
        if (n.op == ir::OpKind::Mul) mul_out = m.graph.value(n.outputs[0]).name;
      ASSERT_TRUE(ref_taps.count(mul_out)) << mul_out;
      ASSERT_TRUE(fast_taps.count(mul_out)) << mul_out;
      EXPECT_EQ(compare(fast_taps.at(mul_out), ref_taps.at(mul_out), 1e-6f), "");
    }
  }
}

TEST(OneDnnSeScaleFolding, KeepsTheMulForBatchesAndWhenTheWeightsOutnumberThePixels) {
  {
    const ir::Model m = se_fold_model(4, 24, ir::OpKind::Swish, ir::OpKind::Sigmoid, false);  // 24 >= 4*4
    const Tensor in = random_tensor({1, 32, 4, 4}, 9);
    auto fast = se_fold_compile(m, Backend::onednn);
    EXPECT_EQ(onednn_plan_summary(*fast).find("SE scale"), std::string::npos);
    EXPECT_EQ(compare(fast->run({in})[0], se_fold_compile(m, Backend::reference)->run({in})[0], 1e-5f), "");
  }
  {
    const ir::Model m = se_fold_model(12, 24, ir::OpKind::Swish, ir::OpKind::Sigmoid, false);
    const Tensor in = random_tensor({2, 32, 12, 12}, 10);  // one scale per image: no shared weights
    auto fast = se_fold_compile(m, Backend::onednn, 2);
    EXPECT_EQ(onednn_plan_summary(*fast).find("SE scale"), std::string::npos);
    EXPECT_EQ(compare(fast->run({in})[0], se_fold_compile(m, Backend::reference, 2)->run({in})[0], 1e-5f),
              "");
  }
}

}  // namespace
}  // namespace qd::runtime
