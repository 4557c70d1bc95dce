// Structural JPEG check run before stb_image decodes a file (internal to src/data).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace qd {

// Walks the JPEG marker segments the way a decoder does and returns why the file must not be decoded, or ""
// when it looks sound:
//  - "truncated JPEG (...)": the data ends before the end-of-image marker (stb_image would silently decode
//    the missing part as grey);
//  - "corrupt JPEG (...)": a Huffman table defines more than 256 codes. stb_image 2.27 (Debian 12) writes
//    past its tables on such input, so it must never reach the decoder.
std::string jpeg_structure_problem(const uint8_t* data, size_t size);

}  // namespace qd
