// JPEG decoding through libjpeg: pixels as PIL gives them, colour spaces, limits and damaged files. Test
// JPEGs are encoded here with libjpeg at quality 100 from flat 8x8 blocks, which decode back exactly (every
// block is a lone DC coefficient with quantisation step 1), so expected pixels follow from the input alone.
#include <gtest/gtest.h>
#include <jpeglib.h>

#include <cstdio>
#include <cstdlib>
#include <functional>

#include "core/error.h"
#include "data/image.h"
#include "data/test_files.h"
#include "data/user_error.h"

namespace qd {
namespace {

using test::TempDir;

const std::string kCifarAirplaneJpeg = test::kSharedDir + "/cifar10/test/airplane/0000.jpg";

using test::error_of;

Image decode(const std::string& bytes, int64_t max_pixels = kDefaultMaxPixels) {
  return decode_image_bytes(std::vector<uint8_t>(bytes.begin(), bytes.end()), "mem", max_pixels);
}

// Encodes interleaved pixels with libjpeg (default error handling: a failure here ends the test program).
std::string encode_jpeg(int w, int h, J_COLOR_SPACE space, int comps, const std::vector<uint8_t>& px,
                        const std::function<void(jpeg_compress_struct&)>& tweak = {}) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(w);
  c.image_height = static_cast<JDIMENSION>(h);
  c.input_components = comps;
  c.in_color_space = space;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, 100, TRUE);
  if (tweak) tweak(c);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(px.data()) + static_cast<size_t>(c.next_scanline) * w * comps;
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::string out(reinterpret_cast<char*>(buf), size);
  std::free(buf);
  return out;
}

// A 16x16 image of four flat 8x8 blocks; block b has the channel values blocks[b].
std::vector<uint8_t> four_blocks(const std::vector<std::vector<uint8_t>>& blocks) {
  const size_t comps = blocks[0].size();
  std::vector<uint8_t> px(16 * 16 * comps);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x)
      for (size_t c = 0; c < comps; ++c) px[(y * 16 + x) * comps + c] = blocks[(y / 8) * 2 + x / 8][c];
  return px;
}

TEST(DecodeJpeg, CifarImageMatchesPilPixelForPixel) {
  // Reference: Pillow 9.4.0 (Debian 12, libjpeg-turbo 2.1.5), Image.open(path).convert("RGB"): pixels at
  // (x, y) and the 64-bit FNV-1a hash of tobytes(). stb_image decodes this 4:2:0 file differently.
  const Image img = decode_image(kCifarAirplaneJpeg);
  ASSERT_EQ(img.width, 32);
  ASSERT_EQ(img.height, 32);
  auto px = [&](int x, int y) {
    const uint8_t* p = img.pixel(x, y);
    return std::vector<int>{p[0], p[1], p[2]};
  };
  EXPECT_EQ(px(0, 0), (std::vector<int>{141, 159, 179}));
  EXPECT_EQ(px(17, 9), (std::vector<int>{173, 162, 179}));
  EXPECT_EQ(px(5, 30), (std::vector<int>{72, 65, 59}));
  EXPECT_EQ(px(31, 31), (std::vector<int>{49, 72, 64}));
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (uint8_t b : img.rgb) hash = (hash ^ b) * 0x100000001b3ULL;
  EXPECT_EQ(hash, 0x3bfe2e1de1a04568ULL);
}

TEST(DecodeJpeg, GrayscaleIsReplicatedToRgb) {
  const std::string jpeg = encode_jpeg(16, 16, JCS_GRAYSCALE, 1, four_blocks({{0}, {77}, {200}, {255}}));
  const Image img = decode(jpeg);
  ASSERT_EQ(img.width, 16);
  ASSERT_EQ(img.height, 16);
  const uint8_t expected[4] = {0, 77, 200, 255};
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x)
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(img.pixel(x, y)[c], expected[(y / 8) * 2 + x / 8]) << x << "," << y;
}

