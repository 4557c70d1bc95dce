// Images in memory (interleaved RGB8), decoding from JPEG/PNG/BMP, resizing, PNG output and text drawing
// for result pictures. Every failure is a qd::Error naming the file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace qd {

// Interleaved 8-bit RGB, row-major: pixel (x, y) channel c is rgb[(y * width + x) * 3 + c].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;

  Image() = default;
  Image(int w, int h) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3, 0) {}
  uint8_t* pixel(int x, int y) { return &rgb[(static_cast<size_t>(y) * width + x) * 3]; }
  const uint8_t* pixel(int x, int y) const { return &rgb[(static_cast<size_t>(y) * width + x) * 3]; }
};

// A rectangle of an image (or of an image about to be computed), in pixels.
struct ImageWindow {
  int x = 0, y = 0, width = 0, height = 0;
};

// The part of a width x height output a resize computes: `window`, or all of it when window.width is 0.
// An internal error (naming `resizer`) when the window lies outside the output.
ImageWindow output_window(int width, int height, ImageWindow window, const char* resizer);

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

constexpr int64_t kDefaultMaxPixels = 64LL * 1024 * 1024;

// Whose image loader's conversions decoding reproduces. Both decode JPEG with libjpeg-turbo's defaults,
// replicate grayscale and drop alpha; they differ in:
//   pil: PIL's Image.open(...).convert("RGB") (torchvision's loader): EXIF orientation ignored, CMYK JPEG
//        converted with PIL's formula;
//   cv2: OpenCV's imdecode(IMREAD_COLOR) (mmcv.imfrombytes): EXIF orientation of a JPEG applied, CMYK JPEG
//        converted with OpenCV's formula.
enum class ImageLoader { pil, cv2 };

// Decodes a JPEG/PNG/BMP file to RGB8 (grayscale is replicated, alpha dropped). The header is checked
// against max_pixels before any pixel is decoded. Throws "<path>: <reason>" for a missing, empty, truncated,
// corrupt, non-image or too-large file.
Image decode_image(const std::string& path, int64_t max_pixels = kDefaultMaxPixels,
                   ImageLoader loader = ImageLoader::pil);

// Same, from bytes in memory; `context` names the source in error messages.
Image decode_image_bytes(const std::vector<uint8_t>& bytes, const std::string& context,
                         int64_t max_pixels = kDefaultMaxPixels, ImageLoader loader = ImageLoader::pil);

// Bilinear resize with half-pixel centres (align_corners = false, as OpenCV INTER_LINEAR and ncnn).
Image resize_bilinear(const Image& src, int width, int height);

// Each pixel becomes a factor x factor block (for enlarging 32x32 thumbnails in result pictures).
Image enlarge_nearest(const Image& src, int factor);

// Writes a PNG atomically (temporary file in the same folder, then rename). Throws on failure.
void save_png(const Image& image, const std::string& path);

// Path of the font used by draw_text (DejaVu Sans from Debian's fonts-dejavu-core).
constexpr const char* kDefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// Draws `text` (UTF-8; ASCII and Latin-1 glyphs) with its top-left corner at (x, y), alpha-blended, clipped
// to the image. Throws when the font file is missing or unreadable.
void draw_text(Image& image, int x, int y, const std::string& text, float pixel_height, Rgb color,
               const std::string& font_path = kDefaultFontPath);

}  // namespace qd
