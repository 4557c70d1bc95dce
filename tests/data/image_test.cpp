#include "data/image.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "data/test_files.h"
#include "data/user_error.h"

namespace qd {
namespace {

using test::error_of;
using test::TempDir;

const std::string kCifarJpeg = test::kSharedDir + "/cifar10/test/airplane/0000.jpg";

TEST(DecodeImage, SharedCifarJpegIs32x32Rgb) {
  const Image img = decode_image(kCifarJpeg);
  EXPECT_EQ(img.width, 32);
  EXPECT_EQ(img.height, 32);
  ASSERT_EQ(img.rgb.size(), 32u * 32u * 3u);
  // A photo is not a flat colour: some pixels must differ.
  bool varies = false;
  for (size_t i = 3; i < img.rgb.size(); ++i) varies |= img.rgb[i] != img.rgb[i % 3];
  EXPECT_TRUE(varies);
}

TEST(DecodeImage, RgbPngRoundTripsExactly) {
  TempDir dir;
  std::vector<uint8_t> px = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90};  // 3x2
  test::write_png(dir / "rgb.png", 3, 2, 3, px);
  const Image img = decode_image(dir / "rgb.png");
  EXPECT_EQ(img.width, 3);
  EXPECT_EQ(img.height, 2);
  EXPECT_EQ(img.rgb, px);
  EXPECT_EQ(img.pixel(0, 1)[0], 10);  // row 1 starts with (10, 20, 30)
}

TEST(DecodeImage, AlphaIsDroppedKeepingColour) {
  TempDir dir;
  std::vector<uint8_t> rgba = {10, 20, 30, 0, 40, 50, 60, 128, 70, 80, 90, 255};  // 3x1, alpha varies
  test::write_png(dir / "alpha.png", 3, 1, 4, rgba);
  const Image img = decode_image(dir / "alpha.png");
  EXPECT_EQ(img.rgb, (std::vector<uint8_t>{10, 20, 30, 40, 50, 60, 70, 80, 90}));
}

TEST(DecodeImage, GrayscaleIsReplicatedToRgb) {
  TempDir dir;
  test::write_png(dir / "gray.png", 2, 2, 1, {0, 77, 200, 255});
  const Image img = decode_image(dir / "gray.png");
  ASSERT_EQ(img.width, 2);
  EXPECT_EQ(img.rgb, (std::vector<uint8_t>{0, 0, 0, 77, 77, 77, 200, 200, 200, 255, 255, 255}));
  test::write_png(dir / "gray_alpha.png", 1, 1, 2, {99, 3});
  EXPECT_EQ(decode_image(dir / "gray_alpha.png").rgb, (std::vector<uint8_t>{99, 99, 99}));
}

TEST(DecodeImage, BmpRoundTrips) {
  TempDir dir;
  std::vector<uint8_t> px = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(stbi_write_bmp((dir / "x.bmp").c_str(), 2, 1, 3, px.data()));
  EXPECT_EQ(decode_image(dir / "x.bmp").rgb, px);
}

TEST(DecodeImage, MissingFileNamesPath) {
  const std::string msg = error_of([] { decode_image("/nonexistent/dir/a.jpg"); });
  EXPECT_NE(msg.find("/nonexistent/dir/a.jpg: cannot open image"), std::string::npos) << msg;
}

TEST(DecodeImage, ZeroByteFile) {
  TempDir dir;
  test::write_bytes(dir / "empty.jpg", "");
  const std::string msg = error_of([&] { decode_image(dir / "empty.jpg"); });
  EXPECT_NE(msg.find(dir / "empty.jpg"), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty file (0 bytes)"), std::string::npos) << msg;
}

TEST(DecodeImage, NotAnImage) {
  TempDir dir;
  test::write_bytes(dir / "notes.jpg", "this is plain text, not a picture\n");
  std::string msg = error_of([&] { decode_image(dir / "notes.jpg"); });
  EXPECT_NE(msg.find("not a JPEG, PNG or BMP image"), std::string::npos) << msg;
  // Right signature, garbage after it.
  test::write_bytes(dir / "bad.png", std::string("\x89PNG\r\n\x1a\n") + "garbage garbage garbage");
  msg = error_of([&] { decode_image(dir / "bad.png"); });
  EXPECT_NE(msg.find("corrupt PNG header"), std::string::npos) << msg;
}

TEST(DecodeImage, TruncatedJpegAndPng) {
  TempDir dir;
  const std::string jpeg = test::read_bytes(kCifarJpeg);
  ASSERT_GT(jpeg.size(), 200u);
  test::write_bytes(dir / "half.jpg", jpeg.substr(0, jpeg.size() * 2 / 3));
  std::string msg = error_of([&] { decode_image(dir / "half.jpg"); });
  EXPECT_EQ(msg, dir / "half.jpg" + ": truncated JPEG (premature end of data)");
  // Every pixel present, only the end-of-image marker missing: still truncated.
  ASSERT_EQ(jpeg.substr(jpeg.size() - 2), "\xFF\xD9");
  test::write_bytes(dir / "no_eoi.jpg", jpeg.substr(0, jpeg.size() - 2));
  msg = error_of([&] { decode_image(dir / "no_eoi.jpg"); });
  EXPECT_EQ(msg, dir / "no_eoi.jpg" + ": truncated JPEG (premature end of data)");

  std::vector<uint8_t> px(16 * 16 * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 7);
  test::write_png(dir / "full.png", 16, 16, 3, px);
  const std::string png = test::read_bytes(dir / "full.png");
  test::write_bytes(dir / "cut.png", png.substr(0, png.size() - 30));
  msg = error_of([&] { decode_image(dir / "cut.png"); });
  EXPECT_NE(msg.find("truncated PNG"), std::string::npos) << msg;
}

TEST(DecodeImage, PixelLimitIsCheckedBeforeDecoding) {
  TempDir dir;
  test::write_png(dir / "10x10.png", 10, 10, 3, std::vector<uint8_t>(300, 5));
  const std::string msg = error_of([&] { decode_image(dir / "10x10.png", 99); });
  EXPECT_NE(msg.find("10x10 = 100 pixels, more than the limit of 99"), std::string::npos) << msg;
  EXPECT_EQ(decode_image(dir / "10x10.png", 100).width, 10);

  // A header claiming 16000 x 16000 pixels (768 MB decoded) must be refused from the header alone.
  std::string png = test::read_bytes(dir / "10x10.png");
  const char big[4] = {0x00, 0x00, 0x3E, static_cast<char>(0x80)};  // 16000 big-endian
  png.replace(16, 4, big, 4);                                       // IHDR width
  png.replace(20, 4, big, 4);                                       // IHDR height
  test::write_bytes(dir / "huge.png", png);
  const std::string huge = error_of([&] { decode_image(dir / "huge.png"); });
  EXPECT_NE(huge.find("16000x16000 = 256000000 pixels"), std::string::npos) << huge;
  EXPECT_NE(huge.find("more than the limit"), std::string::npos) << huge;

  // Beyond what the decoder can address at all: a clear message, not "unknown image type".
  const char giant[4] = {0x00, 0x01, static_cast<char>(0x86), static_cast<char>(0xA0)};  // 100000
  png.replace(16, 4, giant, 4);
  png.replace(20, 4, giant, 4);
  test::write_bytes(dir / "giant.png", png);
  const std::string giant_msg = error_of([&] { decode_image(dir / "giant.png"); });
  EXPECT_NE(giant_msg.find("too large to decode"), std::string::npos) << giant_msg;
}

TEST(DecodeImage, OversizedHuffmanTableIsACorruptJpeg) {
  // A DHT segment defining more than 256 codes (once an stb_image buffer overrun) is corrupt data.
  TempDir dir;
  std::string jpeg = test::read_bytes(kCifarJpeg);
  const size_t dht = jpeg.find("\xFF\xC4");
  ASSERT_NE(dht, std::string::npos);
  for (int i = 0; i < 16; ++i) jpeg[dht + 5 + i] = static_cast<char>(0x20);  // 16 x 32 = 512 codes
  test::write_bytes(dir / "bad_dht.jpg", jpeg);
  const std::string msg = error_of([&] { decode_image(dir / "bad_dht.jpg"); });
  EXPECT_EQ(msg.rfind(dir / "bad_dht.jpg: corrupt JPEG (", 0), 0u) << msg;
}

TEST(DecodeImage, BmpWithMissingPixelRowsIsTruncatedEvenWhenItsSizeFieldIsZero) {
  // stb_image reads missing BMP rows as zeros; a fuzzed 300-byte file declared 459001x8 pixels that way.
  TempDir dir;
  std::vector<uint8_t> px(16 * 16 * 3, 9);
  ASSERT_TRUE(stbi_write_bmp((dir / "whole.bmp").c_str(), 16, 16, 3, px.data()));
  std::string bmp = test::read_bytes(dir / "whole.bmp");
  EXPECT_EQ(decode_image(dir / "whole.bmp").rgb, px);
  bmp.replace(2, 4, std::string(4, '\0'));  // file size field 0 = "unknown", as some writers leave it
  test::write_bytes(dir / "size0.bmp", bmp);
  EXPECT_EQ(decode_image(dir / "size0.bmp").rgb, px);
  test::write_bytes(dir / "cut.bmp", bmp.substr(0, bmp.size() - 48));  // one of 16 rows (48 bytes) missing
  const std::string msg = error_of([&] { decode_image(dir / "cut.bmp"); });
  EXPECT_NE(msg.find("truncated BMP"), std::string::npos) << msg;
}

TEST(DecodeImage, BmpOfHeightZeroIsACorruptHeader) {
  // Fuzz finding: stb_image decoded this 8x0 BMP (24-bit, pixel data at 54) to an image without pixels.
  TempDir dir;
  std::string bmp(54 + 32, '\0');
  const auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) bmp[at + i] = static_cast<char>(v >> (8 * i));
  };
  bmp[0] = 'B';
  bmp[1] = 'M';
  put32(2, static_cast<uint32_t>(bmp.size()));
  put32(10, 54);  // pixel data offset
  put32(14, 40);  // BITMAPINFOHEADER
  put32(18, 8);   // width
  put32(22, 0);   // height
  bmp[26] = 1;    // planes
  bmp[28] = 24;   // bits per pixel
  test::write_bytes(dir / "h0.bmp", bmp);
  const std::string msg = error_of([&] { decode_image(dir / "h0.bmp"); });
  EXPECT_NE(msg.find("corrupt BMP header (8x0 pixels)"), std::string::npos) << msg;
}

