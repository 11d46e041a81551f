#include "rewards/code/extract.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "rewards/completion.h"

namespace rewards {

std::string ExtractCode(absl::string_view completion, const std::string& language, const std::string& extract) {
  absl::string_view region = completion;
  if (extract == "answer") {
    std::optional<absl::string_view> answer = LastAnswer(completion);
    if (!answer) return "";
    region = *answer;
  }
  // The last fenced block whose info string names the language (or none).
  std::string best;
  bool found = false;
  size_t pos = 0;
  while ((pos = region.find("```", pos)) != absl::string_view::npos) {
    size_t line_end = region.find('\n', pos);
    if (line_end == absl::string_view::npos) break;
    std::string info = absl::AsciiStrToLower(absl::StripAsciiWhitespace(region.substr(pos + 3, line_end - pos - 3)));
    size_t close = region.find("```", line_end + 1);
    if (close == absl::string_view::npos) break;
    bool matches = info.empty() || info == language || (language == "python" && (info == "py" || info == "python3")) ||
                   (language == "cpp" && (info == "c++" || info == "cc" || info == "cxx"));
    if (matches) {
      best = std::string(region.substr(line_end + 1, close - line_end - 1));
      found = true;
    }
    pos = close + 3;
  }
  if (!found && extract == "answer") {
    std::string plain(absl::StripAsciiWhitespace(region));
    return plain;
  }
  return best;
}

namespace {

bool LooksInteger(absl::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "+007" -> "7", "-0" -> "0": integers of any length, compared exactly.
std::string CanonicalInteger(absl::string_view s) {
  bool negative = s[0] == '-';
  if (s[0] == '-' || s[0] == '+') s.remove_prefix(1);
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  return (negative && s != "0" ? "-" : "") + std::string(s);
}

bool ParseDouble(absl::string_view s, double* out) {
  std::string t(s);
  char* end;
  *out = std::strtod(t.c_str(), &end);
  return !t.empty() && *end == 0;
}

}  // namespace

bool OutputsMatch(absl::string_view got, absl::string_view want, double float_tolerance) {
  std::vector<absl::string_view> a = absl::StrSplit(got, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  std::vector<absl::string_view> b = absl::StrSplit(want, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (float_tolerance <= 0) return false;
    // Integers are exact, whatever their length; NaN equals only NaN and
    // infinities only themselves; only an expected non-integer number allows
    // the tolerance.
    if (LooksInteger(a[i]) && LooksInteger(b[i])) {
      if (CanonicalInteger(a[i]) == CanonicalInteger(b[i])) continue;
      return false;
    }
    double x, y;
    if (!ParseDouble(a[i], &x) || !ParseDouble(b[i], &y)) return false;
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) && std::isnan(y)) continue;
      return false;
    }
    if (x == y && std::abs(y) < 9007199254740992.0) continue;
    if (LooksInteger(b[i]) || std::isinf(x) || std::isinf(y)) return false;
    if (std::abs(x - y) > float_tolerance * std::max(1.0, std::abs(y))) return false;
  }
  return true;
}

}  // namespace rewards
