#include "client/cli_flags.h"

#include <algorithm>

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace cli {
namespace {

struct CommandSpec {
  const char* name;
  const char* synopsis;
  const char* brief;  // for the overview
  const char* about;
  std::vector<const char*> flags;
};

const std::vector<CommandSpec>& Specs() {
  static const std::vector<CommandSpec>* specs = [] {
    auto* all = new std::vector<CommandSpec>{
        {"score", "score --input FILE.jsonl [--profile P | --reward JSON] [--json | --csv] [--summary]",
         "score groups: table (with a summary), JSON or CSV",
         "Scores every group of a JSONL file (one group per line, the API's JSON shape) and prints\n"
         "the results in input order as they arrive, then a summary (table format). Long inputs go\n"
         "as a stream of batches, each with its own deadline (--timeout): a batch that does not\n"
         "finish fails alone, the rest are still printed.",
         {"input", "profile", "reward", "advantage", "json", "csv", "summary", "batch", "timeout", "progress",
          "address"}},
        {"diff", "diff --input FILE.jsonl (--profile A | --reward JSON) (--profile B | --reward JSON)",
         "what changes between two reward specs on the same input",
         "Scores the input twice, as A and as B, and prints the samples whose reward (or status)\n"
         "changes with both breakdowns side by side, then how many samples each component changes.",
         {"input", "profile", "reward", "advantage", "json", "batch", "timeout", "progress", "address"}},
        {"verifiers", "verifiers [--json]", "the server's verifiers, their parameters, the profiles",
         "Lists the server's verifiers with their parameters, and its profiles.",
         {"json", "timeout", "address"}},
        {"health", "health", "is the server serving?", "Prints the server's health (SERVING exits 0).",
         {"timeout", "address"}},
        {"help", "help [COMMAND]", "this overview, or a command's flags", "Prints this help, or a command's.", {}},
    };
    // Every command that talks to a server takes the connection's flags.
    for (CommandSpec& s : *all) {
      if (std::find(s.flags.begin(), s.flags.end(), std::string("address")) == s.flags.end()) continue;
      for (const char* f : {"tls", "tls_ca", "tls_cert", "tls_key", "tls_server_name", "token_file"}) {
        s.flags.push_back(f);
      }
    }
    return all;
  }();
  return *specs;
}

const CommandSpec* FindSpec(const std::string& name) {
  for (const CommandSpec& s : Specs()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// `text` in lines of at most `width` columns (words are not split); lines
// after the first start with `indent`.
std::string Wrap(const std::string& text, size_t width, const std::string& indent) {
  std::string out;
  size_t line = 0;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (line > 0 && line + 1 + word.size() > width) {
      absl::StrAppend(&out, "\n", indent);
      line = 0;
    } else if (line > 0) {
      out += ' ';
      ++line;
    }
    absl::StrAppend(&out, word);
    line += word.size();
  }
  return out;
}

bool IsHelpFlag(absl::string_view arg) {
  return arg == "-h" || arg == "--help" || arg == "-help" || arg == "--helpfull" || arg == "--helpshort";
}

}  // namespace

std::vector<std::string> Commands() {
  std::vector<std::string> names;
  for (const CommandSpec& s : Specs()) names.push_back(s.name);
  return names;
}

absl::StatusOr<CommandLine> PreParse(const std::vector<std::string>& args,
                                     const std::function<FlagKind(absl::string_view)>& kind) {
  CommandLine out;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> sides;
  std::vector<std::string> other_flags;
  std::vector<std::string> names;  // of every flag given, for the check against the command
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg == "-" || arg.empty() || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (IsHelpFlag(arg)) {
      out.help = true;
      continue;
    }
    absl::string_view body = arg;
    body.remove_prefix(absl::StartsWith(body, "--") ? 2 : 1);
    const size_t eq = body.find('=');
    const std::string name(body.substr(0, eq));
    FlagKind k = kind(name);
    if (k == FlagKind::kUnknown && absl::StartsWith(name, "no") && kind(name.substr(2)) == FlagKind::kBool &&
        eq == absl::string_view::npos) {
      other_flags.push_back(absl::StrCat("--", name));
      names.push_back(name.substr(2));
      continue;
    }
    if (k == FlagKind::kUnknown) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name, " (see reward-cli --help)"));
    }
    names.push_back(name);
    std::string value;
    if (eq != absl::string_view::npos) {
      value = std::string(body.substr(eq + 1));
    } else if (k == FlagKind::kValue) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      value = args[++i];
    } else {
      other_flags.push_back(absl::StrCat("--", name));
      continue;
    }
    if (name == "profile" || name == "reward") sides.push_back({name, value});
    other_flags.push_back(absl::StrCat("--", name, "=", value));
  }
  if (!positional.empty() && positional[0] == "help") {
    out.help = true;
    positional.erase(positional.begin());
  }
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected one command, got '", absl::StrJoin(positional, "' '"), "' (see reward-cli --help)"));
  }
  if (!positional.empty()) out.command = positional[0];
  // A flag the command does not use (diff --csv, health --input) is a
  // mistake worth saying, not something to ignore.
  const CommandSpec* spec = FindSpec(out.command);
  if (spec != nullptr && !out.help && out.command != "help") {
    for (const std::string& name : names) {
      if (std::find(spec->flags.begin(), spec->flags.end(), name) == spec->flags.end()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " does not apply to ", out.command,
                                                       " (see reward-cli help ", out.command, ")"));
      }
    }
  }
  if (out.command == "diff") {
    out.sides = std::move(sides);
    for (std::string& f : other_flags) {
      if (!absl::StartsWith(f, "--profile=") && !absl::StartsWith(f, "--reward=")) out.flags.push_back(std::move(f));
    }
  } else {
    out.flags = std::move(other_flags);
  }
  return out;
}

std::string Usage(const std::string& command,
                  const std::function<std::pair<std::string, std::string>(absl::string_view)>& describe) {
  const CommandSpec* spec = FindSpec(command);
  std::string out;
  if (spec == nullptr || spec->flags.empty()) {
    out = "reward-cli: debug reward functions against a running reward-server.\n\nusage:\n";
    for (const CommandSpec& s : Specs()) absl::StrAppend(&out, "  reward-cli ", s.synopsis, "\n");
    out += "\ncommands:\n";
    for (const CommandSpec& s : Specs()) absl::StrAppendFormat(&out, "  %-10s %s\n", s.name, s.brief);
    out += "\nFlags may come before or after the command; \"--flag value\" and \"--flag=value\" are the same,\n"
           "and --input - reads standard input. `reward-cli help COMMAND` lists a command's flags.\n";
    return out;
  }
  absl::StrAppend(&out, "usage: reward-cli ", spec->synopsis, "\n\n", spec->about, "\n\nflags:\n");
  for (const char* flag : spec->flags) {
    auto [help, def] = describe(flag);
    std::string head = absl::StrCat("--", flag);
    if (!def.empty() && def != "false") absl::StrAppend(&help, " (default ", def, ")");
    absl::StrAppendFormat(&out, "  %-13s %s\n", head, Wrap(help, 80, std::string(16, ' ')));
  }
  return out;
}

}  // namespace cli
