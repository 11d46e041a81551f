// The progress line reward-cli keeps on stderr while a long input is scored
// (only when stderr is a terminal: in a pipe or a log it would be noise).
#ifndef CLIENT_PROGRESS_H_
#define CLIENT_PROGRESS_H_

#include <cstddef>
#include <string>

namespace cli {

// "samples 120/637 (18.8%)  24.1/s  ~21 s left" after `elapsed_s` seconds;
// the rate and time left appear once something is done.
std::string FormatProgress(size_t done, size_t total, double elapsed_s);

// "1 h 02 min", "3 min 05 s", "21 s".
std::string FormatDuration(double seconds);

}  // namespace cli

#endif  // CLIENT_PROGRESS_H_
