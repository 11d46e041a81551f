// reward-cli's command line before Abseil sees it: the subcommand, help
// requests, repeated --profile/--reward for diff, and every "--flag value"
// joined into "--flag=value".
//
// Why not absl::ParseCommandLine alone: it warns "Did you really mean to set
// flag 'input' to the value '-'?" on `--input -` (a value that starts with a
// dash), answers --help with usage filtered to the main file's flags ("No
// flags matched." here), and keeps only the last of a repeated flag. The
// pre-pass fixes the first by passing `--input=-`, the second by printing
// reward-cli's own usage (Usage below), the third by collecting the values.
#ifndef CLIENT_CLI_FLAGS_H_
#define CLIENT_CLI_FLAGS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cli {

enum class FlagKind { kUnknown, kBool, kValue };

struct CommandLine {
  // "score", "diff", "verifiers", "health", ...; empty when none was given.
  std::string command;
  // --help, -h, or `help [command]`.
  bool help = false;
  // The flags for absl::ParseCommandLine, each as "--name=value" (or
  // "--name" / "--noname" for a bool without value).
  std::vector<std::string> flags;
  // diff: every --profile and --reward, in order, as {name, value}; they are
  // not in `flags`. Other commands: empty (the flags go to Abseil).
  std::vector<std::pair<std::string, std::string>> sides;
};

// Splits `args` (without the program name). `kind` says whether a flag name
// exists and takes a value. Errors: an unknown flag, a flag without its
// value, more than one command.
absl::StatusOr<CommandLine> PreParse(const std::vector<std::string>& args,
                                     const std::function<FlagKind(absl::string_view)>& kind);

// The usage text for `command` ("" or unknown: the overview of all
// commands). `describe` gives a flag's help text and default.
std::string Usage(const std::string& command,
                  const std::function<std::pair<std::string, std::string>(absl::string_view)>& describe);

// The commands reward-cli knows, in the order the overview lists them.
std::vector<std::string> Commands();

}  // namespace cli

#endif  // CLIENT_CLI_FLAGS_H_
