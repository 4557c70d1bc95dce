// Int8 layers that dequantize with ncnn's reciprocal estimate (ir::LayerQuant::dequant_reciprocal_estimate):
// the oneDNN runtime computes what the reference runtime computes (the requantized depthwise output the same
// int8 values: a dequantization scale off by the estimate's 1e-4 would move some by a step, far more than the
// float rounding allowed at the fp32 output).
#include <gtest/gtest.h>
#include <xmmintrin.h>

#include <cmath>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/ref/int8.h"

namespace qd::runtime {
namespace {

using testing::GraphBuilder;
using testing::random_tensor;

TEST(Int8DequantEstimate, ScaleIsTheCpuEstimateOfTheMultiplierProduct) {
  ir::LayerQuant q;
  q.input_scale = 0.021;
  q.weight_scales = {0.003, 0.0, 0.0007};
  q.dequant_reciprocal_estimate = true;
  for (int64_t oc : {0, 2}) {
    const float m = static_cast<float>(1.0 / q.input_scale) * static_cast<float>(1.0 / q.weight_scales[oc]);
    const float est = ref::dequant_scale(q, oc);
    EXPECT_EQ(est, _mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(m))));
    EXPECT_NEAR(est * m, 1.0, 1.5 / 4096);  // the instruction's documented bound
  }
  EXPECT_EQ(ref::dequant_scale(q, 1), 0.f);  // a zero weight multiplier dequantizes to 0, as in ncnn
}

TEST(Int8DequantEstimate, OneDnnMatchesReference) {
  GraphBuilder b;
  const int64_t c = 24;
  const ir::ValueId x = b.input("x", {kDynamicDim, c, 9, 9});
  ir::ConvAttrs dw = testing::conv_attrs(3, 2, 1, static_cast<int>(c));
  dw.activation = ir::FusedActivation{ir::OpKind::Clip, 0.f, 6.f};
  const ir::ValueId d = b.conv(x, c, c, dw, 41);
  b.output(b.conv(d, c, 16, testing::conv_attrs(1), 43));  // the depthwise output requantized for this conv
  ir::Model m = b.finish();
  const Tensor input = random_tensor({2, c, 9, 9}, 3, -1.5f, 1.5f);
  for (const ir::Node& n : m.graph.nodes()) {
    ir::LayerQuant q;
    q.input_scale = n.inputs[0] == x ? 1.5 / 127 : 3.1 / 127;
    q.weight_scales = testing::channel_steps(m.graph.value(n.inputs[1]).constant);
    q.dequant_reciprocal_estimate = n.attr<ir::ConvAttrs>().group > 1;
    m.quant.layers[n.name] = q;
  }
  CompileOptions o;
  o.int8 = Int8Mode::real;
  o.batch = 2;
  o.threads = 1;
  o.backend = Backend::reference;
  const Tensor want = compile(m, o)->run({input})[0];
  o.backend = Backend::onednn;
  const Tensor got = compile(m, o)->run({input})[0];
  EXPECT_EQ(testing::compare(got, want, 1e-6f), "");
}

}  // namespace
}  // namespace qd::runtime
