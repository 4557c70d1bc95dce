#include "frontend/ncnn/ncnn_bin_reader.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/tensor.h"
#include "frontend/ncnn/ncnn_schema.h"

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
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail(path, "cannot open ncnn .bin file");
  // One read of the whole file: a byte-by-byte istreambuf_iterator copy was ~30 ms of ResNet-18's load time.
  const std::streamoff size = f.tellg();
  if (size < 0) fail(path, "cannot read ncnn .bin file (size unknown)");
  bytes_.resize(static_cast<size_t>(size));
  f.seekg(0);
  if (size > 0 && !f.read(reinterpret_cast<char*>(bytes_.data()), size))
    fail(path, "cannot read ncnn .bin file (read failed after " + std::to_string(f.gcount()) + " bytes)");
}

const uint8_t* BinReader::take(size_t n, const std::string& what) {
  if (n > bytes_.size() - pos_)
    fail(path_, "file too short for the .param: " + what + " needs " + std::to_string(n) +
                    " bytes at offset " + std::to_string(pos_) + " but the file has " +
                    std::to_string(bytes_.size()) + " bytes");
  const uint8_t* p = bytes_.data() + pos_;
  pos_ += n;
  return p;
}

TaggedBlob BinReader::read_tagged(size_t count, const std::string& what) {
  TaggedBlob b;
  const size_t tag_at = pos_;
  std::memcpy(&b.tag, take(4, what + " (tag)"), 4);
  if (b.tag == kTagFp32) {
    const uint8_t* p = take(count * 4, what);  // checked before allocating
    b.f32.resize(count);
    if (count) std::memcpy(b.f32.data(), p, count * 4);
  } else if (b.tag == kTagFp16) {
    const uint8_t* p = take(align4(count * 2), what + " (fp16)");
    b.f32.resize(count);
    for (size_t i = 0; i < count; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      b.f32[i] = half_to_float(h);
    }
  } else if (b.tag == kTagInt8) {
    const uint8_t* p = take(align4(count), what + " (int8)");
    b.i8.resize(count);
    if (count) std::memcpy(b.i8.data(), p, count);
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
  if (pos_ != bytes_.size())
    fail(path_, "file longer than the .param implies: " + std::to_string(bytes_.size() - pos_) +
                    " bytes left after the last layer (read " + std::to_string(pos_) + " of " +
                    std::to_string(bytes_.size()) + ")");
}

}  // namespace qd::ncnn
