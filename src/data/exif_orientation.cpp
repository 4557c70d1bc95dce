#include "data/exif_orientation.h"

#include <algorithm>
#include <cstring>

namespace qd {
namespace {

// Orientation from a TIFF block (the APP1 payload after "Exif\0\0"), or 1.
int tiff_orientation(const uint8_t* t, size_t n) {
  if (n < 8) return 1;
  const bool little = t[0] == 'I' && t[1] == 'I';
  if (!little && !(t[0] == 'M' && t[1] == 'M')) return 1;
  const auto u16 = [&](size_t at) -> uint32_t {
    return little ? t[at] | (t[at + 1] << 8) : (t[at] << 8) | t[at + 1];
  };
  const auto u32 = [&](size_t at) -> uint32_t {
    return little ? u16(at) | (u16(at + 2) << 16) : (u16(at) << 16) | u16(at + 2);
  };
  const uint32_t ifd = u32(4);
  if (ifd > n - 2) return 1;
  const uint32_t entries = u16(ifd);
  for (uint32_t e = 0; e < entries; ++e) {
    const size_t at = ifd + 2 + static_cast<size_t>(e) * 12;
    if (at + 12 > n) return 1;
    if (u16(at) != 0x0112) continue;
    if (u16(at + 2) != 3 /* SHORT */) return 1;
    const uint32_t v = u16(at + 8);
    return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
  }
  return 1;
}

}  // namespace

int jpeg_exif_orientation(const uint8_t* data, size_t size) {
  size_t pos = 2;  // after SOI
  while (pos + 4 <= size && data[pos] == 0xFF) {
    const uint8_t marker = data[pos + 1];
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {  // no length field
      pos += 2;
      continue;
    }
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return 1;  // start of scan: no EXIF before the image data
    const size_t len = (data[pos + 2] << 8) | data[pos + 3];
    if (len < 2 || pos + 2 + len > size) return 1;
    const uint8_t* payload = data + pos + 4;
    const size_t payload_len = len - 2;
    if (marker == 0xE1 && payload_len >= 6 && std::memcmp(payload, "Exif\0\0", 6) == 0)
      return tiff_orientation(payload + 6, payload_len - 6);
    pos += 2 + len;
  }
  return 1;
}

Image apply_exif_orientation(const Image& src, int orientation) {
  if (orientation < 2 || orientation > 8) return src;
  const bool swap = orientation >= 5;  // 5..8 exchange width and height
  Image dst(swap ? src.height : src.width, swap ? src.width : src.height);
  const int W = src.width, H = src.height;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      int dx = x, dy = y;
      switch (orientation) {
        case 2:
          dx = W - 1 - x;
          break;  // mirror horizontally
        case 3:
          dx = W - 1 - x, dy = H - 1 - y;
          break;  // rotate 180
        case 4:
          dy = H - 1 - y;
          break;  // mirror vertically
        case 5:
          dx = y, dy = x;
          break;  // transpose
        case 6:
          dx = H - 1 - y, dy = x;
          break;  // rotate 90 clockwise
        case 7:
          dx = H - 1 - y, dy = W - 1 - x;
          break;  // transverse
        case 8:
          dx = y, dy = W - 1 - x;
          break;  // rotate 90 counter-clockwise
      }
      std::copy_n(src.pixel(x, y), 3, dst.pixel(dx, dy));
    }
  return dst;
}

}  // namespace qd
