// The oneDNN executor with more than one thread: groups too small to split run on one thread, and so do
// whole models too small to split (the plan says so); results still match the reference, and the caller's
// OpenMP thread count is restored.
#include <gtest/gtest.h>
#include <omp.h>

#include <cstdlib>
#include <string>

#include "core/threads.h"
#include "runtime/executor.h"
#include "runtime/graph_builder.h"
#include "runtime/onednn/onednn_executor.h"

namespace qd::runtime {
namespace {

using testing::compare;
using testing::conv_attrs;
using testing::GraphBuilder;
using testing::random_tensor;

// A big 3x3 conv (32x32x32 -> 32 channels: 9.4M multiply-accumulates) followed by a small 1x1 conv
// (262k), a global pool, a Gemm and a softmax (tens of elements).
ir::Model mixed_model() {
  GraphBuilder b;
  ir::ValueId x = b.input("x", {1, 32, 32, 32});
  ir::ValueId big = b.node(ir::OpKind::Relu, {b.conv(x, 32, 32, conv_attrs(3, 1, 1), 1)});
  ir::ValueId small = b.conv(big, 32, 8, conv_attrs(1), 3);
  ir::ValueId f =
      b.node(ir::OpKind::Flatten, {b.node(ir::OpKind::GlobalAveragePool, {small})}, ir::AxisAttrs{1});
  ir::GemmAttrs g;
  g.trans_b = true;
  ir::ValueId y = b.node(ir::OpKind::Gemm, {f, b.constant(random_tensor({10, 8}, 5))}, g);
  b.output(b.node(ir::OpKind::Softmax, {y}, ir::AxisAttrs{1}));
  b.output(big);
  return b.finish();
}

std::vector<Tensor> run_with(const ir::Model& m, Backend backend, int threads, const Tensor& in) {
  CompileOptions o;
  o.backend = backend;
  o.threads = threads;
  return compile(m, o)->run({in});
}

TEST(OneDnnThreads, SmallGroupsRunOnOneThread) {
  const ir::Model m = mixed_model();
  CompileOptions o;
  o.threads = 2;
  o.min_parallel_work = 4e6;
  const std::string plan = onednn_plan_summary(*compile(m, o));
  // The big conv's line is not followed by the marker; the small conv's and the tail's are.
  const size_t big = plan.find("conv Conv");
  ASSERT_NE(big, std::string::npos) << plan;
  const size_t big_end = plan.find('\n', big);
  EXPECT_NE(plan.compare(big_end + 1, 12, "  (1 thread)"), 0) << plan;
  const size_t small = plan.find("conv Conv", big_end);
  ASSERT_NE(small, std::string::npos) << plan;
  EXPECT_EQ(plan.compare(plan.find('\n', small) + 1, 12, "  (1 thread)"), 0) << plan;
  const size_t softmax = plan.find("Softmax");
  ASSERT_NE(softmax, std::string::npos) << plan;
  EXPECT_EQ(plan.compare(plan.find('\n', softmax) + 1, 12, "  (1 thread)"), 0) << plan;
  // With one thread there is nothing to mark, nor with no minimum.
  o.threads = 1;
  EXPECT_EQ(onednn_plan_summary(*compile(m, o)).find("(1 thread)"), std::string::npos);
  o.threads = 2;
  o.min_parallel_work = 0;
  EXPECT_EQ(onednn_plan_summary(*compile(m, o)).find("(1 thread)"), std::string::npos);
}

TEST(OneDnnThreads, SmallModelsRunOnOneThreadByDefault) {
  // mixed_model has ~10M multiply-adds (20M weighed as with AVX2): under the whole-model minimum (6e7),
  // unless a minimum is given.
  CompileOptions o;
  o.threads = 2;
  const std::string whole = "one thread: the model has ";
  const auto small = compile(mixed_model(), o);
  EXPECT_NE(onednn_plan_summary(*small).find(whole), std::string::npos);
  EXPECT_TRUE(onednn_runs_on_one_thread(*small));
  o.min_parallel_work = 0;
  const auto split = compile(mixed_model(), o);
  EXPECT_EQ(onednn_plan_summary(*split).find("one thread:"), std::string::npos);
  EXPECT_FALSE(onednn_runs_on_one_thread(*split));
  o.threads = 1;
  o.min_parallel_work = -1;
  EXPECT_EQ(onednn_plan_summary(*compile(mixed_model(), o)).find("one thread:"), std::string::npos);
  // A 64-channel 3x3 conv at 56x56 (116M) is split.
  GraphBuilder b;
  b.output(b.conv(b.input("x", {1, 64, 56, 56}), 64, 64, conv_attrs(3, 1, 1), 7));
  o.threads = 2;
  EXPECT_EQ(onednn_plan_summary(*compile(b.finish(), o)).find("one thread:"), std::string::npos);
}

TEST(OneDnnThreads, DefaultMinimumFollowsWaitPolicyAndLoad) {
  // Sleeping threads or busy cores: small steps on one thread; spinning threads on idle cores: split all.
  EXPECT_EQ(min_parallel_work_for(true, 0, 2, 2), 4e6);
  EXPECT_EQ(min_parallel_work_for(false, 1, 2, 2), 4e6);
  EXPECT_EQ(min_parallel_work_for(false, 0, 2, 2), 0);
  EXPECT_EQ(min_parallel_work_for(false, 2, 2, 4), 0);
  EXPECT_EQ(min_parallel_work_for(false, 3, 2, 4), 4e6);
  // The environment is read: passive always gives the threshold, whatever the load.
  const char* saved = std::getenv("OMP_WAIT_POLICY");
  const std::string keep = saved ? saved : "";
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  EXPECT_EQ(default_min_parallel_work(2), 4e6);
  if (saved)
    setenv("OMP_WAIT_POLICY", keep.c_str(), 1);
  else
    unsetenv("OMP_WAIT_POLICY");
}

TEST(OneDnnThreads, TwoThreadsMatchReferenceAndRestoreCallersThreadCount) {
  const ir::Model m = mixed_model();
  const Tensor in = random_tensor({1, 32, 32, 32}, 9);
  const auto ref = run_with(m, Backend::reference, 1, in);
  omp_set_num_threads(3);  // the caller's own setting, which compile and run must not change
  CompileOptions o;
  o.threads = 2;
  o.min_parallel_work = 4e6;  // serial and parallel steps in one run
  auto ex = compile(m, o);
  EXPECT_EQ(omp_get_max_threads(), 3);
  for (int rep = 0; rep < 2; ++rep) {
    const auto fast = ex->run({in});
    ASSERT_EQ(fast.size(), ref.size());
    for (size_t i = 0; i < ref.size(); ++i) EXPECT_EQ(compare(fast[i], ref[i]), "") << "output " << i;
    EXPECT_EQ(omp_get_max_threads(), 3);  // neither the executor's 2 nor the 1 of its serial steps
  }
  omp_set_num_threads(available_cores());
}

}  // namespace
}  // namespace qd::runtime
