// An int8 1x1 conv with a final Swish read by an int8 conv runs in chunks of rows (conv_swish_rows.h) where
// the AVX-512 Swish pass is used, and gives the reference runtime's result (up to rare one-step differences
// at rounding ties): chunks of two heights, and chunks that cross from one image of a batch into the next.
#include "runtime/onednn/conv_swish_rows.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"
#include "runtime/onednn/s8_source_exact.h"
#include "runtime/onednn/swish_step.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::quantize_convs_by_absmax;
using testing::random_tensor;

// x -> 1x1 conv 16 -> 96 + Swish -> 1x1 conv 96 -> 8, both int8 (the expand conv emits s8 for the next).
ir::Model expand_swish_model(const Shape& in_shape, const Tensor& sample) {
  GraphBuilder b;
  ir::ValueId x = b.input("x", in_shape);
  ir::ConvAttrs ea = conv_attrs(1);
  ea.activation = ir::FusedActivation{ir::OpKind::Swish};
  ir::ValueId e = b.conv(x, 16, 96, ea, 91);
  b.output(b.conv(e, 96, 8, conv_attrs(1), 93));
  ir::Model m = b.finish();
  quantize_convs_by_absmax(m, sample);
  return m;
}

std::vector<Tensor> run_swish_rows(const ir::Model& m, Backend backend, Int8Mode mode, const Tensor& in) {
  CompileOptions o;
  o.backend = backend;
  o.int8 = mode;
  o.threads = 1;
  o.batch = in.dim(0);
  return compile(m, o)->run({in});
}

// Outputs of `a` beyond compare()'s 1e-4 tolerance of `b`, and the largest difference relative to b's range.
struct SwishRowsMismatch {
  int64_t count = 0;
  float worst = 0.f;
};
SwishRowsMismatch swish_rows_mismatch(const Tensor& a, const Tensor& b) {
  float scale = 0;
  for (float v : b.values<float>()) scale = std::max(scale, std::fabs(v));
  SwishRowsMismatch m;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    if (!(std::fabs(x - y) <= 1e-4f * (std::fabs(y) + scale) + 1e-6f)) ++m.count;
    m.worst = std::max(m.worst, std::fabs(x - y) / scale);
  }
  return m;
}

TEST(ConvSwishRows, ChunkedExpandConvMatchesTheReference) {
  // The chunked step replaces the whole-tensor Swish + quantize pass, which runs only where the AVX-512
  // Swish pass does and the conv reads its s8 source directly (s8 sources exact: VNNI).
  const bool chunked =
      onednn::swish_pass_available() && onednn::s8_sources_exact(dnnl::engine(dnnl::engine::kind::cpu, 0));
  struct Case {
    Shape shape;
    bool several_chunks;  // 24 px x 96 ch of f32 per row: 28 rows fill a chunk (2 x 30 rows: 3 of 20)
  };
  for (const Case& c :
       {Case{{1, 16, 45, 24}, true}, Case{{2, 16, 30, 24}, true}, Case{{1, 16, 8, 8}, false}}) {
    SCOPED_TRACE(shape_str(c.shape));
    const Tensor in = random_tensor(c.shape, 95, -2.f, 2.f);
    const ir::Model m = expand_swish_model(c.shape, in);
    const auto ref = run_swish_rows(m, Backend::reference, Int8Mode::real, in);
    const auto fast = run_swish_rows(m, Backend::onednn, Int8Mode::real, in);
    // Swish before the int8 requantization is a few ulp from the reference's (std::exp), so an intermediate
    // value within that of a rounding tie may land one int8 step apart: rare, and each moves a few outputs
    // by a fraction of the output range. A wrong kernel moves most outputs.
    const SwishRowsMismatch mm = swish_rows_mismatch(fast[0], ref[0]);
    EXPECT_LE(mm.count, fast[0].numel() / 100) << compare(fast[0], ref[0], 1e-4f);
    EXPECT_LE(mm.worst, 0.01f) << compare(fast[0], ref[0], 1e-4f);
    const auto fp = run_swish_rows(m, Backend::reference, Int8Mode::off, in);
    EXPECT_NE(compare(fp[0], ref[0], 1e-6f), "");  // int8 is in effect
    CompileOptions o;
    o.threads = 1;
    o.batch = c.shape[0];
    const std::string plan = onednn_plan_summary(*compile(m, o));
    EXPECT_EQ(plan.find("chunks of rows") != std::string::npos, chunked && c.several_chunks) << plan;
  }
}

TEST(ConvSwishRows, ChunkHeightsAreEvenAndCoverEveryRow) {
  for (int64_t rows : {2, 9, 10, 28, 29, 56, 112, 224}) {
    for (int64_t per : {1, 2, 3, 9, 27}) {
      if (per >= rows) continue;
      const std::vector<int64_t> h = onednn::conv_swish_row_heights(rows, per);
      SCOPED_TRACE(::testing::Message() << rows << " rows at most " << per);
      EXPECT_EQ(std::accumulate(h.begin(), h.end(), int64_t{0}), rows);
      EXPECT_EQ(static_cast<int64_t>(h.size()), (rows + per - 1) / per);  // no more chunks than needed
      const auto [lo, hi] = std::minmax_element(h.begin(), h.end());
      EXPECT_LE(*hi, per);
      EXPECT_LE(*hi - *lo, 1);
    }
  }
  EXPECT_EQ(onednn::conv_swish_row_heights(28, 9), (std::vector<int64_t>{7, 7, 7, 7}));
}

// EfficientNet-B0's expand convs at 28x28 (40 -> 240 channels) ran their last chunk of one row on oneDNN's
// reference kernel at two threads (3.5 ms of a 4-ms model): no chunk may be a reference kernel, at any
// thread count, and the chunks cover the output rows in order.
TEST(ConvSwishRows, NoChunkRunsOnAReferenceKernel) {
  using dnnl::memory;
  const dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    for (const auto& [cin, cout, hw] :
         {std::tuple<int64_t, int64_t, int64_t>{40, 240, 28}, {16, 96, 112}, {24, 144, 56}, {80, 480, 14}}) {
      SCOPED_TRACE(::testing::Message() << threads << " threads, " << cin << " -> " << cout << " at " << hw);
      const memory::desc src({1, cin, hw, hw}, memory::data_type::u8, memory::format_tag::nhwc);
      const memory::desc wei({cout, cin, 1, 1}, memory::data_type::s8, memory::format_tag::any);
      const memory::desc dst({1, cout, hw, hw}, memory::data_type::f32, memory::format_tag::nhwc);
      const memory::desc bias({cout}, memory::data_type::f32, memory::format_tag::x);
      dnnl::primitive_attr attr;
      attr.set_output_scales(2, std::vector<float>(static_cast<size_t>(cout), 0.01f));
      const dnnl::convolution_forward::primitive_desc pd(
          dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference,
                                          dnnl::algorithm::convolution_direct, src, wei, bias, dst, {1, 1},
                                          {0, 0}, {0, 0}, {0, 0}),
          attr, eng);
      const auto chunks = onednn::conv_swish_row_chunks(eng, pd, attr);
      int64_t next = 0;
      for (const auto& c : chunks) {
        EXPECT_NE(c.impl.rfind("ref", 0), 0u) << c.rows << " rows: " << c.impl;
        EXPECT_EQ(c.first_row, next);
        next += c.rows;
      }
      if (!chunks.empty()) {
        EXPECT_EQ(next, hw);
      }
    }
  }
  omp_set_num_threads(saved);
}

}  // namespace
}  // namespace qd::runtime
