// Concat of two halves + ShuffleChannel(group 2) in one pass (ShuffleNetV2's units): the kernel against the
// reference's concat and shuffle (bit-exact), and the executor's group on ShuffleNet-like units, fp32 and
// int8, against the reference runtime, with the forms it must not fuse.
#include "runtime/onednn/concat_shuffle.h"

#include <gtest/gtest.h>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::occurrences;
using testing::quantize_convs_by_absmax;
using testing::random_tensor;

// x [1, C, P, 1] (NCHW) as NHWC rows [P, C].
std::vector<float> nhwc_rows_of(const Tensor& x) {
  const int64_t C = x.dim(1), P = x.dim(2);
  std::vector<float> out(static_cast<size_t>(C * P));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t p = 0; p < P; ++p) out[static_cast<size_t>(p * C + c)] = x.data<float>()[c * P + p];
  return out;
}

TEST(ConcatShuffle, KernelIsTheReferencesConcatThenShuffle) {
  // Channel counts below, at and off the 8-lane vector; pixel counts below and above the threading cut.
  for (int64_t C : {1, 5, 8, 13, 16, 58, 116}) {
    for (int64_t P : {1, 3, 40, 3000}) {
      SCOPED_TRACE("C " + std::to_string(C) + ", pixels " + std::to_string(P));
      const Tensor a = random_tensor({1, C, P, 1}, 5), b = random_tensor({1, C, P, 1}, 6);
      const std::vector<float> want = nhwc_rows_of(ref::shuffle_channel(ref::concat({a, b}, 1), 2));
      const std::vector<float> ra = nhwc_rows_of(a), rb = nhwc_rows_of(b);
      std::vector<float> got(want.size(), -1.f);
      onednn::interleave_channel_halves(ra.data(), rb.data(), got.data(), P, C);
      EXPECT_EQ(got, want);
      if (C % 2 == 0) {  // cut into channels [0, C) and [C, 2C)
        std::vector<float> lo(want.size() / 2, -1.f), hi(want.size() / 2, -1.f), want_lo, want_hi;
        for (int64_t p = 0; p < P; ++p) {
          want_lo.insert(want_lo.end(), want.begin() + p * 2 * C, want.begin() + p * 2 * C + C);
          want_hi.insert(want_hi.end(), want.begin() + p * 2 * C + C, want.begin() + (p + 1) * 2 * C);
        }
        onednn::interleave_channel_halves_split(ra.data(), rb.data(), lo.data(), hi.data(), P, C);
        EXPECT_EQ(lo, want_lo);
        EXPECT_EQ(hi, want_hi);
      }
    }
  }
}

// Two ShuffleNetV2 units (channel split, 1x1 branch, concat, shuffle) on `c` channels, then a 1x1 conv that
// reads the last shuffle (an int8 reader of the fused step's output in the int8 model). The split is two
// Slices (ncnn's Crops) or one Split (ONNX's chunk).
ir::Model shuffle_units(int64_t batch, int64_t c, bool one_split) {
  using ir::OpKind;
  GraphBuilder b;
  ir::ValueId x = b.input("x", {batch, 3, 7, 6});
  ir::ConvAttrs relu = conv_attrs(3, 1, 1);
  relu.activation = ir::FusedActivation{OpKind::Relu};
  ir::ValueId y = b.conv(x, 3, 2 * c, relu, 71);
  for (int unit = 0; unit < 2; ++unit) {
    ir::ValueId x1, x2;
    if (one_split) {
      ir::Node split;
      split.name = "split" + std::to_string(unit);
      split.op = OpKind::Split;
      split.inputs = {y};
      x1 = b.g().add_value(split.name + "_0");
      x2 = b.g().add_value(split.name + "_1");
      split.outputs = {x1, x2};
      split.attrs = ir::SplitAttrs{1, {c, c}};
      b.g().add_node(std::move(split));
    } else {
      x1 = b.node(OpKind::Slice, {y}, ir::SliceAttrs{{0}, {c}, {1}, {1}});
      x2 = b.node(OpKind::Slice, {y}, ir::SliceAttrs{{c}, {2 * c}, {1}, {1}});
    }
    ir::ConvAttrs pw = conv_attrs(1, 1, 0);
    pw.activation = ir::FusedActivation{OpKind::Relu};
    const ir::ValueId branch = b.conv(x2, c, c, pw, 72 + unit);
    const ir::ValueId cat = b.node(OpKind::Concat, {x1, branch}, ir::AxisAttrs{1});
    y = b.node(OpKind::ShuffleChannel, {cat}, ir::ShuffleChannelAttrs{2});
  }
  b.output(b.conv(y, 2 * c, 10, conv_attrs(1, 1, 0), 79));
  return b.finish();
}