TEST(DecodeImage, PngAndJpegDeclaringZeroPixelsAreCorruptHeaders) {
  TempDir dir;
  test::write_png(dir / "ok.png", 4, 4, 3, std::vector<uint8_t>(4 * 4 * 3, 9));
  std::string png = test::read_bytes(dir / "ok.png");
  ASSERT_EQ(png.substr(12, 4), "IHDR");
  png.replace(16, 4, std::string(4, '\0'));  // IHDR width = 0
  test::write_bytes(dir / "w0.png", png);
  std::string msg = error_of([&] { decode_image(dir / "w0.png"); });
  EXPECT_EQ(msg, dir / "w0.png" + ": corrupt PNG header (0-pixel image)");

  // SOF0 of the CIFAR JPEG: FF C0, length (2), precision (1), height (2), width (2).
  const std::string jpeg = test::read_bytes(kCifarJpeg);
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  ASSERT_EQ(jpeg.substr(sof + 5, 4), std::string("\0\x20\0\x20", 4));  // 32x32
  for (const size_t at : {sof + 5, sof + 7}) {                         // height 0, then width 0
    std::string zero = jpeg;
    zero.replace(at, 2, std::string(2, '\0'));
    test::write_bytes(dir / "zero.jpg", zero);
    msg = error_of([&] { decode_image(dir / "zero.jpg"); });
    EXPECT_EQ(msg.find(dir / "zero.jpg" + ": "), 0u) << msg;
    EXPECT_NE(msg.find("JPEG"), std::string::npos) << msg;
    EXPECT_NE(msg.find("Empty JPEG image"), std::string::npos) << msg;  // libjpeg's reason
  }
}

