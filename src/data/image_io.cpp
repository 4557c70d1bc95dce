// Image decoding (JPEG: libjpeg, see jpeg_decode.h; PNG/BMP: stb_image) and PNG output (stb_image_write).
// The stb implementations are compiled here with static linkage so that no other translation unit (ours or
// a test's) can collide with them.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/exif_orientation.h"
#include "data/image.h"
#include "data/jpeg_decode.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace qd {
namespace {

std::vector<uint8_t> read_whole_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail(path, std::string("cannot open image: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail(path, "is a directory, not an image file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open image: ") + std::strerror(errno));
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size())) fail(path, "read error");
  return bytes;
}

enum class ImageFormat { unknown, jpeg, png, bmp };

bool starts_with(const std::vector<uint8_t>& b, std::initializer_list<uint8_t> magic) {
  return b.size() >= magic.size() && std::equal(magic.begin(), magic.end(), b.begin());
}

ImageFormat detect_format(const std::vector<uint8_t>& b) {
  if (starts_with(b, {0xFF, 0xD8, 0xFF})) return ImageFormat::jpeg;
  if (starts_with(b, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) return ImageFormat::png;
  if (starts_with(b, {'B', 'M'})) return ImageFormat::bmp;
  return ImageFormat::unknown;
}

const char* format_name(ImageFormat f) {
  return f == ImageFormat::jpeg  ? "JPEG"
         : f == ImageFormat::png ? "PNG"
         : f == ImageFormat::bmp ? "BMP"
                                 : "?";
}

// stb_image decodes truncated files without complaint (missing data reads as zeros), so truncation is
// detected from the container: a PNG ends with an IEND chunk; a BMP is at least as long as the size in its
// header. Returns the reason, or "" when the file is whole.
std::string container_problem(const std::vector<uint8_t>& b) {
  const ImageFormat format = detect_format(b);
  if (format == ImageFormat::png) {
    static const uint8_t iend[] = {'I', 'E', 'N', 'D'};
    // IEND chunk = length(4) "IEND" crc(4): the type sits 8 bytes before the end.
    if (b.size() < 20 || !std::equal(iend, iend + 4, b.end() - 8)) return "truncated PNG (no IEND chunk)";
    return "";
  }
  if (format == ImageFormat::bmp && b.size() >= 6) {
    auto u32 = [&](size_t at) {
      return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
    };
    const uint32_t declared = u32(2);
    if (declared != 0 && b.size() < declared)
      return "truncated BMP (" + std::to_string(b.size()) + " of " + std::to_string(declared) + " bytes)";
    // The header's size field may itself be wrong (a 300-byte file declaring 459001x8 pixels was found by
    // fuzzing): uncompressed pixel rows must all be present, each padded to 4 bytes.
    if (b.size() >= 34 && u32(14) >= 40) {
      const uint32_t offset = u32(10), compression = u32(30);
      const int64_t width = static_cast<int32_t>(u32(18)), height = static_cast<int32_t>(u32(22));
      const int bpp = b[28] | (b[29] << 8);
      if ((compression == 0 || compression == 3) && width > 0 && bpp > 0 && bpp <= 32) {
        const uint64_t stride = (static_cast<uint64_t>(width) * bpp + 31) / 32 * 4;
        const uint64_t needed = offset + stride * static_cast<uint64_t>(height < 0 ? -height : height);
        if (b.size() < needed)
          return "truncated BMP (" + std::to_string(b.size()) + " bytes, its pixel rows need " +
                 std::to_string(needed) + ")";
      }
    }
  }
  return "";
}

// A zero-length IDAT chunk is legal PNG but makes stb_image call memcpy(NULL, ..., 0) (undefined behaviour,
// found by fuzz/image_decode_fuzz). It carries no data, so such chunks are dropped before stb sees the file.
// The chunk walk stops at the first chunk that does not fit; stb reports that corruption itself.
std::vector<uint8_t> without_empty_idat_chunks(const std::vector<uint8_t>& b) {
  std::vector<uint8_t> out(b.begin(), b.begin() + std::min<size_t>(b.size(), 8));
  size_t pos = 8;
  while (pos + 12 <= b.size()) {
    const uint32_t length =
        (static_cast<uint32_t>(b[pos]) << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3];
    const bool empty_idat = length == 0 && std::equal(b.begin() + pos + 4, b.begin() + pos + 8, "IDAT");
    const size_t chunk_end = pos + 12 + static_cast<size_t>(length);
    if (chunk_end > b.size()) break;
    if (!empty_idat) out.insert(out.end(), b.begin() + pos, b.begin() + chunk_end);
    pos = chunk_end;
  }
  out.insert(out.end(), b.begin() + std::min(pos, b.size()), b.end());
  return out;
}

}  // namespace

