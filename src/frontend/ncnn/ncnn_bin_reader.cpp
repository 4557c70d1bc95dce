#include "frontend/ncnn/ncnn_bin_reader.h"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/tensor.h"
#include "format/ncnn/ncnn_schema.h"

namespace qd::ncnn {
namespace {

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

}  // namespace

BinReader::BinReader(const std::string& path) : path_(path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    fail(path, "ncnn .bin is not a regular file");
  // Mapped, not read: int8 weights are used in place (their tensors keep the mapping) and fp32 ones copied.
  file_ = std::make_shared<const MappedFile>(path);
  bytes_ = file_->data();
  size_ = file_->size();
}

const uint8_t* BinReader::take(size_t n, const std::string& what) {
  if (n > size_ - pos_)
    fail(path_, "file too short for the .param: " + what + " needs " + std::to_string(n) +
                    " bytes at offset " + std::to_string(pos_) + " but the file has " +
                    std::to_string(size_) + " bytes");
  const uint8_t* p = bytes_ + pos_;
  pos_ += n;
  return p;
}

TaggedBlob BinReader::read_tagged(size_t count, const std::string& what) {
  TaggedBlob b;
  const size_t tag_at = pos_;
  std::memcpy(&b.tag, take(4, what + " (tag)"), 4);
  if (b.tag == kTagFp32) {
    const uint8_t* p = take(count * 4, what);  // checked before allocating
    b.f32 = Tensor(DataType::f32, {static_cast<int64_t>(count)});
    if (count) std::memcpy(b.f32.raw(), p, count * 4);
  } else if (b.tag == kTagFp16) {
    const uint8_t* p = take(align4(count * 2), what + " (fp16)");
    b.f32 = Tensor(DataType::f32, {static_cast<int64_t>(count)});
    float* dst = b.f32.data<float>();
    for (size_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      dst[i] = half_to_float(h);
    }
  } else if (b.tag == kTagInt8) {
    const uint8_t* p = take(align4(count), what + " (int8)");
    b.i8 = {reinterpret_cast<const int8_t*>(p), count};
    b.mapping = file_;
  } else {
    fail(path_, what + ": unsupported weight tag " + hex32(b.tag) + " at offset " + std::to_string(tag_at) +
                    " (expected fp32 0, fp16 " + hex32(kTagFp16) + " or int8 " + hex32(kTagInt8) +
                    "; the .bin may not belong to this .param)");
  }
  return b;
}

std::vector<float> BinReader::read_raw(size_t count, const std::string& what) {
  const uint8_t* p = take(count * 4, what);  // checked before allocating
  std::vector<float> v(count);
  if (count) std::memcpy(v.data(), p, count * 4);
  return v;
}

void BinReader::expect_end() const {
  if (pos_ != size_)
    fail(path_, "file longer than the .param implies: " + std::to_string(size_ - pos_) +
                    " bytes left after the last layer (read " + std::to_string(pos_) + " of " +
                    std::to_string(size_) + ")");
}

}  // namespace qd::ncnn
