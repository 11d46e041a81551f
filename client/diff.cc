#include "client/diff.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/output.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace cli {
namespace {

const reward::v1::Component* Find(const reward::v1::SampleResult& s, const std::string& verifier) {
  for (const auto& c : s.components()) {
    if (c.verifier() == verifier) return &c;
  }
  return nullptr;
}

// The verifiers of both samples, A's order first.
std::vector<std::string> Verifiers(const reward::v1::SampleResult& a, const reward::v1::SampleResult& b) {
  std::vector<std::string> names;
  for (const auto& c : a.components()) names.push_back(c.verifier());
  for (const auto& c : b.components()) {
    if (Find(a, c.verifier()) == nullptr) names.push_back(c.verifier());
  }
  return names;
}

}  // namespace

std::vector<SampleChange> Diff::Add(const reward::v1::GroupResult& a, const reward::v1::GroupResult& b) {
  std::vector<SampleChange> changes;
  if (a.status() != "OK" || b.status() != "OK" || a.samples_size() != b.samples_size()) {
    ++failed_groups_;
    return changes;
  }
  for (int i = 0; i < a.samples_size(); ++i) {
    const auto& sa = a.samples(i);
    const auto& sb = b.samples(i);
    ++samples_;
    sum_a_ += sa.reward();
    sum_b_ += sb.reward();
    for (const std::string& name : Verifiers(sa, sb)) {
      auto [it, added] = components_.try_emplace(name);
      if (added) order_.push_back(name);
      const auto* ca = Find(sa, name);
      const auto* cb = Find(sb, name);
      if (cb == nullptr) {
        ++it->second.only_a;
      } else if (ca == nullptr) {
        ++it->second.only_b;
      } else if (std::fabs(ca->weighted() - cb->weighted()) > kRewardEpsilon || ca->status() != cb->status()) {
        ++it->second.changed;
      }
    }
    const double delta = sb.reward() - sa.reward();
    if (delta > kRewardEpsilon) {
      ++up_;
    } else if (delta < -kRewardEpsilon) {
      ++down_;
    } else if (sa.status() != sb.status()) {
      ++status_only_;
    } else {
      continue;
    }
    changes.push_back({a.id(), sa, sb});
  }
  return changes;
}

std::string Diff::Render(const std::string& name_a, const std::string& name_b) const {
  std::string out =
      absl::StrFormat("diff: %d of %d samples change (%d up, %d down", changed(), samples_, up_, down_);
  if (status_only_ > 0) absl::StrAppendFormat(&out, ", %d status only", status_only_);
  absl::StrAppendFormat(&out, "); mean reward %.4f -> %.4f\n", samples_ ? sum_a_ / samples_ : 0,
                        samples_ ? sum_b_ / samples_ : 0);
  absl::StrAppendFormat(&out, "  A: %s\n  B: %s\n", name_a, name_b);
  if (!order_.empty()) {
    std::vector<std::string> parts;
    for (const std::string& name : order_) {
      const ComponentCounts& c = components_.at(name);
      std::string part = absl::StrCat(name, " ", c.changed, " changed");
      if (c.only_a > 0) absl::StrAppend(&part, ", ", c.only_a, " only in A");
      if (c.only_b > 0) absl::StrAppend(&part, ", ", c.only_b, " only in B");
      parts.push_back(part);
    }
    absl::StrAppend(&out, "  by component: ", absl::StrJoin(parts, "; "), "\n");
  }
  if (failed_groups_ > 0) {
    absl::StrAppendFormat(&out, "  %d groups not compared (not scored on one side)\n", failed_groups_);
  }
  return out;
}

namespace {

// One side of a row: "1.0000×0.1  OK           reason…", 49 columns, so
// that both sides fit in 120.
constexpr size_t kReasonColumns = 24;
constexpr size_t kSideColumns = 11 + 1 + 12 + 1 + kReasonColumns;
std::string Side(const reward::v1::Component* c) {
  if (c == nullptr) return Pad("-", kSideColumns);
  return absl::StrCat(Pad(absl::StrFormat("%.4f×%g", c->score(), c->weight()), 11), " ", Pad(c->status(), 12), " ",
                      Pad(c->reason(), kReasonColumns));
}

}  // namespace

std::string RenderChange(const SampleChange& change) {
  const auto& a = change.a;
  const auto& b = change.b;
  std::string out = absl::StrFormat("%s / %s  reward %.4f -> %.4f (%+.4f)", change.group_id, a.id(), a.reward(),
                                    b.reward(), b.reward() - a.reward());
  if (a.status() != b.status()) absl::StrAppend(&out, "  status ", a.status(), " -> ", b.status());
  out += "\n";
  absl::StrAppend(&out, "    ", Pad("component", 10), "  ", Pad("A", kSideColumns), "  B\n");
  for (const std::string& name : Verifiers(a, b)) {
    const auto* ca = Find(a, name);
    const auto* cb = Find(b, name);
    const bool same = ca != nullptr && cb != nullptr && std::fabs(ca->weighted() - cb->weighted()) <= kRewardEpsilon &&
                      ca->status() == cb->status() && ca->reason() == cb->reason();
    // Rows that change are starred; an unchanged one shows A alone.
    absl::StrAppend(&out, "  ", same ? " " : "*", " ", Pad(name, 10), "  ", Side(ca), "  ", same ? "(same)" : Side(cb),
                    "\n");
    // Where a changed row cut a reason, the whole of both below it.
    if (!same && ca != nullptr && cb != nullptr &&
        (Clip(ca->reason(), kReasonColumns) != ca->reason() || Clip(cb->reason(), kReasonColumns) != cb->reason())) {
      absl::StrAppend(&out, "      A: ", Clip(ca->reason(), 110), "\n", "      B: ", Clip(cb->reason(), 110), "\n");
    }
  }
  return out;
}

namespace {

// `s` as a JSON string, quoted and escaped (by protobuf's JSON printer).
std::string JsonString(const std::string& s) {
  google::protobuf::Value v;
  v.set_string_value(s);
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(v, &out);
  return out;
}

}  // namespace

std::string ChangeJson(const SampleChange& change) {
  std::string a, b;
  (void)google::protobuf::util::MessageToJsonString(change.a, &a);
  (void)google::protobuf::util::MessageToJsonString(change.b, &b);
  return absl::StrCat("{\"group\":", JsonString(change.group_id), ",\"a\":", a, ",\"b\":", b, "}\n");
}

std::string Diff::Json() const {
  std::vector<std::string> parts;
  for (const std::string& name : order_) {
    const ComponentCounts& c = components_.at(name);
    parts.push_back(absl::StrCat(JsonString(name), ":{\"changed\":", c.changed, ",\"onlyA\":", c.only_a,
                                 ",\"onlyB\":", c.only_b, "}"));
  }
  return absl::StrCat("{\"samples\":", samples_, ",\"changed\":", changed(), ",\"up\":", up_, ",\"down\":", down_,
                      ",\"groupsNotCompared\":", failed_groups_, ",\"components\":{", absl::StrJoin(parts, ","),
                      "}}\n");
}

}  // namespace cli
