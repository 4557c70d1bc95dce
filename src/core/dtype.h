// Element types of tensors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace qd {

enum class DataType : uint8_t { f32, f16, i8, u8, i32, i64 };

constexpr size_t dtype_size(DataType t) {
  switch (t) {
    case DataType::f32:
      return 4;
    case DataType::f16:
      return 2;
    case DataType::i8:
      return 1;
    case DataType::u8:
      return 1;
    case DataType::i32:
      return 4;
    case DataType::i64:
      return 8;
  }
  return 0;
}

constexpr std::string_view dtype_name(DataType t) {
  switch (t) {
    case DataType::f32:
      return "f32";
    case DataType::f16:
      return "f16";
    case DataType::i8:
      return "i8";
    case DataType::u8:
      return "u8";
    case DataType::i32:
      return "i32";
    case DataType::i64:
      return "i64";
  }
  return "?";
}

template <typename T>
constexpr DataType dtype_of();
template <>
constexpr DataType dtype_of<float>() {
  return DataType::f32;
}
template <>
constexpr DataType dtype_of<int8_t>() {
  return DataType::i8;
}
template <>
constexpr DataType dtype_of<uint8_t>() {
  return DataType::u8;
}
template <>
constexpr DataType dtype_of<int32_t>() {
  return DataType::i32;
}
template <>
constexpr DataType dtype_of<int64_t>() {
  return DataType::i64;
}

}  // namespace qd
