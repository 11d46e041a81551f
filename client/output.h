// reward-cli's output formats for scored groups: the table researchers read,
// one JSON object per line (the API's JSON shape), and CSV for spreadsheets
// and pandas. Each function returns the text; the caller prints it.
#ifndef CLIENT_OUTPUT_H_
#define CLIENT_OUTPUT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "reward/v1/reward.pb.h"

namespace cli {

enum class Format { kTable, kJson, kCsv };

// `s` on one line and at most `width` display columns: newlines and tabs
// become spaces, and a longer text ends in "…". UTF-8 aware, so a cut never
// splits a character.
std::string Clip(absl::string_view s, size_t width);

// Clip(s, width) padded with spaces to `width` display columns (printf's
// %-10s counts bytes, and "≠" or "…" are three).
std::string Pad(absl::string_view s, size_t width);

// One group as a block of the table: a header with mean, std and the
// advantage estimator's name, then one row per component of each sample.
std::string TableGroup(const reward::v1::GroupResult& g, const std::string& estimator);

// One group as one line of JSON (protobuf's JSON mapping), with newline.
std::string JsonGroup(const reward::v1::GroupResult& g);

// CSV in long form, one row per component of each sample, so that every row
// has the same columns whatever the reward's terms (group overrides may give
// groups different ones). A sample without components (not scored) and a
// failed group without samples get one row with the component columns empty.
std::string CsvHeader();
std::string CsvRows(const reward::v1::GroupResult& g);

// One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF.
std::string CsvField(absl::string_view s);

}  // namespace cli

#endif  // CLIENT_OUTPUT_H_
