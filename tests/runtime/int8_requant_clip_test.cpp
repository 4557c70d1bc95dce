// Requantized int8 conv outputs (ncnn int8 files: a conv writes s8/u8 straight into the next int8 conv)
// after a fused bounded activation. oneDNN 2.6 on AVX2 applies the first eltwise post-op's bounds to every
// later post-op of the same algorithm, so Clip(0, 6) followed by the requantization clamp once clamped the
// int8 values to [0, 6] (an ncnn int8 MobileNet read back gave garbage).
#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

Tensor requant_clip_run(const ir::Model& m, Backend backend, const Tensor& x) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = Int8Mode::real;
  o.batch = x.dim(0);
  o.threads = 1;
  return compile(m, o)->run({x})[0];
}

// conv 3x3 (8 -> 8, act) -> conv 3x3 (depthwise or dense, act) -> conv 1x1; the first two requantize
// their output to the next conv's input step when `requantize`.
ir::Model requant_clip_model(bool depthwise, const ir::FusedActivation& act, bool requantize) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, 8, 8, 8});
  ir::ConvAttrs a1 = conv_attrs(3, 1, 1);
  a1.activation = act;
  ir::ValueId y = b.conv(x, 8, 8, a1, 1);
  ir::ConvAttrs a2 = conv_attrs(3, 1, 1, depthwise ? 8 : 1);
  a2.activation = act;
  y = b.conv(y, 8, 8, a2, 3);
  b.output(b.conv(y, 8, 8, conv_attrs(1), 5));
  ir::Model m = b.finish();
  // Steps well below 6 / 127: the clamp to [0, 127] in the int8 domain is far from the Clip's [0, 6].
  const float in_steps[] = {2.f / 127, 3.f / 127, 3.f / 127};
  int i = 0;
  for (const ir::Node& n : m.graph.nodes()) {
    ir::LayerQuant q;
    q.input_scale = in_steps[i];
    q.weight_scales.assign(8, 1.f / 127);
    if (requantize && i < 2) q.output_scale = in_steps[i + 1];
    m.quant.layers[n.name] = q;
    ++i;
  }
  return m;
}

TEST(OneDnnInt8Requant, BoundedActivationBeforeRequantizationMatchesReference) {
  const Tensor x = random_tensor({2, 8, 8, 8}, 7, -2.f, 2.f);
  for (bool depthwise : {false, true})
    for (const ir::FusedActivation& act :
         {ir::FusedActivation{ir::OpKind::Clip, 0.f, 6.f}, ir::FusedActivation{ir::OpKind::Clip, -1.f, 1.f},
          ir::FusedActivation{ir::OpKind::Relu}, ir::FusedActivation{ir::OpKind::HardSigmoid, 0.2f, 0.5f}}) {
      SCOPED_TRACE(std::string(depthwise ? "depthwise " : "dense ") + std::string(ir::op_name(act.kind)) +
                   " " + std::to_string(act.alpha) + " " + std::to_string(act.beta));
      const ir::Model requantized = requant_clip_model(depthwise, act, true);
      const Tensor ref = requant_clip_run(requantized, Backend::reference, x);
      EXPECT_EQ(compare(requant_clip_run(requantized, Backend::onednn, x), ref, 1e-5f), "");
      // Requantizing to the next layer's own input step changes no numerics.
      EXPECT_EQ(compare(requant_clip_run(requant_clip_model(depthwise, act, false), Backend::reference, x),
                        ref, 1e-5f),
                "");
    }
}

}  // namespace
}  // namespace qd::runtime
