// JPEG decoding with libjpeg(-turbo), set up exactly as PIL decodes (internal to src/data).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/image.h"

namespace qd {

// Decodes a JPEG held in memory to RGB8 the way PIL's Image.open(...).convert("RGB") does, so pixels match
// the PyTorch/mmcls reference pipeline bit for bit: libjpeg defaults (JDCT_ISLOW integer IDCT, fancy chroma
// upsampling, block smoothing), RGB output; grayscale is replicated; 4-component (CMYK/YCCK) files are read
// as Adobe-inverted CMYK and converted with PIL's formula (loader pil) or OpenCV's (loader cv2).
// Throws "<context>: <reason>" for a truncated file ("truncated JPEG (...)"), corrupt data that would lose
// pixels ("corrupt JPEG (...)"), more than max_pixels pixels (checked from the header, before decoding) or
// an unsupported colour space. Warnings that lose no pixels (extraneous bytes before a marker, unknown
// JFIF revision, bad ICC marker) are ignored, as PIL ignores them.
Image decode_jpeg(const uint8_t* data, size_t size, const std::string& context, int64_t max_pixels,
                  ImageLoader loader = ImageLoader::pil);

}  // namespace qd
