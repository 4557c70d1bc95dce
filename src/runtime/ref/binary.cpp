#include "ops/binary.h"

#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Tensor binary(ir::OpKind op, const Tensor& a, const Tensor& b) { return ops::binary(op, a, b); }

}  // namespace qd::runtime::ref
