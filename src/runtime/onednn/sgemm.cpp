#include "runtime/sgemm.h"

#include <oneapi/dnnl/dnnl.h>

#include "core/error.h"

namespace qd::runtime {

void sgemm_row_major(char trans_a, char trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (dnnl_sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) != dnnl_success)
    fail_internal("dnnl_sgemm failed");
}

}  // namespace qd::runtime
