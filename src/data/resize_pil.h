// Resizing exactly as Pillow's Image.resize does it on 8-bit RGB (internal to src/data): what torchvision's
// Resize applies to PIL images. Bilinear and bicubic are Pillow's antialiased separable convolution
// (libImaging/Resample.c: double-precision taps normalised to 22-bit fixed point, horizontal pass first,
// each pass rounded to uint8); nearest is Pillow's affine nearest-neighbour scaling.
#pragma once
#include "data/image.h"
#include "data/preprocess.h"

namespace qd {

// Resizes to width x height and returns the `window` of the result (default: all of it); computing only a
// crop's window gives the same pixels as resizing everything and cropping.
Image resize_pil(const Image& src, int width, int height, Interpolation interpolation,
                 ImageWindow window = {});

}  // namespace qd
