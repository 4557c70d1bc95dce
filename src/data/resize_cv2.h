// Resizing exactly as OpenCV 4.x cv::resize does it on 8-bit images (internal to src/data): what mmcls's
// ResizeEdge/Resize (backend "cv2") applies. Bilinear is INTER_LINEAR's fixed-point path (11-bit weights,
// horizontal pass kept in int32, vertical pass with OpenCV's vectorised rounding on 16-byte blocks and its
// scalar rounding on the rest of each row); nearest is INTER_NEAREST. Bicubic is not reproduced (throws).
#pragma once
#include "data/image.h"
#include "data/preprocess.h"

namespace qd {

// Resizes to width x height and returns the `window` of the result (default: all of it), computing only it.
Image resize_cv2(const Image& src, int width, int height, Interpolation interpolation,
                 ImageWindow window = {});

}  // namespace qd
