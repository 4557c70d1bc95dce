#include "frontend/onnx/onnx_tensor.h"

#include <cstring>
#include <filesystem>
#include <fstream>

namespace qd::frontend {

namespace {

using onnx::TensorProto;

std::string tensor_what(const TensorProto& t) { return "tensor '" + t.name() + "'"; }

// Reads `nbytes` bytes of external data for `t` into `dst`; with dst == nullptr only checks that the file
// exists and holds them.
void read_external(const TensorProto& t, void* dst, size_t nbytes, const std::string& file,
                   const std::string& base_dir) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::stoll(kv.value());
      if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      fail(file, tensor_what(t) + ": bad external data entry '" + kv.key() + "'='" + kv.value() + "'");
    }
  }
  if (location.empty()) fail(file, tensor_what(t) + ": external data without a location");
  // The ONNX spec makes the location relative to the model's folder; refusing absolute paths and ".."
  // keeps a model file from reading arbitrary files (devices, other users' data) as weights.
  const std::filesystem::path rel(location);
  bool escapes = rel.is_absolute();
  for (const auto& part : rel) escapes = escapes || part == "..";
  if (escapes)
    fail(file, tensor_what(t) + ": external data location '" + location +
                   "' must be a path inside the model's folder");
  std::filesystem::path p = std::filesystem::path(base_dir) / location;
  std::error_code ec;
  if (std::filesystem::exists(p, ec) && !std::filesystem::is_regular_file(p, ec))  // a FIFO would block
    fail(file, tensor_what(t) + ": external data '" + location + "' is not a regular file");
  std::ifstream in(p, std::ios::binary);
  if (!in)
    fail(file, tensor_what(t) + ": external data file '" + location + "' not found (looked for " +
                   p.string() + ")");
  if (length >= 0 && static_cast<size_t>(length) != nbytes)
    fail(file, tensor_what(t) + ": external data length " + std::to_string(length) + " bytes, dims need " +
                   std::to_string(nbytes));
  in.seekg(0, std::ios::end);
  const int64_t size = static_cast<int64_t>(in.tellg());
  if (size < 0) fail(file, tensor_what(t) + ": cannot read external data file '" + location + "'");
  if (offset < 0 || offset > size || static_cast<int64_t>(nbytes) > size - offset)
    fail(file, tensor_what(t) + ": external data file '" + location + "' is too short (" +
                   std::to_string(size) + " bytes, need " + std::to_string(nbytes) + " at offset " +
                   std::to_string(offset) + ")");
  if (!dst) return;
  in.seekg(offset);
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(nbytes));
  if (!in) fail(file, tensor_what(t) + ": cannot read external data file '" + location + "'");
}

template <typename Src, typename Dst>
void copy_typed(const google::protobuf::RepeatedField<Src>& src, Dst* dst) {
  for (int i = 0; i < src.size(); ++i) dst[i] = static_cast<Dst>(src.Get(i));
}

}  // namespace

std::optional<DataType> dtype_from_onnx(int32_t type) {
  switch (type) {
    case TensorProto::FLOAT:
      return DataType::f32;
    case TensorProto::FLOAT16:
      return DataType::f16;
    case TensorProto::INT64:
      return DataType::i64;
    case TensorProto::INT32:
      return DataType::i32;
    case TensorProto::INT8:
      return DataType::i8;
    case TensorProto::UINT8:
      return DataType::u8;
    case TensorProto::BOOL:
      return DataType::u8;  // 0/1 bytes, same layout
    default:
      return std::nullopt;
  }
}

std::string onnx_type_name(int32_t type) {
  if (TensorProto::DataType_IsValid(type))
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(type));
  return "type " + std::to_string(type);
}

Shape checked_dims(const google::protobuf::RepeatedField<int64_t>& dims, bool allow_empty_list,
                   const std::string& file, const std::string& what) {
  Shape s(dims.begin(), dims.end());
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) fail(file, what + " has a negative dimension (" + shape_str(s) + ")");
    if (d == 0 && !(allow_empty_list && s.size() == 1))
      fail(file, what + " has a zero-size dimension (" + shape_str(s) + ")");
    if (d > kMaxElements || (n = n * d) > kMaxElements)
      fail(file, what + " has absurd dimensions " + shape_str(s) + " (more than 2^31 elements)");
  }
  return s;
}

Tensor tensor_from_proto(const TensorProto& t, const std::string& file, const std::string& base_dir,
                         std::optional<std::span<const uint8_t>> raw_data) {
  if (!raw_data && t.has_raw_data())
    raw_data = std::span(reinterpret_cast<const uint8_t*>(t.raw_data().data()), t.raw_data().size());
  std::optional<DataType> dt = dtype_from_onnx(t.data_type());
  if (!dt)
    fail_unsupported(file, tensor_what(t) + " has element type " + onnx_type_name(t.data_type()) +
                               " (supported: FLOAT, FLOAT16, INT64, INT32, INT8, UINT8, BOOL)");
  bool integer = *dt != DataType::f32 && *dt != DataType::f16;
  Shape shape = checked_dims(t.dims(), integer, file, tensor_what(t));
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  const size_t nbytes = static_cast<size_t>(n) * dtype_size(*dt);
  auto typed_count_error = [&](int64_t got) {
    fail(file, tensor_what(t) + " holds " + std::to_string(got) + " values but its dims " + shape_str(shape) +
                   " need " + std::to_string(n));
  };
  // The data's size is checked against the dims BEFORE allocating: a few bytes of file must not make us
  // allocate (and zero) gigabytes.
  const bool external = t.data_location() == TensorProto::EXTERNAL;
  if (!external && raw_data && raw_data->size() != nbytes)
    fail(file, tensor_what(t) + " has " + std::to_string(raw_data->size()) + " bytes of data but its dims " +
                   shape_str(shape) + " need " + std::to_string(nbytes));
  if (!external && !raw_data) {
    const int64_t got = t.data_type() == TensorProto::FLOAT   ? t.float_data_size()
                        : t.data_type() == TensorProto::INT64 ? t.int64_data_size()
                                                              : t.int32_data_size();
    if (got != n) typed_count_error(got);
  }
  if (external) read_external(t, nullptr, nbytes, file, base_dir);
  Tensor out(*dt, shape);
  if (external) {
    read_external(t, out.raw(), nbytes, file, base_dir);
  } else if (raw_data) {
    std::memcpy(out.raw(), raw_data->data(), nbytes);
  } else {
    switch (t.data_type()) {
      case TensorProto::FLOAT:
        copy_typed(t.float_data(), out.data<float>());
        break;
      case TensorProto::INT64:
        copy_typed(t.int64_data(), out.data<int64_t>());
        break;
      case TensorProto::INT32:
        copy_typed(t.int32_data(), out.data<int32_t>());
        break;
      case TensorProto::INT8:
        copy_typed(t.int32_data(), out.data<int8_t>());
        break;
      case TensorProto::UINT8:
      case TensorProto::BOOL:
        copy_typed(t.int32_data(), out.data<uint8_t>());
        break;
      case TensorProto::FLOAT16:  // bit patterns stored in int32_data
        copy_typed(t.int32_data(), static_cast<uint16_t*>(out.raw()));
        break;
    }
  }
  if (*dt == DataType::f16) return out.to_f32();
  return out;
}

}  // namespace qd::frontend
