// The progress line reward-cli keeps on stderr while a long input is scored
// (only when stderr is a terminal: in a pipe or a log it would be noise).
#ifndef CLIENT_PROGRESS_H_
#define CLIENT_PROGRESS_H_

#include <cstddef>
#include <cstdio>
#include <string>

#include "absl/time/time.h"

namespace cli {

// "samples 120/637 (18.8%)  24.1/s  ~21 s left" after `elapsed_s` seconds;
// the rate and time left appear once something is done.
std::string FormatProgress(size_t done, size_t total, double elapsed_s);

// "1 h 02 min", "3 min 05 s", "21 s".
std::string FormatDuration(double seconds);

// The line itself on a stream (stderr), redrawn at most 4 times a second,
// and only when `enabled` (the caller checks that stderr is a terminal).
// Clear() it before printing to stdout, so that both can share the terminal.
class ProgressLine {
 public:
  ProgressLine(size_t total, bool enabled, std::FILE* out = stderr);

  void Update(size_t done);
  void Clear();

 private:
  size_t total_;
  bool enabled_;
  std::FILE* out_;
  absl::Time start_;
  absl::Time last_draw_ = absl::InfinitePast();
  bool shown_ = false;
};

}  // namespace cli

#endif  // CLIENT_PROGRESS_H_
