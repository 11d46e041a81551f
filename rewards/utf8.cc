#include "rewards/utf8.h"

#include <cstdint>
#include <cstring>

namespace rewards {
namespace {

constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length (1 to 4) of the valid UTF-8 sequence starting at s[i], or 0 when
// none starts there.
size_t SequenceAt(absl::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  unsigned char c = p[i];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (len > n - i) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[i + k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[i + k] & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // ASCII eight bytes at a time (most of a completion is).
    if (s.size() - i >= 8) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if ((word & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    size_t len = SequenceAt(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string CleanUtf8(absl::string_view s, size_t max_bytes, absl::string_view ellipsis) {
  if (s.size() <= max_bytes && IsValidUtf8(s)) return std::string(s);
  if (ellipsis.size() > max_bytes) ellipsis = "";
  std::string out;
  out.reserve(s.size() < max_bytes ? s.size() : max_bytes);
  size_t keep = 0;  // the longest prefix of `out` that leaves room for the ellipsis
  for (size_t i = 0; i < s.size();) {
    size_t len = SequenceAt(s, i);
    absl::string_view piece = len == 0 ? kReplacement : s.substr(i, len);
    i += len == 0 ? 1 : len;
    if (piece.size() > max_bytes - out.size()) {
      out.resize(keep);
      out.append(ellipsis.data(), ellipsis.size());
      return out;
    }
    out.append(piece.data(), piece.size());
    if (out.size() + ellipsis.size() <= max_bytes) keep = out.size();
  }
  return out;
}

}  // namespace rewards
