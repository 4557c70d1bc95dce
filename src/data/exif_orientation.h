// EXIF orientation of a JPEG (internal to src/data): the tag OpenCV's imdecode applies and PIL's plain
// open/convert ignores.
#pragma once
#include <cstddef>
#include <cstdint>

#include "data/image.h"

namespace qd {

// The Orientation tag (0x0112) of IFD0 in the file's first APP1 "Exif" segment: 1..8, or 1 when absent or
// unreadable (a damaged EXIF block is not an image error: the pixels are still there). Bounds-checked.
int jpeg_exif_orientation(const uint8_t* data, size_t size);

// Applies EXIF orientation 2..8 (mirror and/or rotate so the image displays upright); 1 returns a copy.
Image apply_exif_orientation(const Image& src, int orientation);

}  // namespace qd
