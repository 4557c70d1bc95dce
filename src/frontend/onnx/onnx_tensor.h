// ONNX TensorProto -> qd::Tensor: dtype mapping, dimension sanity checks, raw/typed/external data.
#pragma once
#include <onnx/onnx_pb.h>

#include <optional>
#include <span>
#include <string>

#include "core/tensor.h"

namespace qd::frontend {

// Our dtype for an ONNX TensorProto::DataType value (FLOAT16 maps to f16), or nullopt.
std::optional<DataType> dtype_from_onnx(int32_t onnx_type);
// "FLOAT", "DOUBLE", ... for messages.
std::string onnx_type_name(int32_t onnx_type);

// Largest element count accepted for any tensor (2^31).
constexpr int64_t kMaxElements = int64_t{1} << 31;

// Checks ONNX dims: no negative or zero-size dims (an empty 1-D integer list is allowed when
// `allow_empty_list`) and at most kMaxElements elements; throws a user error "<file>: <what> ...".
Shape checked_dims(const google::protobuf::RepeatedField<int64_t>& dims, bool allow_empty_list,
                   const std::string& file, const std::string& what);

// Converts `t` (an initializer or a Constant's value). External data is read relative to `base_dir`;
// `raw_data`, when given, stands for t.raw_data() (parse_onnx_without_raw_data leaves it in the file).
// float16 data is widened to f32. Throws a user error naming `file` and the tensor on bad data and
// an unsupported error for element types other than float/float16/int64/int32/int8/uint8/bool.
Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& file, const std::string& base_dir,
                         std::optional<std::span<const uint8_t>> raw_data = std::nullopt);

}  // namespace qd::frontend
