// Reads tests/data/math_cases.jsonl (written by gen_math_cases.py, expected
// scores fixed by construction) and checks that the math verifier agrees on
// every case. Prints every disagreement and the agreement per category.
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rewards/verifier.h"

namespace {

using google::protobuf::Struct;

std::string DataPath() {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/", std::getenv("TEST_WORKSPACE"),
                      "/tests/data/math_cases.jsonl");
}

std::string Completion(const Struct& row) {
  const auto& f = row.fields();
  if (f.count("completion")) return f.at("completion").string_value();
  const auto& r = f.at("completion_repeat").list_value().values();
  std::string out = r[0].string_value();
  const std::string unit = r[1].string_value();
  int times = static_cast<int>(r[2].number_value());
  out.reserve(out.size() + unit.size() * times + r[3].string_value().size());
  for (int i = 0; i < times; ++i) out += unit;
  out += r[3].string_value();
  return out;
}

TEST(MathConformanceTest, AgreesOnEveryCase) {
  std::ifstream in(DataPath());
  ASSERT_TRUE(in) << DataPath();
  const rewards::VerifierFactory* factory = rewards::FindVerifier("math");
  ASSERT_NE(factory, nullptr);
  std::map<std::string, int> total, agree;
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Struct row;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &row).ok()) << line.substr(0, 200);
    ++rows;
    const auto& f = row.fields();
    std::string id = f.at("id").string_value();
    std::string category = f.at("category").string_value();
    Struct params;
    if (f.count("params")) params = f.at("params").struct_value();
    auto parsed = rewards::ParseParams(params, factory->Params());
    ASSERT_TRUE(parsed.ok()) << id << ": " << parsed.status();
    auto verifier = factory->Create(*parsed);
    ASSERT_TRUE(verifier.ok()) << id;
    reward::v1::Reference ref;
    ref.set_answer(f.at("reference").string_value());
    std::string completion = Completion(row);
    rewards::SampleInput sample;
    sample.completion = completion;
    sample.reference = &ref;
    rewards::Verdict v = (*verifier)->Score(sample);
    double want = f.at("expected").number_value();
    ++total[category];
    if (std::getenv("MATH_CASES_VERBOSE")) std::printf("%s %g %s\n", id.c_str(), v.score, v.reason.c_str());
    if (v.score == want && v.status == "OK") {
      ++agree[category];
    } else {
      ADD_FAILURE() << id << " (" << f.at("note").string_value() << "): expected " << want << ", got "
                    << v.score << " [" << v.status << "] " << v.reason << "\n  completion: "
                    << completion.substr(0, 120);
    }
  }
  int all = 0, ok = 0;
  for (const auto& [cat, n] : total) {
    std::printf("%-8s %d/%d agree\n", cat.c_str(), agree[cat], n);
    all += n;
    ok += agree[cat];
  }
  std::printf("all      %d/%d agree (%.1f%%)\n", ok, all, 100.0 * ok / all);
  // The table's size is part of the proof (issue 4).
  EXPECT_GE(rows, 400);
  EXPECT_GE(total["hack"], 50);
  EXPECT_GE(total["hostile"], 30);
  EXPECT_GE(total["gsm8k"], 100);
}

}  // namespace
