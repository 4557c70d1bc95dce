#include "exporters/ncnn/ncnn_layer_out.h"

#include <cstdio>
#include <cstring>

#include "format/ncnn/ncnn_scale.h"
#include "format/ncnn/ncnn_schema.h"

namespace qd::ncnn {
namespace {

std::string fmt_float(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%e", static_cast<double>(v));
  return buf;
}

template <typename T>
void append(std::vector<uint8_t>& out, const T* p, size_t n) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n * sizeof(T));
}

void pad4(std::vector<uint8_t>& out, size_t start) {
  while ((out.size() - start) % 4) out.push_back(0);
}

}  // namespace

void LayerOut::set_float(int id, float v) { params.push_back(std::to_string(id) + "=" + fmt_float(v)); }

void LayerOut::set_ints(int id, std::span<const int> v) {
  std::string s = std::to_string(kArrayKeyBase - id) + "=" + std::to_string(v.size());
  for (int i : v) s += "," + std::to_string(i);
  params.push_back(s);
}

void LayerOut::set_floats(int id, std::span<const float> v) {
  std::string s = std::to_string(kArrayKeyBase - id) + "=" + std::to_string(v.size());
  for (float f : v) {
    s += ',';
    s += fmt_float(f);
  }
  params.push_back(s);
}

void LayerOut::put_raw(std::span<const float> v) { append(weights, v.data(), v.size()); }

void LayerOut::put_tagged_fp32(std::span<const float> v) {
  const uint32_t tag = kTagFp32;
  append(weights, &tag, 1);
  put_raw(v);
}

void LayerOut::put_tagged_fp16(std::span<const float> v) {
  const uint32_t tag = kTagFp16;
  append(weights, &tag, 1);
  const size_t start = weights.size();
  for (float f : v) {
    uint16_t h = ncnn_float_to_half(f);
    append(weights, &h, 1);
  }
  pad4(weights, start);
}

void LayerOut::put_tagged_int8(std::span<const int8_t> v) {
  const uint32_t tag = kTagInt8;
  append(weights, &tag, 1);
  const size_t start = weights.size();
  append(weights, v.data(), v.size());
  pad4(weights, start);
}

std::string LayerOut::line() const {
  auto padded = [](const std::string& s) { return s.size() >= 24 ? s : s + std::string(24 - s.size(), ' '); };
  std::string s = padded(type) + " " + padded(name) + " " + std::to_string(bottoms.size()) + " " +
                  std::to_string(tops.size());
  for (const auto& b : bottoms) s += " " + b;
  for (const auto& t : tops) s += " " + t;
  for (const auto& p : params) s += " " + p;
  return s;
}

}  // namespace qd::ncnn