TEST(ConcatShuffle, ShuffleNetUnitsMatchTheReferenceInFp32AndInt8) {
  for (int64_t c : {8, 13}) {
    for (int64_t batch : {1, 2}) {
      for (bool one_split : {false, true}) {
        SCOPED_TRACE("c " + std::to_string(c) + ", batch " + std::to_string(batch) +
                     (one_split ? ", Split" : ", Slices"));
        const Tensor in = random_tensor({batch, 3, 7, 6}, 70);
        ir::Model m = shuffle_units(batch, c, one_split);
        CompileOptions o;
        o.batch = batch;
        o.threads = 1;
        for (Int8Mode mode : {Int8Mode::off, Int8Mode::real}) {
          if (mode == Int8Mode::real) quantize_convs_by_absmax(m, in);
          o.int8 = mode;
          o.backend = Backend::reference;
          const Tensor want = compile(m, o)->run({in})[0];
          o.backend = Backend::onednn;
          const auto exec = compile(m, o);
          EXPECT_EQ(compare(exec->run({in})[0], want, 1e-5f), "");
          const std::string plan = onednn_plan_summary(*exec);
          EXPECT_EQ(occurrences(plan, "one pass"), 2) << plan;
          // the first unit's shuffle is only split by the second: written as its halves (C even)
          EXPECT_EQ(occurrences(plan, "into its two halves"), c % 2 == 0 ? 1 : 0) << plan;
          EXPECT_EQ(plan.find("reference"), std::string::npos) << plan;
        }
      }
    }
  }
}

TEST(ConcatShuffle, OtherConcatShufflesAreNotFused) {
  using ir::OpKind;
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 4, 5, 5});
  const ir::ValueId p = b.conv(x, 4, 8, conv_attrs(1, 1, 0), 81);
  const ir::ValueId q = b.conv(x, 4, 16, conv_attrs(1, 1, 0), 82);
  const ir::ValueId r = b.conv(x, 4, 8, conv_attrs(1, 1, 0), 83);
  // unequal halves; group 3; the concat also read elsewhere; three inputs
  b.output(b.node(OpKind::ShuffleChannel, {b.node(OpKind::Concat, {p, q}, ir::AxisAttrs{1})},
                  ir::ShuffleChannelAttrs{2}));
  b.output(b.node(OpKind::ShuffleChannel, {b.node(OpKind::Concat, {q, q, q}, ir::AxisAttrs{1})},
                  ir::ShuffleChannelAttrs{3}));
  const ir::ValueId shared = b.node(OpKind::Concat, {p, r}, ir::AxisAttrs{1});
  b.output(b.node(OpKind::ShuffleChannel, {shared}, ir::ShuffleChannelAttrs{2}));
  b.output(b.node(OpKind::Relu, {shared}));
  b.output(b.node(OpKind::ShuffleChannel, {b.node(OpKind::Concat, {p, r, p, r}, ir::AxisAttrs{1})},
                  ir::ShuffleChannelAttrs{2}));
  const ir::Model m = b.finish();
  const Tensor in = random_tensor({1, 4, 5, 5}, 80);
  CompileOptions o;
  o.threads = 1;
  o.backend = Backend::reference;
  const auto want = compile(m, o)->run({in});
  o.backend = Backend::onednn;
  const auto exec = compile(m, o);
  const auto got = exec->run({in});
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(compare(got[i], want[i], 1e-5f), "") << "output " << i;
  const std::string plan = onednn_plan_summary(*exec);
  EXPECT_EQ(occurrences(plan, "Concat+ShuffleChannel"), 0) << plan;
}

}  // namespace
}  // namespace qd::runtime
