#include "client/progress.h"

#include <cmath>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

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

ProgressLine::ProgressLine(size_t total, bool enabled, std::FILE* out)
    : total_(total), enabled_(enabled), out_(out), start_(absl::Now()) {}

void ProgressLine::Update(size_t done) {
  if (!enabled_) return;
  const absl::Time now = absl::Now();
  if (now - last_draw_ < absl::Milliseconds(250)) return;
  last_draw_ = now;
  // \r and "erase to end of line": the line is rewritten in place.
  std::fprintf(out_, "\r\033[K%s", FormatProgress(done, total_, absl::ToDoubleSeconds(now - start_)).c_str());
  std::fflush(out_);
  shown_ = true;
}

void ProgressLine::Clear() {
  if (!shown_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
  shown_ = false;
  last_draw_ = absl::InfinitePast();  // redraw at the next update
}

}  // namespace cli
