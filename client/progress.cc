#include "client/progress.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace cli {

std::string FormatDuration(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  if (s >= 3600) return absl::StrFormat("%d h %02d min", s / 3600, (s % 3600) / 60);
  if (s >= 60) return absl::StrFormat("%d min %02d s", s / 60, s % 60);
  return absl::StrFormat("%d s", s);
}

std::string FormatProgress(size_t done, size_t total, double elapsed_s) {
  std::string out = absl::StrFormat("samples %d/%d", done, total);
  if (total > 0) absl::StrAppendFormat(&out, " (%.1f%%)", 100.0 * done / total);
  if (done > 0 && elapsed_s > 0) {
    const double rate = done / elapsed_s;
    absl::StrAppendFormat(&out, "  %.1f/s", rate);
    if (done < total) absl::StrAppendFormat(&out, "  ~%s left", FormatDuration((total - done) / rate));
  }
  return out;
}

}  // namespace cli
