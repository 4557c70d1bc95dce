#include "data/exif_orientation.h"

#include <gtest/gtest.h>

#include <vector>

namespace qd {
namespace {

// SOI, APP1 "Exif" with a TIFF header and one IFD0 entry (Orientation, SHORT, 1 value), then SOS.
std::vector<uint8_t> jpeg_with_orientation(int orientation, bool little_endian) {
  std::vector<uint8_t> tiff;
  auto u16 = [&](int v) {
    tiff.push_back(static_cast<uint8_t>(little_endian ? v : v >> 8));
    tiff.push_back(static_cast<uint8_t>(little_endian ? v >> 8 : v));
  };
  auto u32 = [&](int v) {
    if (little_endian) {
      u16(v & 0xFFFF);
      u16(v >> 16);
    } else {
      u16(v >> 16);
      u16(v & 0xFFFF);
    }
  };
  tiff.push_back(little_endian ? 'I' : 'M');
  tiff.push_back(little_endian ? 'I' : 'M');
  u16(42);
  u32(8);  // IFD0 right after the header
  u16(1);  // one entry
  u16(0x0112);
  u16(3);
  u32(1);
  u16(orientation);
  u16(0);
  u32(0);  // no next IFD
  const size_t len = 2 + 6 + tiff.size();
  std::vector<uint8_t> out = {0xFF,
                              0xD8,
                              0xFF,
                              0xE0,
                              0x00,
                              0x04,
                              0x00,
                              0x00,  // SOI, empty APP0
                              0xFF,
                              0xE1,
                              static_cast<uint8_t>(len >> 8),
                              static_cast<uint8_t>(len),
                              'E',
                              'x',
                              'i',
                              'f',
                              0,
                              0};
  for (uint8_t b : tiff) out.push_back(b);
  for (uint8_t b : {0xFF, 0xDA, 0x00, 0x02}) out.push_back(b);
  return out;
}

TEST(ExifOrientation, ReadsTagInBothByteOrders) {
  for (int o = 1; o <= 8; ++o) {
    const auto le = jpeg_with_orientation(o, true), be = jpeg_with_orientation(o, false);
    EXPECT_EQ(jpeg_exif_orientation(le.data(), le.size()), o);
    EXPECT_EQ(jpeg_exif_orientation(be.data(), be.size()), o);
  }
}

TEST(ExifOrientation, AbsentDamagedOrOutOfRangeIsOne) {
  const std::vector<uint8_t> no_exif = {0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02};
  EXPECT_EQ(jpeg_exif_orientation(no_exif.data(), no_exif.size()), 1);
  auto bad = jpeg_with_orientation(9, true);
  EXPECT_EQ(jpeg_exif_orientation(bad.data(), bad.size()), 1);
  auto good = jpeg_with_orientation(6, true);
  for (size_t cut = 0; cut < good.size() - 4; ++cut)  // every truncation: no read past the end, answer 1
    EXPECT_EQ(jpeg_exif_orientation(good.data(), cut), 1) << cut;
}

TEST(ExifOrientation, RotatesAndMirrors) {
  // 3x2 image, pixel value = 10 * y + x in channel 0:  0  1  2 / 10 11 12
  Image img(3, 2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) img.pixel(x, y)[0] = static_cast<uint8_t>(10 * y + x);
  auto rows = [](const Image& im) {
    std::vector<std::vector<int>> r(im.height);
    for (int y = 0; y < im.height; ++y)
      for (int x = 0; x < im.width; ++x) r[y].push_back(im.pixel(x, y)[0]);
    return r;
  };
  using R = std::vector<std::vector<int>>;
  EXPECT_EQ(rows(apply_exif_orientation(img, 1)), (R{{0, 1, 2}, {10, 11, 12}}));
  EXPECT_EQ(rows(apply_exif_orientation(img, 2)), (R{{2, 1, 0}, {12, 11, 10}}));
  EXPECT_EQ(rows(apply_exif_orientation(img, 3)), (R{{12, 11, 10}, {2, 1, 0}}));
  EXPECT_EQ(rows(apply_exif_orientation(img, 4)), (R{{10, 11, 12}, {0, 1, 2}}));
  EXPECT_EQ(rows(apply_exif_orientation(img, 5)), (R{{0, 10}, {1, 11}, {2, 12}}));
  EXPECT_EQ(rows(apply_exif_orientation(img, 6)), (R{{10, 0}, {11, 1}, {12, 2}}));  // 90 clockwise
  EXPECT_EQ(rows(apply_exif_orientation(img, 7)), (R{{12, 2}, {11, 1}, {10, 0}}));
  EXPECT_EQ(rows(apply_exif_orientation(img, 8)), (R{{2, 12}, {1, 11}, {0, 10}}));  // 90 counter-clockwise
}

}  // namespace
}  // namespace qd
