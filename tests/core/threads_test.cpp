// The one thread policy: 0 = all cores, and a scope that restores the caller's OpenMP thread count.
#include "core/threads.h"

#include <gtest/gtest.h>
#include <omp.h>

namespace qd {
namespace {

TEST(Threads, ZeroMeansAllCores) {
  EXPECT_EQ(available_cores(), omp_get_num_procs());
  EXPECT_EQ(resolve_threads(0), available_cores());
  EXPECT_EQ(resolve_threads(-1), available_cores());
  EXPECT_EQ(resolve_threads(3), 3);
}

TEST(Threads, ScopeSetsAndRestores) {
  omp_set_num_threads(3);
  {
    const ThreadCountScope one(1);
    EXPECT_EQ(omp_get_max_threads(), 1);
    {
      const ThreadCountScope all(0);
      EXPECT_EQ(omp_get_max_threads(), available_cores());
    }
    EXPECT_EQ(omp_get_max_threads(), 1);
  }
  EXPECT_EQ(omp_get_max_threads(), 3);
  omp_set_num_threads(available_cores());
}

}  // namespace
}  // namespace qd
