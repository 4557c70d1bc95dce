// SqueezeNet's fire modules in int8: the expand convs' outputs are read only by a channel concat (and a max
// pool after it) whose reader is an int8 conv, so the convs emit q values with that conv's input step, the
// concat joins the bytes and the max pool pools them; no quantize step between the fire modules.
#include <gtest/gtest.h>

#include <cmath>

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

ir::Model fire_model(int64_t batch) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {batch, 8, 12, 12});
  auto relu = [&](ir::ValueId v) { return b.node(ir::OpKind::Relu, {v}); };
  ir::ValueId sq = relu(b.conv(x, 8, 8, conv_attrs(1), 80));
  ir::ValueId cat =
      b.node(ir::OpKind::Concat,
             {relu(b.conv(sq, 8, 16, conv_attrs(1), 81)), relu(b.conv(sq, 8, 16, conv_attrs(3, 1, 1), 82))},
             ir::AxisAttrs{1});
  ir::PoolAttrs pool;
  pool.kernel_h = pool.kernel_w = 3;
  pool.stride_h = pool.stride_w = 2;
  pool.ceil_mode = true;
  ir::ValueId pooled = b.node(ir::OpKind::MaxPool, {cat}, pool);
  b.output(b.conv(pooled, 32, 8, conv_attrs(1), 83));
  return b.finish();
}

TEST(Int8ConcatPool, FireModuleStaysInt8AndMatchesTheReference) {
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE(batch);
    const Tensor in = random_tensor({batch, 8, 12, 12}, 84);
    ir::Model m = fire_model(batch);
    quantize_convs_by_absmax(m, in);
    CompileOptions o;
    o.backend = Backend::reference;
    o.batch = batch;
    o.int8 = Int8Mode::real;
    o.threads = 1;
    const Tensor ref = compile(m, o)->run({in})[0];
    o.backend = Backend::onednn;
    const Tensor ours = compile(m, o)->run({in})[0];
    // The same q values as the reference's quantize after the concat (oneDNN's requantization rounds exact
    // halves to even, the reference away from zero; this data has no such tie).
    EXPECT_EQ(compare(ours, ref, 1e-5f), "");
    o.int8 = Int8Mode::off;
    EXPECT_NE(compare(compile(m, o)->run({in})[0], ref, 1e-4f), "");  // int8 in effect
    o.int8 = Int8Mode::real;
    const std::string plan = onednn_plan_summary(*compile(m, o));
    EXPECT_NE(plan.find("Concat Concat12 ->int8\nMaxPool MaxPool13 ->int8"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
    const size_t first_quantize = plan.find("quantize");
    EXPECT_EQ(plan.find("quantize", first_quantize + 1), std::string::npos) << plan;  // only the graph input
  }
}

}  // namespace
}  // namespace qd::runtime
