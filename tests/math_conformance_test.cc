// Reads tests/data/math_cases.jsonl (written by gen_math_cases.py, expected
// scores fixed by construction) and checks that the math verifier agrees on
// every case. Prints every disagreement and the agreement per category.
//
// Then the cases of Hugging Face Math-Verify's test suite whose gold is
// numeric (tests/data/math_verify_cases.jsonl, by gen_math_verify_cases.py;
// licence in tests/data/MATH_VERIFY_LICENSE), each prediction sent as
// "<think>Done.</think> <answer>PRED</answer>" with the region limit lifted:
// the verdict must be Math-Verify's, except on the rows of
// math_verify_quirks.jsonl, where this service differs on purpose (each with
// its reason) and must give the opposite verdict.
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "rewards/verifier.h"

namespace {

using google::protobuf::Struct;

std::string DataPath(const std::string& name = "math_cases.jsonl") {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/", std::getenv("TEST_WORKSPACE"), "/tests/data/", name);
}

// Every JSON line of a data file.
std::vector<Struct> ReadRows(const std::string& name) {
  std::vector<Struct> rows;
  std::ifstream in(DataPath(name));
  EXPECT_TRUE(in) << DataPath(name);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Struct row;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &row).ok()) << line.substr(0, 200);
    rows.push_back(row);
  }
  return rows;
}

std::string MathVerifyKey(const Struct& row) {
  const auto& f = row.fields();
  return absl::StrCat(f.at("source").string_value(), " ", f.at("test").string_value(), "#",
                      static_cast<int>(f.at("index").number_value()));
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

TEST(MathConformanceTest, MathVerifyCases) {
  const rewards::VerifierFactory* factory = rewards::FindVerifier("math");
  ASSERT_NE(factory, nullptr);
  Struct params;
  (*params.mutable_fields())["max_answer_chars"].set_number_value(1e7);
  auto verifier = factory->Create(*rewards::ParseParams(params, factory->Params()));
  ASSERT_TRUE(verifier.ok());
  std::map<std::string, Struct> quirks;
  for (const Struct& q : ReadRows("math_verify_quirks.jsonl")) {
    ASSERT_FALSE(q.fields().at("why").string_value().empty()) << MathVerifyKey(q);
    quirks[MathVerifyKey(q)] = q;
  }
  std::map<std::string, int> total, agree;
  std::set<std::string> used;
  int rows = 0, quirk_rows = 0;
  for (const Struct& row : ReadRows("math_verify_cases.jsonl")) {
    ++rows;
    const auto& f = row.fields();
    std::string key = MathVerifyKey(row);
    std::string completion = absl::StrCat("<think>Done.</think> <answer>", f.at("pred").string_value(), "</answer>");
    reward::v1::Reference ref;
    ref.set_answer(f.at("gold").string_value());
    rewards::SampleInput sample;
    sample.completion = completion;
    sample.reference = &ref;
    rewards::Verdict v = (*verifier)->Score(sample);
    int theirs = f.at("expected").bool_value() ? 1 : 0;
    int want = theirs;
    auto q = quirks.find(key);
    if (q != quirks.end()) {
      used.insert(key);
      ++quirk_rows;
      want = static_cast<int>(q->second.fields().at("ours").number_value());
      EXPECT_NE(want, theirs) << key << ": a quirk row must differ from Math-Verify";
    }
    const std::string& source = f.at("source").string_value();
    ++total[source];
    agree[source] += v.score == theirs;
    EXPECT_TRUE(v.status == "OK" && v.score == want)
        << key << ": expected " << want << (q != quirks.end() ? " (differs on purpose)" : "") << ", got "
        << v.score << " [" << v.status << "] " << v.reason << "\n  gold: " << ref.answer().substr(0, 120)
        << "\n  pred: " << f.at("pred").string_value().substr(0, 120);
  }
  for (const auto& [key, q] : quirks) EXPECT_TRUE(used.count(key)) << "quirk row without a case: " << key;
  int all = 0, ok = 0;
  for (const auto& [source, n] : total) {
    std::printf("%-24s %3d/%3d agree with Math-Verify\n", source.c_str(), agree[source], n);
    all += n;
    ok += agree[source];
  }
  std::printf("all Math-Verify cases     %d/%d agree (%.1f%%); %d differ on purpose (math_verify_quirks.jsonl)\n", ok,
              all, 100.0 * ok / all, quirk_rows);
  EXPECT_GE(rows, 200);
}

}  // namespace