TEST(DecodeImage, EmptyIdatChunkDecodesLikeTheOriginal) {
  // Legal PNG that made stb_image call memcpy(NULL, ..., 0) (fuzz finding; UBSan flags it under
  // QDEPLOY_SANITIZE): a zero-length IDAT chunk placed before the real one.
  TempDir dir;
  std::vector<uint8_t> px(4 * 3 * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 11);
  test::write_png(dir / "plain.png", 4, 3, 3, px);
  std::string png = test::read_bytes(dir / "plain.png");
  const size_t idat = png.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  // length 0, type IDAT, CRC-32 of "IDAT" (0x35AF061E), inserted before the real chunk's length field.
  png.insert(idat - 4, std::string("\0\0\0\0IDAT\x35\xAF\x06\x1E", 12));
  test::write_bytes(dir / "empty_idat.png", png);
  const Image img = decode_image(dir / "empty_idat.png");
  EXPECT_EQ(img.width, 4);
  EXPECT_EQ(img.height, 3);
  EXPECT_EQ(img.rgb, px);
}

TEST(DecodeImage, DamagedBytesGiveAnImageOrAUserErrorNeverACrash) {
  // Deterministic byte damage on a real JPEG and a PNG; run under QDEPLOY_SANITIZE to catch memory errors.
  TempDir dir;
  test::write_png(dir / "p.png", 8, 8, 3, std::vector<uint8_t>(192, 77));
  for (const std::string& original : {test::read_bytes(kCifarJpeg), test::read_bytes(dir / "p.png")}) {
    uint64_t state = 12345;
    for (int round = 0; round < 200; ++round) {
      std::string bytes = original;
      for (int k = 0; k < 1 + round % 8; ++k) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        bytes[(state >> 33) % bytes.size()] = static_cast<char>(state >> 25);
      }
      try {
        const Image img = decode_image_bytes(std::vector<uint8_t>(bytes.begin(), bytes.end()), "damaged");
        EXPECT_EQ(img.rgb.size(), static_cast<size_t>(img.width) * img.height * 3);
      } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::user);
        EXPECT_EQ(std::string(e.what()).rfind("damaged: ", 0), 0u) << e.what();
      }
    }
  }
}

