// A value read by several int8 convs whose needs differ: the same or another input step, and signed
// inputs (two u8 convolutions of the positive and negative parts). ncnn int8 files make the producer emit
// s8 when every reader's input step equals its output step (MobileNetV2's linear bottleneck -> the next
// block's expand conv and residual): the readers must still get their signed split, not an internal error.
#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

Tensor multi_consumer_run(const ir::Model& m, Backend backend, const Tensor& x) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = Int8Mode::real;
  o.batch = x.dim(0);
  o.threads = 1;
  return compile(m, o)->run({x})[0];
}

// Relu -> conv 1x1 (no activation: signed output, requantized to `step`) -> {conv 1x1, conv 3x3 (dense or
// depthwise)} with input steps `step` and `second_step` -> Add. `readers` = 1 keeps only the first reader.
ir::Model multi_consumer_model(int readers, bool depthwise, float step, float second_step) {
  GraphBuilder b;
  ir::ValueId x = b.input("input", {kDynamicDim, 8, 6, 6});
  x = b.node(ir::OpKind::Relu, {x});
  const ir::ValueId mid = b.conv(x, 8, 8, conv_attrs(1), 11);
  ir::ValueId y = b.conv(mid, 8, 8, conv_attrs(1), 13);
  if (readers == 2)
    y = b.node(ir::OpKind::Add, {y, b.conv(mid, 8, 8, conv_attrs(3, 1, 1, depthwise ? 8 : 1), 15)});
  b.output(y);
  ir::Model m = b.finish();
  const float in_steps[] = {2.f / 127, step, second_step};
  int i = 0;
  for (const ir::Node& n : m.graph.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    ir::LayerQuant q;
    q.input_scale = in_steps[i];
    q.weight_scales.assign(8, 1.f / 127);
    if (i == 0) q.output_scale = step;  // as ncnn2int8's requantize fusion writes it
    m.quant.layers[n.name] = q;
    ++i;
  }
  return m;
}

TEST(OneDnnInt8MultiConsumer, SignedReadersOfARequantizedValueMatchReference) {
  const Tensor x = random_tensor({2, 8, 6, 6}, 3, -2.f, 2.f);
  const float step = 3.f / 127;
  struct Case {
    const char* name;
    int readers;
    bool depthwise;
    float second_step;
  };
  for (const Case& c :
       {Case{"one signed reader", 1, false, step}, Case{"two, same step", 2, false, step},
        Case{"two, depthwise, same step", 2, true, step}, Case{"two, other step", 2, false, 5.f / 127}}) {
    SCOPED_TRACE(c.name);
    const ir::Model m = multi_consumer_model(c.readers, c.depthwise, step, c.second_step);
    const Tensor ref = multi_consumer_run(m, Backend::reference, x);
    EXPECT_EQ(compare(multi_consumer_run(m, Backend::onednn, x), ref, 1e-5f), "");
  }
}

}  // namespace
}  // namespace qd::runtime
