#include "core/tensor.h"

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "core/aligned_buffer.h"
#include "core/memory_limit.h"

namespace qd {

Tensor::Tensor(DataType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  int64_t n = shape_numel(shape_);
  QD_CHECK(n >= 0, "Tensor needs a static shape, got " + shape_str(shape_));
  // Checked in doubles: a shape read from a file may describe more bytes than size_t can count.
  double wanted = 1.0;
  for (int64_t d : shape_) wanted *= static_cast<double>(d);
  check_memory_budget(wanted * static_cast<double>(dtype_size(dtype_)),
                      "a tensor of shape " + shape_str(shape_));
  owner_ = allocate_aligned_zeroed(static_cast<size_t>(n) * dtype_size(dtype_));
  data_ = owner_.get();
}

Tensor Tensor::view(DataType dtype, Shape shape, void* data, std::shared_ptr<const void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.owner_ = std::const_pointer_cast<void>(std::move(owner));
  t.data_ = data;
  return t;
}

struct Tensor::Deferred {
  Int8Rows rows;
  std::once_flag made;
  Tensor values;                     // the f32 form, once made
  std::atomic<bool> written{false};  // the f32 form was handed out for writing: no longer rows' image
};

namespace {

// value[r, i] = q[r, i] * step(r) over rows of dim 0.
Tensor dequantize_rows(const Int8Rows& rows) {
  const Tensor& q = rows.q;
  Tensor t(DataType::f32, q.shape());
  const int64_t n = q.numel(), row_count = q.rank() ? q.dim(0) : 1, per = row_count ? n / row_count : 0;
  const int8_t* src = q.data<int8_t>();
  float* dst = t.data<float>();
  for (int64_t r = 0; r < row_count; ++r) {
    const float step = rows.step(r);
    for (int64_t i = 0; i < per; ++i) dst[r * per + i] = static_cast<float>(src[r * per + i]) * step;
  }
  return t;
}

}  // namespace

Tensor Tensor::dequantized_on_demand(Int8Rows rows) {
  QD_CHECK(rows.q.dtype() == DataType::i8, "dequantized_on_demand needs i8 data");
  const int64_t row_count = rows.q.rank() ? rows.q.dim(0) : 1;
  QD_CHECK(rows.steps.size() == 1 || static_cast<int64_t>(rows.steps.size()) == row_count,
           "dequantized_on_demand: one step per row or one for all");
  // The budget is checked now, as for any tensor, not on first access.
  check_memory_budget(static_cast<double>(rows.q.numel()) * dtype_size(DataType::f32),
                      "a tensor of shape " + shape_str(rows.q.shape()));
  Tensor t;
  t.dtype_ = DataType::f32;
  t.shape_ = rows.q.shape();
  t.deferred_ = std::make_shared<Deferred>();
  t.deferred_->rows = std::move(rows);
  return t;
}

const Int8Rows* Tensor::int8_rows() const {
  return deferred_ && !deferred_->written.load() ? &deferred_->rows : nullptr;
}

void* Tensor::materialize() const {
  Deferred& d = *deferred_;
  std::call_once(d.made, [&d] { d.values = dequantize_rows(d.rows); });
  return d.values.data_;
}

void* Tensor::materialize_for_writing() {
  deferred_->written.store(true);
  return materialize();
}

Tensor Tensor::reshaped(Shape shape) const {
  QD_CHECK(shape_numel(shape) == numel(),
           "reshape " + shape_str(shape_) + " -> " + shape_str(shape) + " changes element count");
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::rows(int64_t first, int64_t count) const {
  QD_CHECK(rank() >= 1 && first >= 0 && count >= 0 && first + count <= shape_[0],
           "rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
               ") of a tensor of shape " + shape_str(shape_));
  const size_t row_bytes = shape_[0] ? nbytes() / static_cast<size_t>(shape_[0]) : 0;
  const char* base = static_cast<const char*>(raw());  // a deferred tensor's values are made here
  const std::shared_ptr<const void> keep =
      deferred_ ? std::shared_ptr<const void>(deferred_, base) : std::shared_ptr<const void>(owner_);
  Shape s = shape_;
  s[0] = count;
  return view(dtype_, std::move(s), const_cast<char*>(base) + first * row_bytes, keep);
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_);
  if (nbytes()) std::memcpy(t.data_, raw(), nbytes());
  return t;
}

Tensor Tensor::to_f32() const {
  if (dtype_ == DataType::f32) return *this;
  Tensor t(DataType::f32, shape_);
  const void* src = raw();
  float* dst = t.data<float>();
  int64_t n = numel();
  for (int64_t i = 0; i < n; ++i) {
    switch (dtype_) {
      case DataType::f16:
        dst[i] = half_to_float(static_cast<const uint16_t*>(src)[i]);
        break;
      case DataType::i8:
        dst[i] = static_cast<const int8_t*>(src)[i];
        break;
      case DataType::u8:
        dst[i] = static_cast<const uint8_t*>(src)[i];
        break;
      case DataType::i32:
        dst[i] = static_cast<float>(static_cast<const int32_t*>(src)[i]);
        break;
      case DataType::i64:
        dst[i] = static_cast<float>(static_cast<const int64_t*>(src)[i]);
        break;
      case DataType::f32:
        break;
    }
  }
  return t;
}

// IEEE 754 binary16 <-> binary32, round to nearest even.
float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (exp <= 0) {
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t half_mant = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (half_mant & 1))) ++half_mant;
    return static_cast<uint16_t>(sign | half_mant);
  }
  uint32_t h = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) ++h;
  return static_cast<uint16_t>(h);
}

}  // namespace qd