TEST(DecodeJpeg, CmykIsReadAsAdobeInvertedLikePil) {
  // PIL reads every 4-component JPEG as Adobe's inverted CMYK (stored s = 255 - ink) and converts with
  // R = (255 - C)(255 - K) / 255 rounded, i.e. R = round(s_c * s_k / 255) in stored values.
  const std::vector<std::vector<uint8_t>> stored = {
      {255, 255, 255, 255}, {0, 0, 0, 255}, {255, 127, 0, 128}, {200, 100, 50, 30}};
  const std::string jpeg = encode_jpeg(16, 16, JCS_CMYK, 4, four_blocks(stored));
  const Image img = decode(jpeg);
  ASSERT_EQ(img.width, 16);
  const std::vector<std::vector<int>> expected = {
      {255, 255, 255},  // no ink: white
      {0, 0, 0},        // full C, M, Y, no K
      {128, 64, 0},     // 255*128/255, 127*128/255 = 63.75, 0
      {24, 12, 6},      // 200*30/255 = 23.5 -> 24, 100*30/255 = 11.8, 50*30/255 = 5.9
  };
  for (int b = 0; b < 4; ++b) {
    const uint8_t* p = img.pixel((b % 2) * 8 + 3, (b / 2) * 8 + 4);
    EXPECT_EQ((std::vector<int>{p[0], p[1], p[2]}), expected[b]) << "block " << b;
  }
}

TEST(DecodeJpeg, PixelLimitIsCheckedFromTheHeader) {
  const std::string jpeg = test::read_bytes(kCifarAirplaneJpeg);
  EXPECT_EQ(decode(jpeg, 1024).width, 32);
  EXPECT_NE(error_of([&] { decode(jpeg, 1023); }).find("32x32 = 1024 pixels, more than the limit of 1023"),
            std::string::npos);
  // The frame header claims 16000 x 16000: refused before any pixel (or 768 MB) is decoded.
  std::string huge = jpeg;
  const size_t sof = huge.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  const char big[2] = {0x3E, static_cast<char>(0x80)};  // 16000 big-endian
  huge.replace(sof + 5, 2, big, 2);                     // height
  huge.replace(sof + 7, 2, big, 2);                     // width
  const std::string msg = error_of([&] { decode(huge); });
  EXPECT_EQ(msg, "mem: image is 16000x16000 = 256000000 pixels, more than the limit of 67108864");
}

TEST(DecodeJpeg, MarkerInsideTheScanIsCorruptData) {
  // An end-of-image marker in the middle of the entropy-coded data: libjpeg would pad the rest with grey
  // (PIL shows that); we refuse the file.
  std::string jpeg = test::read_bytes(kCifarAirplaneJpeg);
  const size_t sos = jpeg.find("\xFF\xDA");
  ASSERT_NE(sos, std::string::npos);
  const size_t mid = (sos + jpeg.size()) / 2;
  jpeg.replace(mid, 2, "\xFF\xD9");
  const std::string msg = error_of([&] { decode(jpeg); });
  EXPECT_EQ(msg, "mem: corrupt JPEG (premature end of data segment)");
}

TEST(DecodeJpeg, ExtraneousBytesBeforeAMarkerAreHarmless) {
  // Junk between the scan and the end-of-image marker loses no pixel (libjpeg warns; PIL ignores it).
  const std::string jpeg = test::read_bytes(kCifarAirplaneJpeg);
  const std::string padded = jpeg.substr(0, jpeg.size() - 2) + "junk" + "\xFF\xD9";
  EXPECT_EQ(decode(padded).rgb, decode(jpeg).rgb);
}

TEST(DecodeJpeg, TooManyProgressiveScansAreRefused) {
  // A valid progressive gray JPEG with 1 DC scan + 63 coefficients x (first scan + 8 refinement scans).
  std::vector<jpeg_scan_info> scans;
  auto one = [](int ss, int se, int ah, int al) {
    jpeg_scan_info s{};
    s.comps_in_scan = 1;
    s.component_index[0] = 0;
    s.Ss = ss;
    s.Se = se;
    s.Ah = ah;
    s.Al = al;
    return s;
  };
  scans.push_back(one(0, 0, 0, 0));
  for (int k = 1; k < 64; ++k) {
    scans.push_back(one(k, k, 0, 8));
    for (int a = 7; a >= 0; --a) scans.push_back(one(k, k, a + 1, a));
  }
  ASSERT_EQ(scans.size(), 568u);
  std::vector<uint8_t> px(16 * 16);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 37);
  auto progressive = [&](size_t n) {
    return encode_jpeg(16, 16, JCS_GRAYSCALE, 1, px, [&](jpeg_compress_struct& c) {
      c.scan_info = scans.data();
      c.num_scans = static_cast<int>(n);
    });
  };
  const std::string ok = progressive(1 + 9 * 40);  // 361 scans: coefficients 41..63 are simply zero
  EXPECT_EQ(decode(ok).width, 16);
  const std::string msg = error_of([&] { decode(progressive(scans.size())); });
  EXPECT_EQ(msg, "mem: corrupt JPEG (more than 500 progressive scans)");
}

}  // namespace
}  // namespace qd