Image decode_image_bytes(const std::vector<uint8_t>& bytes, const std::string& context, int64_t max_pixels,
                         ImageLoader loader) {
  if (bytes.empty()) fail(context, "empty file (0 bytes), not an image");
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) fail(context, "file too large for the image decoder");
  const auto* data = bytes.data();
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, channels = 0;
  const ImageFormat format = detect_format(bytes);
  if (format == ImageFormat::unknown)
    fail(context, "not a JPEG, PNG or BMP image (unrecognised file header)");
  // JPEG goes to libjpeg, decoded exactly as the reference pipeline (PIL) decodes it; stb's JPEG decoder
  // differs in IDCT and chroma upsampling and is not compiled in.
  if (format == ImageFormat::jpeg) {
    Image img = decode_jpeg(data, bytes.size(), context, max_pixels, loader);
    if (loader != ImageLoader::cv2) return img;
    const int orientation = jpeg_exif_orientation(data, bytes.size());
    return orientation == 1 ? img : apply_exif_orientation(img, orientation);
  }
  // Header only: rejects oversize images before allocating any pixels. The format-specific readers keep
  // stb's reason (stbi_info tries every format and ends with a generic "unknown image type").
  stbi__context header;
  stbi__start_mem(&header, data, len);
  const int ok = format == ImageFormat::png ? stbi__png_info(&header, &w, &h, &channels)
                                            : stbi__bmp_info(&header, &w, &h, &channels);
  if (!ok) {
    const std::string reason = stbi_failure_reason() ? stbi_failure_reason() : "unknown";
    if (reason == "too large")
      fail(context, "image dimensions too large to decode (more than 1 GiB of pixels)");
    fail(context, std::string("corrupt ") + format_name(format) + " header (" + reason + ")");
  }
  // stb accepts a BMP of height 0 and returns an image without pixels (fuzz finding).
  if (w <= 0 || h <= 0) {
    fail(context, std::string("corrupt ") + format_name(format) + " header (" + std::to_string(w) + "x" +
                      std::to_string(h) + " pixels)");
  }
  const int64_t pixels = static_cast<int64_t>(w) * h;
  if (pixels > max_pixels) {
    fail(context, "image is " + std::to_string(w) + "x" + std::to_string(h) + " = " + std::to_string(pixels) +
                      " pixels, more than the limit of " + std::to_string(max_pixels));
  }
  // PNG/BMP completeness is checked after the header, which then names real corruption better.
  const std::string problem = container_problem(bytes);
  if (!problem.empty()) fail(context, problem);
  const std::vector<uint8_t> png_clean =
      format == ImageFormat::png ? without_empty_idat_chunks(bytes) : std::vector<uint8_t>();
  const uint8_t* stb_data = format == ImageFormat::png ? png_clean.data() : data;
  const int stb_len = format == ImageFormat::png ? static_cast<int>(png_clean.size()) : len;
  std::unique_ptr<uint8_t, void (*)(void*)> pixels_rgb(
      stbi_load_from_memory(stb_data, stb_len, &w, &h, &channels, 3), stbi_image_free);
  if (!pixels_rgb) fail(context, std::string("corrupt image (") + stbi_failure_reason() + ")");
  Image img;
  img.width = w;
  img.height = h;
  img.rgb.assign(pixels_rgb.get(), pixels_rgb.get() + static_cast<size_t>(w) * h * 3);
  return img;
}

Image decode_image(const std::string& path, int64_t max_pixels, ImageLoader loader) {
  return decode_image_bytes(read_whole_file(path), path, max_pixels, loader);
}

void save_png(const Image& image, const std::string& path) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3)
    fail(path, "cannot save an empty or inconsistent image");
  std::string png;
  auto append = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  if (!stbi_write_png_to_func(append, &png, image.width, image.height, 3, image.rgb.data(), image.width * 3))
    fail(path, "PNG encoding failed");
  write_file_atomic(path, png);
}

}  // namespace qd
