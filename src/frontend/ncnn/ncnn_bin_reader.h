// Sequential reader of an ncnn .bin file: layers consume their weight blobs in .param order.
// "Tagged" blobs start with a 4-byte tag (fp32 / fp16 / int8) and are padded to 4 bytes; "raw" blobs
// are plain fp32 arrays (biases, scales, BatchNorm statistics).
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor.h"
#include "format/ncnn/ncnn_schema.h"

namespace qd::ncnn {

struct TaggedBlob {
  uint32_t tag = 0;
  Tensor f32;                  // fp32 or fp16 data (fp16 widened), 1-D, read straight into the tensor
  std::span<const int8_t> i8;  // int8 data (tag kTagInt8), a view of the reader's bytes (no copy)
  std::shared_ptr<const void> mapping;  // keeps `i8` valid after the reader is gone
  bool is_int8() const { return tag == kTagInt8; }
};

class BinReader {
 public:
  // Maps the whole file; throws a user error naming the path when it cannot be read.
  explicit BinReader(const std::string& path);

  // Reads a tagged blob of `count` elements for `what` (e.g. "layer 'conv1' weights").
  TaggedBlob read_tagged(size_t count, const std::string& what);
  // Reads `count` raw fp32 values.
  std::vector<float> read_raw(size_t count, const std::string& what);
  // Throws when bytes remain after the last layer.
  void expect_end() const;

  size_t offset() const { return pos_; }

 private:
  const uint8_t* take(size_t n, const std::string& what);

  std::string path_;
  std::shared_ptr<const MappedFile> file_;
  const uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
  size_t pos_ = 0;
};

}  // namespace qd::ncnn
