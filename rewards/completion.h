// Where a completion's parts are, for every verifier: DeepSeek-R1's template
// <think>…</think><answer>…</answer>, and a prompt that pre-fills <think>.
// Each verifier reads the part its rule names:
//
//   math      AnswerBlocks: every complete <answer>…</answer> block
//   code      LastAnswer: the last <answer>, to its close or the end
//   language  ThinkRegion / FirstAnswer, with PromptPrefillsThink
//   format    the template itself (format_verifier.h)
//
// All are linear in the completion and return views into it.
#ifndef REWARDS_COMPLETION_H_
#define REWARDS_COMPLETION_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace rewards {

// True when `prompt` ends with <think> and optional whitespace (a chat
// template that pre-fills it: the completion starts inside the reasoning).
bool PromptPrefillsThink(absl::string_view prompt);

// Every complete <answer>…</answer> block, in order; a later <answer> before
// a block's close starts the block ("<answer>a<answer>b</answer>" is "b").
std::vector<absl::string_view> AnswerBlocks(absl::string_view completion);

// The content of the last <answer>, to its </answer> or to the end when it
// is not closed; nullopt without <answer>.
std::optional<absl::string_view> LastAnswer(absl::string_view completion);

// The content of the first <answer>, to the next </answer> or to the end;
// nullopt without <answer>.
std::optional<absl::string_view> FirstAnswer(absl::string_view completion);

// The reasoning: the content of the first <think>, to the next </think> or to
// the end. Without <think>: what precedes </think> when `prefilled` (all of
// it without </think>), else the whole completion.
absl::string_view ThinkRegion(absl::string_view completion, bool prefilled);

}  // namespace rewards

#endif  // REWARDS_COMPLETION_H_
