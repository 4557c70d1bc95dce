#include "data/jpeg_check.h"

#include <algorithm>
#include <cstddef>

namespace qd {
namespace {

constexpr uint8_t kSOI = 0xD8, kEOI = 0xD9, kSOS = 0xDA, kDHT = 0xC4, kTEM = 0x01;
constexpr int kMaxHuffmanCodes = 256;

bool is_restart(uint8_t m) { return m >= 0xD0 && m <= 0xD7; }

// Checks the tables of the DHT segment whose payload starts at `pos` with `remaining` declared bytes. Mirrors
// stb_image: it reads whole tables (1 class/id byte, 16 code counts, then that many symbols) while any
// declared byte is left, even past the segment's end, and reads zeros past the end of the file.
std::string check_dht(const uint8_t* data, size_t size, size_t pos, std::ptrdiff_t remaining) {
  auto byte_at = [&](size_t k) -> int { return k < size ? data[k] : 0; };
  while (remaining > 0) {
    int codes = 0;
    for (size_t i = 1; i <= 16; ++i) codes += byte_at(pos + i);
    if (codes > kMaxHuffmanCodes)
      return "corrupt JPEG (Huffman table with " + std::to_string(codes) + " codes, at most 256 allowed)";
    pos += 17 + codes;
    remaining -= 17 + codes;
  }
  return "";
}

}  // namespace

std::string jpeg_structure_problem(const uint8_t* data, size_t size) {
  bool seen_scan = false;
  size_t i = 2;  // after SOI
  while (i + 1 < size) {
    if (data[i] != 0xFF) {  // entropy-coded data of a scan (or junk a decoder would skip)
      ++i;
      continue;
    }
    const uint8_t m = data[i + 1];
    if (m == 0xFF) {  // fill byte before a marker
      ++i;
      continue;
    }
    if (m == 0x00 || is_restart(m) || m == kTEM || m == kSOI) {  // stuffed 0xFF or a marker without payload
      i += 2;
      continue;
    }
    if (m == kEOI) return seen_scan ? "" : "corrupt JPEG (end of image before any image data)";
    if (i + 4 > size) break;
    const size_t length = (static_cast<size_t>(data[i + 2]) << 8) | data[i + 3];  // includes its own 2 bytes
    const size_t payload = i + 4;
    const size_t next = i + 2 + length;
    if (m == kDHT) {
      const std::string problem = check_dht(data, size, payload, static_cast<std::ptrdiff_t>(length) - 2);
      if (!problem.empty()) return problem;
    }
    if (m == kSOS) seen_scan = true;
    i = std::max(next, payload);  // skip the segment's payload (APP/COM payloads may hold any bytes)
  }
  return seen_scan ? "truncated JPEG (no end-of-image marker)" : "truncated JPEG (no image data)";
}

}  // namespace qd
