// Tensor: dtype + shape + 64-byte aligned storage shared between copies (copying a Tensor is cheap and
// aliases the same data; use clone() for a deep copy). Layout is dense row-major (NCHW for images).
#pragma once
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"

namespace qd {

struct Int8Rows;

class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-initialised storage for a static shape.
  Tensor(DataType dtype, Shape shape);
  // Wraps memory owned elsewhere (no copy): `owner` is kept alive with the tensor, or, when null, the
  // caller keeps the memory alive.
  static Tensor view(DataType dtype, Shape shape, void* data, std::shared_ptr<const void> owner = nullptr);
  // An f32 tensor of rows.q's shape whose values are the dequantization of `rows`, computed on the first
  // access of its data: int8 weights read from a file get no fp32 copy unless something reads them as fp32.
  static Tensor dequantized_on_demand(Int8Rows rows);
  // The int8 rows this tensor is the dequantization of (dequantized_on_demand), or nullptr: for any other
  // tensor, and for this one once its data has been accessed for writing (non-const raw/data/values).
  const Int8Rows* int8_rows() const;

  template <typename T>
  static Tensor from(Shape shape, std::span<const T> values) {
    Tensor t(dtype_of<T>(), std::move(shape));
    QD_CHECK(static_cast<int64_t>(values.size()) == t.numel(), "Tensor::from size mismatch");
    std::memcpy(t.raw(), values.data(), values.size_bytes());
    return t;
  }

  bool empty() const { return data_ == nullptr && !deferred_; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(int i) const { return shape_.at(i < 0 ? shape_.size() + i : i); }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  void* raw() { return deferred_ ? materialize_for_writing() : data_; }
  const void* raw() const { return deferred_ ? materialize() : data_; }
  template <typename T>
  T* data() {
    QD_CHECK(dtype_of<T>() == dtype_, "Tensor::data dtype mismatch");
    return static_cast<T*>(raw());
  }
  template <typename T>
  const T* data() const {
    QD_CHECK(dtype_of<T>() == dtype_, "Tensor::data dtype mismatch");
    return static_cast<const T*>(raw());
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
  // Rows [first, first + count) along dim 0, as a view that keeps this tensor's storage alive (no copy).
  Tensor rows(int64_t first, int64_t count) const;
  Tensor clone() const;
  // Converts to f32 (from f32/f16/i8/u8/i32/i64); returns *this when already f32.
  Tensor to_f32() const;

 private:
  DataType dtype_ = DataType::f32;
  Shape shape_;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
  struct Deferred;                      // values computed on first access (dequantized_on_demand)
  std::shared_ptr<Deferred> deferred_;  // shared by copies, like the storage
  void* materialize() const;
  void* materialize_for_writing();
};

// The int8 form of an f32 tensor: value[r, ...] = q[r, ...] * steps[r] along dim 0 (one step for every row
// when `steps` has one value).
struct Int8Rows {
  Tensor q;  // i8
  std::vector<float> steps;
  int max_abs_q = 127;  // largest |q| (lets a reader tell whether a narrower weight range clamps any value)
  float step(int64_t row) const { return steps.size() == 1 ? steps[0] : steps.at(row); }
};

float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

}  // namespace qd
