// Tensor: dtype + shape + 64-byte aligned storage shared between copies (copying a Tensor is cheap and
// aliases the same data; use clone() for a deep copy). Layout is dense row-major (NCHW for images).
#pragma once
#include <cstring>
#include <memory>
#include <span>

#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"

namespace qd {

class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-initialised storage for a static shape.
  Tensor(DataType dtype, Shape shape);
  // Wraps caller-owned memory (no copy, no ownership); the caller keeps it alive.
  static Tensor view(DataType dtype, Shape shape, void* data);

  template <typename T>
  static Tensor from(Shape shape, std::span<const T> values) {
    Tensor t(dtype_of<T>(), std::move(shape));
    QD_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "Tensor::from size mismatch");
    std::memcpy(t.raw(), values.data(), values.size_bytes());
    return t;
  }

  bool empty() const { return data_ == nullptr; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_.at(i < 0 ? shape_.size() + i : i); }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T>
  T* data() {
    QD_CHECK(dtype_of<T>() == dtype_, "Tensor::data dtype mismatch");
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    QD_CHECK(dtype_of<T>() == dtype_, "Tensor::data dtype mismatch");
    return static_cast<const T*>(data_);
  }
  template <typename T>
  std::span<T> values() {
    return {data<T>(), static_cast<size_t>(numel())};
  }
  template <typename T>
  std::span<const T> values() const {
    return {data<T>(), static_cast<size_t>(numel())};
  }

  // Same data, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  Tensor clone() const;
  // Converts to f32 (from f32/f16/i8/u8/i32/i64); returns *this when already f32.
  Tensor to_f32() const;

 private:
  DataType dtype_ = DataType::f32;
  Shape shape_;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

}  // namespace qd
