// The language verifier on its evaluation set (language_eval.jsonl, built
// from Debian's manual pages by gen_language_eval.py): mean absolute error of
// the target-language share, and accuracy of the dominant language on
// single-language paragraphs, knowing the target as the verifier does.
// Targets: MAE <= 0.029 (issue 13: no worse than before its model), accuracy
// >= 98% (issue 5).
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rewards/language_verifier.h"
#include "tests/language/eval_rows.h"

namespace rewards {
namespace {

TEST(LanguageEvalTest, MeetsTargets) {
  std::string path = absl::StrCat(std::getenv("TEST_SRCDIR"), "/", std::getenv("TEST_WORKSPACE"),
                                  "/tests/language/language_eval.jsonl");
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const bool verbose = std::getenv("LANGUAGE_EVAL_VERBOSE") != nullptr;
  std::map<std::string, int> single_total, single_right;
  std::map<std::string, double> err_by_kind;
  std::map<std::string, int> n_by_kind;
  std::set<std::string> langs;
  std::string line;
  double abs_err = 0;
  int samples = 0;
  while (std::getline(in, line)) {
    google::protobuf::Struct row;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &row).ok());
    // Each segment followed by a space, and one more before the next but in
    // Japanese and Chinese texts (as the set was scored when it was made).
    EvalRow r = ReadEvalRow(row, [](const std::string& target, bool first) {
      return first ? "" : (target == "ja" || target == "zh" ? " " : "  ");
    });
    r.text += " ";
    const std::string& kind = r.kind;
    const std::string& target = r.target;
    const std::string& text = r.text;
    double truth = r.truth;
    LanguageAnalysis a = AnalyzeLanguages(text, target);
    double got = ShareOf(a, target);
    double err = std::abs(got - truth);
    abs_err += err;
    err_by_kind[kind] += err;
    ++n_by_kind[kind];
    ++samples;
    langs.insert(target);
    if (kind == "single") {
      ++single_total[target];
      bool right = !a.languages.empty() && a.languages[0].language == target;
      single_right[target] += right;
      if (!right && verbose) {
        std::printf("WRONG %s: got %s | %s\n", r.id.c_str(),
                    a.languages.empty() ? "-" : a.languages[0].language.c_str(), text.substr(0, 160).c_str());
      }
    }
    if (verbose && err > 0.2) {
      std::printf("ERR %.2f %s truth %.2f got %.2f\n", err, r.id.c_str(), truth, got);
    }
  }
  int right = 0, total = 0;
  for (const auto& [lang, n] : single_total) {
    std::printf("single %-3s %3d/%3d\n", lang.c_str(), single_right[lang], n);
    right += single_right[lang];
    total += n;
  }
  double mae = abs_err / samples;
  double accuracy = static_cast<double>(right) / total;
  for (const auto& [kind, e] : err_by_kind) {
    std::printf("MAE %-6s %.4f over %d samples\n", kind.c_str(), e / n_by_kind[kind], n_by_kind[kind]);
  }
  std::printf("MAE all    %.4f over %d samples, %zu languages; single-language accuracy %.2f%% (%d/%d)\n", mae,
              samples, langs.size(), 100 * accuracy, right, total);
  EXPECT_GE(samples, 1000);
  EXPECT_GE(langs.size(), 10u);
  EXPECT_LE(mae, 0.029);
  EXPECT_GE(accuracy, 0.98);
}

}  // namespace
}  // namespace rewards
