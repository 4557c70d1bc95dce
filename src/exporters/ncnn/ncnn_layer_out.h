// One ncnn layer being written: its .param line (params kept in insertion order) and its .bin bytes.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qd::ncnn {

struct LayerOut {
  std::string type, name;
  std::vector<std::string> bottoms, tops;
  std::vector<std::string> params;  // rendered "key=value" in write order
  std::vector<uint8_t> weights;     // this layer's bytes in the .bin

  void set_int(int id, int v) { params.push_back(std::to_string(id) + "=" + std::to_string(v)); }
  // Writes only when v differs from ncnn's default for the param (ncnn's own writer does the same).
  void set_int(int id, int v, int fallback) {
    if (v != fallback) set_int(id, v);
  }
  void set_float(int id, float v);
  void set_float(int id, float v, float fallback) {
    if (v != fallback) set_float(id, v);
  }
  void set_floats(int id, std::span<const float> v);
  void set_ints(int id, std::span<const int> v);  // array param: -23300-id=n,v0,v1,...

  void put_raw(std::span<const float> v);           // plain fp32 array
  void put_tagged_fp32(std::span<const float> v);   // tag 0 + fp32
  void put_tagged_fp16(std::span<const float> v);   // fp16 tag + ncnn-style fp16, padded to 4 bytes
  void put_tagged_int8(std::span<const int8_t> v);  // int8 tag + int8, padded to 4 bytes

  // "%-24s %-24s %d %d bottoms... tops... params..." (the layout ncnn's tools write).
  std::string line() const;
};

}  // namespace qd::ncnn
