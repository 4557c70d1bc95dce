// Read-only memory mapping of a whole file: model files are parsed straight from the page cache instead of
// being copied into a growing string first (that copy was a quarter of the time to open ResNet-18's ONNX).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace qd {

class MappedFile {
 public:
  // Maps `path`; throws a user error naming the file when it cannot be opened or is not a regular file.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace qd
