// Text rendering for result pictures with stb_truetype (static linkage, see image_io.cpp for why).
#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>

#include "core/error.h"
#include "data/image.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#include <stb/stb_truetype.h>
#pragma GCC diagnostic pop

namespace qd {
namespace {

struct Font {
  std::vector<unsigned char> bytes;  // stbtt_fontinfo points into these
  stbtt_fontinfo info{};
};

// Fonts are loaded once per path and kept for the life of the process.
const Font& load_font(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Font>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(path);
  if (it != cache.end()) return *it->second;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "font file not found (install the Debian package fonts-dejavu-core)");
  auto font = std::make_unique<Font>();
  font->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (font->bytes.empty() ||
      !stbtt_InitFont(&font->info, font->bytes.data(), stbtt_GetFontOffsetForIndex(font->bytes.data(), 0)))
    fail(path, "not a TrueType font");
  return *cache.emplace(path, std::move(font)).first->second;
}

// Decodes UTF-8 to code points; malformed bytes become U+FFFD.
std::vector<int> utf8_codepoints(const std::string& s) {
  std::vector<int> out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    int cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

}  // namespace

void draw_text(Image& image, int x, int y, const std::string& text, float pixel_height, Rgb color,
               const std::string& font_path) {
  const Font& font = load_font(font_path);
  const float scale = stbtt_ScaleForPixelHeight(&font.info, pixel_height);
  int ascent = 0, descent = 0, line_gap = 0;
  stbtt_GetFontVMetrics(&font.info, &ascent, &descent, &line_gap);
  const int baseline = y + static_cast<int>(std::lround(ascent * scale));
  const uint8_t rgb[3] = {color.r, color.g, color.b};
  float pen_x = static_cast<float>(x);
  const std::vector<int> cps = utf8_codepoints(text);
  for (size_t i = 0; i < cps.size(); ++i) {
    int advance = 0, lsb = 0;
    stbtt_GetCodepointHMetrics(&font.info, cps[i], &advance, &lsb);
    int gw = 0, gh = 0, xoff = 0, yoff = 0;
    unsigned char* glyph = stbtt_GetCodepointBitmap(&font.info, scale, scale, cps[i], &gw, &gh, &xoff, &yoff);
    const int gx = static_cast<int>(std::lround(pen_x)) + xoff;
    const int gy = baseline + yoff;
    for (int row = 0; row < gh; ++row) {
      const int py = gy + row;
      if (py < 0 || py >= image.height) continue;
      for (int col = 0; col < gw; ++col) {
        const int px = gx + col;
        if (px < 0 || px >= image.width) continue;
        const int coverage = glyph[row * gw + col];
        if (coverage == 0) continue;
        uint8_t* d = image.pixel(px, py);
        for (int c = 0; c < 3; ++c)
          d[c] = static_cast<uint8_t>((rgb[c] * coverage + d[c] * (255 - coverage) + 127) / 255);
      }
    }
    stbtt_FreeBitmap(glyph, nullptr);
    pen_x += advance * scale;
    if (i + 1 < cps.size()) pen_x += stbtt_GetCodepointKernAdvance(&font.info, cps[i], cps[i + 1]) * scale;
  }
}

}  // namespace qd
