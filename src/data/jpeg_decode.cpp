// libjpeg reports errors through a callback that must not return. It longjmps back into one of the two
// small "phase" functions below, which hold no C++ objects at all (a longjmp that skips a destructor is
// undefined behaviour), and which return false; the caller then throws. The decompressor itself lives in the
// caller's frame, which longjmp never crosses, so an RAII guard there can release it.
#include "data/jpeg_decode.h"

#include <csetjmp>
#include <cstdio>

#include "core/error.h"

// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>

namespace qd {
namespace {

// Progressive files can hold any number of scans, each a pass over the whole image; a hostile file with
// thousands of tiny scans would take minutes. libjpeg-turbo's own tools suggest a limit of 500.
constexpr int kMaxScans = 500;

struct ErrorManager {
  jpeg_error_mgr pub;  // first member: libjpeg only sees this part
  std::jmp_buf jump;
  bool truncated;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void jump_with_message(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

void on_error_exit(j_common_ptr cinfo) { jump_with_message(cinfo); }

// Warnings that leave every pixel as the encoder meant it; PIL ignores all warnings, we ignore only these.
bool is_harmless_warning(int code) {
  return code == JWRN_EXTRANEOUS_DATA || code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM ||
         code == JWRN_BOGUS_ICC;
}

// level -1 is a warning, 0 and up are trace messages. A warning that means lost or wrong pixels is an error:
// "premature end of JPEG file" is what PIL reports as "image file is truncated".
void on_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0 || is_harmless_warning(cinfo->err->msg_code)) return;
  reinterpret_cast<ErrorManager*>(cinfo->err)->truncated = cinfo->err->msg_code == JWRN_JPEG_EOF;
  jump_with_message(cinfo);
}

void on_output_message(j_common_ptr) {}  // never print (library code)

void on_progress(j_common_ptr cinfo) {
  auto* dinfo = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (dinfo->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof(err->message), "more than %d progressive scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

// Phase 1: header, then the output format PIL picks from the component count (1 -> L, 3 -> RGB,
// 4 -> CMYK). Sets output_width/height/components. Returns false on a libjpeg error.
bool read_header(j_decompress_ptr cinfo, ErrorManager* err, jpeg_progress_mgr* progress, const uint8_t* data,
                 size_t size) {
  if (setjmp(err->jump)) return false;
  jpeg_create_decompress(cinfo);
  cinfo->progress = progress;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  // PIL leaves dct_method (JDCT_ISLOW), do_fancy_upsampling and do_block_smoothing at libjpeg's defaults.
  cinfo->out_color_space = cinfo->num_components == 1   ? JCS_GRAYSCALE
                           : cinfo->num_components == 4 ? JCS_CMYK
                                                        : JCS_RGB;
  jpeg_calc_output_dimensions(cinfo);
  return true;
}

// Phase 2: all pixels into `out` (output_height rows of row_bytes), then the end-of-image marker.
bool read_pixels(j_decompress_ptr cinfo, ErrorManager* err, uint8_t* out, size_t row_bytes) {
  if (setjmp(err->jump)) return false;
  jpeg_start_decompress(cinfo);
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = out + cinfo->output_scanline * row_bytes;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

[[noreturn]] void fail_with(const std::string& context, const ErrorManager& err) {
  if (err.truncated) fail(context, "truncated JPEG (premature end of data)");
  std::string reason = err.message;
  const std::string redundant = "Corrupt JPEG data: ";  // libjpeg's prefix for data warnings
  if (reason.rfind(redundant, 0) == 0) reason.erase(0, redundant.size());
  fail(context, "corrupt JPEG (" + reason + ")");
}

// PIL's "CMYK;I" raw mode (it assumes Adobe's inverted CMYK for every 4-component JPEG), then its CMYK -> RGB
// conversion: channel = (255 - k) - (c * (255 - k)) / 255, the division rounded as MULDIV255 does.
void inverted_cmyk_to_rgb(const uint8_t* cmyk, size_t pixels, uint8_t* rgb) {
  for (size_t i = 0; i < pixels; ++i, cmyk += 4, rgb += 3) {
    const int nk = cmyk[3];  // 255 - k, k being the inverted stored value
    for (int c = 0; c < 3; ++c) {
      const int tmp = (255 - cmyk[c]) * nk + 128;
      const int v = nk - (((tmp >> 8) + tmp) >> 8);
      rgb[c] = static_cast<uint8_t>(v < 0 ? 0 : v);
    }
  }
}

// OpenCV's CMYK -> BGR on the stored (Adobe-inverted) values: channel = k - ((255 - c) * k >> 8).
void opencv_cmyk_to_rgb(const uint8_t* cmyk, size_t pixels, uint8_t* rgb) {
  for (size_t i = 0; i < pixels; ++i, cmyk += 4, rgb += 3) {
    const int k = cmyk[3];
    for (int c = 0; c < 3; ++c) rgb[c] = static_cast<uint8_t>(k - (((255 - cmyk[c]) * k) >> 8));
  }
}

}  // namespace

Image decode_jpeg(const uint8_t* data, size_t size, const std::string& context, int64_t max_pixels,
                  ImageLoader loader) {
  ErrorManager err{};
  jpeg_decompress_struct cinfo{};  // zeroed: destroying it is a no-op until jpeg_create_decompress ran
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error_exit;
  err.pub.emit_message = on_emit_message;
  err.pub.output_message = on_output_message;
  jpeg_progress_mgr progress{};
  progress.progress_monitor = on_progress;
  struct Release {
    jpeg_decompress_struct* cinfo;
    ~Release() { jpeg_destroy_decompress(cinfo); }
  } release{&cinfo};

  if (!read_header(&cinfo, &err, &progress, data, size)) fail_with(context, err);
  const int width = static_cast<int>(cinfo.output_width);
  const int height = static_cast<int>(cinfo.output_height);
  const int64_t pixels = static_cast<int64_t>(width) * height;
  if (pixels > max_pixels) {
    fail(context, "image is " + std::to_string(width) + "x" + std::to_string(height) + " = " +
                      std::to_string(pixels) + " pixels, more than the limit of " +
                      std::to_string(max_pixels));
  }
  const int components = cinfo.output_components;
  QD_CHECK(components == 1 || components == 3 || components == 4, "unexpected libjpeg output components");

  Image img;
  img.width = width;
  img.height = height;
  std::vector<uint8_t> raw(static_cast<size_t>(pixels) * components);
  if (!read_pixels(&cinfo, &err, raw.data(), static_cast<size_t>(width) * components))
    fail_with(context, err);
  if (components == 3) {
    img.rgb = std::move(raw);
  } else {
    img.rgb.resize(static_cast<size_t>(pixels) * 3);
    if (components == 1) {
      for (size_t i = 0; i < static_cast<size_t>(pixels); ++i)
        img.rgb[3 * i] = img.rgb[3 * i + 1] = img.rgb[3 * i + 2] = raw[i];
    } else if (loader == ImageLoader::cv2) {
      opencv_cmyk_to_rgb(raw.data(), static_cast<size_t>(pixels), img.rgb.data());
    } else {
      inverted_cmyk_to_rgb(raw.data(), static_cast<size_t>(pixels), img.rgb.data());
    }
  }
  return img;
}

}  // namespace qd
