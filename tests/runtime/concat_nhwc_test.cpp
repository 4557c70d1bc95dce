// Channel concat of NHWC values as per-pixel row copies: the kernel against plain byte copies (row lengths
// around the 32-byte vector, threaded row counts), and SqueezeNet's int8 fire module taking it (its u8
// halves are nhwc) with the reference's result.
#include "runtime/onednn/concat_nhwc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

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

TEST(ConcatNhwc, RowsAreTheSourcesRowsInOrder) {
  std::mt19937 rng(9);
  const std::vector<std::vector<size_t>> layouts = {{1, 2},   {31, 1},       {32, 32},  {33, 64, 7},
                                                    {64, 64}, {100, 928, 4}, {232, 232}};
  for (const auto& row_bytes : layouts) {
    for (int64_t rows : {1, 5, 3025}) {
      SCOPED_TRACE(std::to_string(row_bytes[0]) + "... bytes, " + std::to_string(rows) + " rows");
      std::vector<std::vector<unsigned char>> srcs;
      std::vector<const void*> ptrs;
      size_t dst_row = 0;
      for (size_t b : row_bytes) {
        srcs.emplace_back(b * static_cast<size_t>(rows));
        for (unsigned char& v : srcs.back()) v = static_cast<unsigned char>(rng());
        ptrs.push_back(srcs.back().data());
        dst_row += b;
      }
      std::vector<unsigned char> want(dst_row * static_cast<size_t>(rows)), got(want.size() + 64, 0xAB);
      for (int64_t r = 0; r < rows; ++r) {
        size_t at = static_cast<size_t>(r) * dst_row;
        for (size_t i = 0; i < srcs.size(); ++i) {
          std::memcpy(want.data() + at, srcs[i].data() + static_cast<size_t>(r) * row_bytes[i], row_bytes[i]);
          at += row_bytes[i];
        }
      }
      onednn::concat_rows(ptrs, row_bytes, got.data(), rows);
      EXPECT_TRUE(std::equal(want.begin(), want.end(), got.begin()));
      for (size_t k = want.size(); k < got.size(); ++k) ASSERT_EQ(got[k], 0xAB) << "wrote past the end";
    }
  }
}

// squeeze -> expand 1x1 / 3x3 -> concat -> 1x1 conv: in int8 the expand convs emit u8 nhwc for the reader.
TEST(ConcatNhwc, Int8FireModuleConcatIsTheRowPassAndMatchesTheReference) {
  for (int64_t batch : {1, 2}) {
    SCOPED_TRACE(batch);
    GraphBuilder b;
    ir::ValueId x = b.input("x", {batch, 8, 11, 11});
    auto relu = [&](ir::ValueId v) { return b.node(ir::OpKind::Relu, {v}); };
    ir::ValueId sq = relu(b.conv(x, 8, 8, conv_attrs(1), 90));
    ir::ValueId cat =
        b.node(ir::OpKind::Concat,
               {relu(b.conv(sq, 8, 24, conv_attrs(1), 91)), relu(b.conv(sq, 8, 40, conv_attrs(3, 1, 1), 92))},
               ir::AxisAttrs{1});
    b.output(b.conv(cat, 64, 8, conv_attrs(1), 93));
    ir::Model m = b.finish();
    const Tensor in = random_tensor({batch, 8, 11, 11}, 94);
    quantize_convs_by_absmax(m, in);
    CompileOptions o;
    o.backend = Backend::reference;
    o.batch = batch;
    o.int8 = Int8Mode::real;
    o.threads = 1;
    const Tensor ref = compile(m, o)->run({in})[0];
    o.backend = Backend::onednn;
    o.profile = true;
    const auto exec = compile(m, o);
    EXPECT_EQ(compare(exec->run({in})[0], ref, 1e-5f), "");
    int row_passes = 0;
    for (const StepProfile& p : exec->last_profile()) row_passes += p.op == "Concat (nhwc rows)";
    EXPECT_EQ(row_passes, 1) << onednn_plan_summary(*exec);
  }
}

}  // namespace
}  // namespace qd::runtime
