// reward-cli's input: a JSONL file with one group per line, in the API's JSON
// shape, and how it is cut into the batches sent as ScoreStream requests.
#ifndef CLIENT_CLI_INPUT_H_
#define CLIENT_CLI_INPUT_H_

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reward/v1/reward.pb.h"

namespace cli {

// One group and the input line it came from (1-based), so that messages can
// point at the file.
struct InputGroup {
  reward::v1::Group group;
  int line = 0;
};

// Every group of `in`; blank lines are skipped. The whole input is read
// before anything is sent, so that progress knows the total and a malformed
// line is reported before the server does any work. Errors name `name` and
// the line, e.g. "groups.jsonl line 3: Expected : between key:value pair.".
absl::StatusOr<std::vector<InputGroup>> ReadGroups(std::istream& in, const std::string& name);

// Groups [begin, end) of the input, sent as one request.
struct Batch {
  size_t begin = 0;
  size_t end = 0;
};

// Consecutive batches of at most `groups_per_batch` groups (at least 1)
// covering all `n_groups`: MakeBatches(5, 2) is [0,2) [2,4) [4,5).
std::vector<Batch> MakeBatches(size_t n_groups, int groups_per_batch);

// Number of completions (samples) in groups [begin, end).
size_t CountSamples(const std::vector<InputGroup>& groups, size_t begin, size_t end);

// "input lines 3-7" (or "input line 3") for groups [begin, end).
std::string DescribeLines(const std::vector<InputGroup>& groups, size_t begin, size_t end);

}  // namespace cli

#endif  // CLIENT_CLI_INPUT_H_
