// math_eval: agreement of the `math` verifier with independent labels.
//
//   bazel run //tools:math_eval -- [--params JSON] [--show N] FILE.jsonl...
//
// Rows of two shapes:
//   real completions  {"source", "id", "reference", "completion", "label"}
//                     (tests/data/math_real/): the completion is scored as a
//                     trainer would send it.
//   Math-Verify cases {"source", "test", "index", "gold", "pred", "expected"}
//                     (tests/data/math_verify_cases.jsonl): the prediction is
//                     sent as "<think>Done.</think> <answer>PRED</answer>".
// A row agrees when score 1 <=> label true. Prints agreement per file and
// per source, false positives and false negatives, and the first N
// disagreements of each file with the verifier's reason.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "rewards/verifier.h"

namespace {

using google::protobuf::Struct;

struct Tally {
  int rows = 0, agree = 0, false_pos = 0, false_neg = 0;
  void Add(bool want, bool got) {
    ++rows;
    agree += want == got;
    false_pos += got && !want;
    false_neg += want && !got;
  }
  void Print(const std::string& name) const {
    std::printf("%-48s %5d/%5d agree (%5.1f%%)  false+ %4d  false- %4d\n", name.c_str(), agree, rows,
                rows ? 100.0 * agree / rows : 0.0, false_pos, false_neg);
  }
};

std::string Clip(std::string s, size_t n) {
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s.size() > n ? s.substr(0, n) + "..." : s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string params_json = R"({"extract":["answer_tag","boxed","phrase","last_number"]})";
  int show = 0;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--params" && i + 1 < argc) {
      params_json = argv[++i];
    } else if (a == "--show" && i + 1 < argc) {
      show = std::atoi(argv[++i]);
    } else {
      files.push_back(a);
    }
  }
  const rewards::VerifierFactory* factory = rewards::FindVerifier("math");
  Struct params;
  if (!google::protobuf::util::JsonStringToMessage(params_json, &params).ok()) {
    std::fprintf(stderr, "math_eval: --params is not a JSON object\n");
    return 2;
  }
  // Math-Verify's cases put long predictions in the answer: no length cap.
  Struct lifted = params;
  (*lifted.mutable_fields())["max_answer_chars"].set_number_value(1e7);
  auto make = [&](const Struct& p) {
    auto parsed = rewards::ParseParams(p, factory->Params());
    if (!parsed.ok()) {
      std::fprintf(stderr, "math_eval: %s\n", std::string(parsed.status().message()).c_str());
      std::exit(2);
    }
    return std::move(*factory->Create(*parsed));
  };
  auto verifier = make(params);
  auto lifted_verifier = make(lifted);
  Tally all;
  for (const std::string& file : files) {
    std::ifstream in(file);
    if (!in) {
      std::fprintf(stderr, "math_eval: cannot read %s\n", file.c_str());
      return 2;
    }
    Tally tally;
    std::map<std::string, Tally> by_source;
    int shown = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      Struct row;
      if (!google::protobuf::util::JsonStringToMessage(line, &row).ok()) continue;
      const auto& f = row.fields();
      auto str = [&](const char* k) { return f.count(k) ? f.at(k).string_value() : std::string(); };
      const bool mv = f.count("gold") > 0;
      reward::v1::Reference ref;
      ref.set_answer(mv ? str("gold") : str("reference"));
      const std::string completion =
          mv ? "<think>Done.</think> <answer>" + str("pred") + "</answer>" : str("completion");
      const bool want = mv ? f.at("expected").bool_value() : f.at("label").bool_value();
      rewards::SampleInput sample;
      sample.completion = completion;
      sample.reference = &ref;
      rewards::Verdict v = (mv ? lifted_verifier : verifier)->Score(sample);
      const bool got = v.score == 1;
      tally.Add(want, got);
      by_source[str("source")].Add(want, got);
      all.Add(want, got);
      if (want != got && shown < show) {
        ++shown;
        std::string id = mv ? str("test") + "#" + std::to_string(static_cast<int>(f.at("index").number_value()))
                            : str("id");
        std::printf("  %s %s: label %d, got %g [%s] %s\n    ref: %s\n    end: %s\n", str("source").c_str(),
                    id.c_str(), want, v.score, v.status.c_str(), Clip(v.reason, 160).c_str(),
                    Clip(ref.answer(), 120).c_str(),
                    Clip(completion.size() > 200 ? completion.substr(completion.size() - 200) : completion, 200)
                        .c_str());
      }
    }
    tally.Print(file);
    if (by_source.size() > 1) {
      for (const auto& [source, t] : by_source) t.Print("  " + source);
    }
  }
  all.Print("all");
  return 0;
}
