// Dense fp32 matrix product for code outside the executor (the AdaRound optimiser): the one place such
// math reaches oneDNN (runtime/onednn/sgemm.cpp), so no other module calls oneDNN directly.
#pragma once
#include <cstdint>

namespace qd::runtime {

// C[M, N] = alpha * op(A) op(B) + beta * C, row major (op = transpose when trans is 'T'); threads: OpenMP's
// current count (see core/threads.h ThreadCountScope).
void sgemm_row_major(char trans_a, char trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

}  // namespace qd::runtime
