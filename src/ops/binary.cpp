#include "ops/binary.h"

#include <cmath>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "ir/axis.h"
#include "ops/tensor_index.h"

namespace qd::ops {

namespace {

template <typename T>
T apply_binary(ir::OpKind op, T a, T b) {
  switch (op) {
    case ir::OpKind::Add:
      return a + b;
    case ir::OpKind::Sub:
      return a - b;
    case ir::OpKind::Mul:
      return a * b;
    case ir::OpKind::Div:
      if constexpr (std::is_integral_v<T>) {
        if (b == 0) fail("", "integer division by zero");
      }
      return a / b;
    case ir::OpKind::Pow:
      return static_cast<T>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    default:
      fail_internal("binary: not a binary op");
  }
}

template <typename T>
Tensor binary_typed(ir::OpKind op, const Tensor& a, const Tensor& b) {
  const Shape out = ir::broadcast_shapes(a.shape(), b.shape());
  Tensor y(a.dtype(), out);
  const auto sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* dst = y.data<T>();
  for_each_index(out, [&](int64_t i, const std::vector<int64_t>& idx) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      oa += idx[d] * sa[d];
      ob += idx[d] * sb[d];
    }
    dst[i] = apply_binary<T>(op, pa[oa], pb[ob]);
  });
  return y;
}

}  // namespace

Tensor binary(ir::OpKind op, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    fail("", std::string(ir::op_name(op)) + ": inputs have different element types (" +
                 std::string(dtype_name(a.dtype())) + ", " + std::string(dtype_name(b.dtype())) + ")");
  switch (a.dtype()) {
    case DataType::f32:
      return binary_typed<float>(op, a, b);
    case DataType::i64:
      return binary_typed<int64_t>(op, a, b);
    case DataType::i32:
      return binary_typed<int32_t>(op, a, b);
    default:
      fail("",
           std::string(ir::op_name(op)) + ": unsupported element type " + std::string(dtype_name(a.dtype())));
  }
}

}  // namespace qd::ops