TEST(ResizeBilinear, ConstantImageStaysConstant) {
  Image src(7, 5);
  for (size_t i = 0; i < src.rgb.size(); i += 3) {
    src.rgb[i] = 12;
    src.rgb[i + 1] = 200;
    src.rgb[i + 2] = 99;
  }
  for (auto [w, h] : {std::pair{32, 32}, std::pair{3, 2}, std::pair{13, 9}}) {
    const Image dst = resize_bilinear(src, w, h);
    ASSERT_EQ(dst.width, w);
    ASSERT_EQ(dst.height, h);
    for (size_t i = 0; i < dst.rgb.size(); i += 3) {
      ASSERT_EQ(dst.rgb[i], 12);
      ASSERT_EQ(dst.rgb[i + 1], 200);
      ASSERT_EQ(dst.rgb[i + 2], 99);
    }
  }
}

TEST(ResizeBilinear, HalfPixelCentresByHand) {
  // 2x1 -> 4x1: output centres map to source x = -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
  Image src(2, 1);
  src.rgb = {0, 0, 0, 100, 200, 40};
  const Image dst = resize_bilinear(src, 4, 1);
  EXPECT_EQ(dst.rgb, (std::vector<uint8_t>{0, 0, 0, 25, 50, 10, 75, 150, 30, 100, 200, 40}));
}

TEST(EnlargeNearest, EachPixelBecomesABlock) {
  Image src(2, 1);
  src.rgb = {1, 2, 3, 4, 5, 6};
  const Image dst = enlarge_nearest(src, 3);
  ASSERT_EQ(dst.width, 6);
  ASSERT_EQ(dst.height, 3);
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 6; ++x) EXPECT_EQ(dst.pixel(x, y)[0], x < 3 ? 1 : 4) << x << "," << y;
}

TEST(SavePng, RoundTripsAndLeavesNoTemporaryFile) {
  TempDir dir;
  Image img(4, 3);
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = static_cast<uint8_t>(i * 5);
  save_png(img, dir / "out.png");
  const Image back = decode_image(dir / "out.png");
  EXPECT_EQ(back.rgb, img.rgb);
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.str())) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  const std::string msg = error_of([&] { save_png(img, dir / "no/such/folder/out.png"); });
  EXPECT_NE(msg.find("cannot create file"), std::string::npos) << msg;
}

TEST(DrawText, MarksPixelsNearTheTextOnly) {
  Image img(80, 40);
  draw_text(img, 5, 5, "Hi", 20.0f, Rgb{255, 255, 255});
  int lit_inside = 0, lit_outside = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const bool lit = img.pixel(x, y)[0] > 0;
      const bool inside = x >= 5 && x < 40 && y >= 5 && y < 30;  // "Hi" at 20 px is about 25 x 15 px
      (inside ? lit_inside : lit_outside) += lit;
    }
  EXPECT_GT(lit_inside, 40);
  EXPECT_EQ(lit_outside, 0);
  // Red text only writes the red channel on black.
  Image red(40, 30);
  draw_text(red, 0, 0, "A", 20.0f, Rgb{255, 0, 0});
  int red_pixels = 0;
  for (size_t i = 0; i < red.rgb.size(); i += 3) {
    red_pixels += red.rgb[i] > 0;
    EXPECT_EQ(red.rgb[i + 1], 0);
  }
  EXPECT_GT(red_pixels, 10);
}

TEST(DrawText, MissingFontFailsClearly) {
  Image img(10, 10);
  const std::string msg = error_of([&] { draw_text(img, 0, 0, "x", 10, Rgb{}, "/no/font.ttf"); });
  EXPECT_NE(msg.find("/no/font.ttf: font file not found"), std::string::npos) << msg;
}

}  // namespace
}  // namespace qd
