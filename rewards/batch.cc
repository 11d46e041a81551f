#include "rewards/batch.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "rewards/json_check.h"

namespace rewards {

using reward::v1::ScoreRequest;
using reward::v1::ScoreResponse;

ProfileRegistry::ProfileRegistry(const std::vector<reward::v1::Profile>& profiles,
                                 const std::string& default_profile,
                                 const TimeoutOverrides& timeouts,
                                 std::shared_ptr<const VerifierContext> context)
    : context_(std::move(context)), default_profile_(default_profile), timeouts_(timeouts) {
  for (const auto& p : profiles) {
    // A later profile of the same name (from the config) replaces an earlier one.
    auto it = std::find_if(profiles_.begin(), profiles_.end(),
                           [&](const auto& q) { return q.name() == p.name(); });
    if (it != profiles_.end()) {
      *it = p;
    } else {
      profiles_.push_back(p);
    }
  }
  for (const auto& p : profiles_) {
    absl::StatusOr<RewardPlan> plan = BuildPlan(p.terms(), "terms", timeouts_, this->context());
    if (plan.ok()) {
      plans_.emplace(p.name(), std::make_shared<const RewardPlan>(std::move(*plan)));
    } else {
      plans_.emplace(p.name(), absl::FailedPreconditionError(absl::StrCat(
                                   "'", p.name(), "' cannot be used on this server: ",
                                   plan.status().message())));
    }
  }
}

absl::StatusOr<std::shared_ptr<const RewardPlan>> ProfileRegistry::Find(
    const std::string& name) const {
  auto it = plans_.find(name);
  if (it == plans_.end()) {
    std::vector<std::string> known;
    for (const auto& [n, unused] : plans_) known.push_back(n);
    return absl::InvalidArgumentError(absl::StrCat("unknown profile '", name, "' (known: ",
                                                   absl::StrJoin(known, ", "), ")"));
  }
  return it->second;
}

namespace {

// The plan for a request or group that may name a profile or list terms.
// `prefix` is "" for the request, "groups[3]." for a group.
absl::StatusOr<std::shared_ptr<const RewardPlan>> ResolvePlan(
    const std::string& profile, const Terms& terms, const std::string& prefix,
    const ProfileRegistry& profiles) {
  if (!profile.empty() && !terms.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "profile, ", prefix, "reward: set one, not both"));
  }
  if (!terms.empty()) {
    absl::StatusOr<RewardPlan> plan =
        BuildPlan(terms, absl::StrCat(prefix, "reward"), profiles.timeouts(), profiles.context());
    if (!plan.ok()) return plan.status();
    return std::make_shared<const RewardPlan>(std::move(*plan));
  }
  absl::StatusOr<std::shared_ptr<const RewardPlan>> plan = profiles.Find(profile);
  if (!plan.ok()) {
    return absl::Status(plan.status().code(),
                        absl::StrCat(prefix, "profile: ", plan.status().message()));
  }
  return plan;
}

absl::Status CheckId(const std::string& id, const std::string& field) {
  if (!IsValidUtf8(id)) return absl::InvalidArgumentError(absl::StrCat(field, ": not valid UTF-8"));
  if (id.size() > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": longer than 1024 bytes"));
  }
  return absl::OkStatus();
}

// The JSON texts of a group's reference are bounded before any verifier
// parses them (a parser may take time or memory far beyond their size when
// they nest deeply); both checks are linear scans.
absl::Status CheckReferenceJson(const reward::v1::Reference& ref, const std::string& at,
                                const Limits& limits) {
  const auto& calls = ref.tests().calls();
  for (int i = 0; i < calls.size(); ++i) {
    const std::pair<const char*, const std::string*> texts[] = {{"args", &calls[i].args()},
                                                                {"expected", &calls[i].expected()}};
    for (const auto& [name, text] : texts) {
      if (text->size() > limits.max_json_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(at, ".reference.tests.calls[", i, "].", name, ": ",
                                                         text->size(), " bytes, the limit is ",
                                                         limits.max_json_bytes));
      }
      if (JsonDeeperThan(*text, limits.max_json_depth)) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".reference.tests.calls[", i, "].", name,
                                                       ": JSON nested deeper than ", limits.max_json_depth,
                                                       " levels"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PreparedBatch> PrepareBatch(std::shared_ptr<const ScoreRequest> request,
                                           const ProfileRegistry& profiles,
                                           const Limits& limits, const GroupErrors& decode_errors,
                                           const std::function<absl::Status()>& stop) {
  const ScoreRequest& req = *request;
  PreparedBatch batch;
  if (absl::Status s = CheckId(req.request_id(), "request_id"); !s.ok()) return s;
  if (req.groups_size() == 0) return absl::InvalidArgumentError("groups: the request has no groups");
  if (static_cast<size_t>(req.groups_size()) > limits.max_groups) {
    return absl::ResourceExhaustedError(absl::StrCat("groups: ", req.groups_size(),
                                                     " groups, the limit is ", limits.max_groups));
  }
  absl::StatusOr<AdvantageOptions> adv = ParseAdvantageSpec(req.advantage());
  if (!adv.ok()) return adv.status();
  batch.advantage = *adv;

  // The request's plan is resolved lazily: every group may override it.
  std::optional<absl::StatusOr<std::shared_ptr<const RewardPlan>>> request_plan;
  auto request_level = [&]() -> absl::StatusOr<std::shared_ptr<const RewardPlan>> {
    if (!request_plan) {
      std::string profile = req.profile();
      if (profile.empty() && req.reward().empty()) profile = profiles.default_profile();
      request_plan = ResolvePlan(profile, req.reward(), "", profiles);
    }
    return *request_plan;
  };

  // Clients match results by id: a non-empty id may occur once per request
  // (groups) and once per group (samples). Empty ids are matched by position.
  absl::flat_hash_map<absl::string_view, int> group_ids;
  absl::flat_hash_map<absl::string_view, int> sample_ids;
  for (int g = 0; g < req.groups_size(); ++g) {
    if (stop) {
      if (absl::Status st = stop(); !st.ok()) return st;
    }
    const reward::v1::Group& group = req.groups(g);
    std::string at = absl::StrCat("groups[", g, "]");
    if (absl::Status s = CheckId(group.id(), at + ".id"); !s.ok()) return s;
    if (!group.id().empty()) {
      auto [it, fresh] = group_ids.emplace(group.id(), g);
      if (!fresh) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".id: duplicate group id '", group.id(),
                                                       "' (also groups[", it->second, "].id)"));
      }
    }
    if (group.completions_size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".completions: the group is empty"));
    }
    if (static_cast<size_t>(group.completions_size()) > limits.max_completions_per_group) {
      return absl::ResourceExhaustedError(
          absl::StrCat(at, ".completions: ", group.completions_size(),
                       " completions, the limit is ", limits.max_completions_per_group));
    }
    for (int s = 0; s < group.completions_size(); ++s) {
      absl::Status st =
          CheckId(group.completions(s).id(), absl::StrCat(at, ".completions[", s, "].id"));
      if (!st.ok()) return st;
    }
    sample_ids.clear();
    for (int s = 0; s < group.completions_size(); ++s) {
      const std::string& id = group.completions(s).id();
      if (id.empty()) continue;
      auto [it, fresh] = sample_ids.emplace(id, s);
      if (!fresh) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".completions[", s, "].id: duplicate sample id '", id,
                                                       "' (also ", at, ".completions[", it->second, "].id)"));
      }
    }

    PreparedGroup pg;
    absl::StatusOr<std::shared_ptr<const RewardPlan>> plan =
        (!group.profile().empty() || !group.reward().empty())
            ? ResolvePlan(group.profile(), group.reward(), at + ".", profiles)
            : request_level();
    if (!plan.ok()) return plan.status();
    pg.plan = *plan;

    if (auto it = decode_errors.find(g); it != decode_errors.end()) {
      pg.status = it->second;
    } else if (group.prompt().size() > limits.max_prompt_bytes) {
      pg.status = absl::ResourceExhaustedError(absl::StrCat(
          at, ".prompt: ", group.prompt().size(), " bytes, the limit is ", limits.max_prompt_bytes));
    } else if (!IsValidUtf8(group.prompt())) {
      pg.status = absl::InvalidArgumentError(absl::StrCat(at, ".prompt: not valid UTF-8"));
    } else {
      pg.status = CheckReferenceJson(group.reference(), at, limits);
    }
    for (size_t k = 0; pg.status.ok() && k < pg.plan->terms.size(); ++k) {
      absl::Status st = pg.plan->terms[k].impl->CheckGroup(group.reference(), group.prompt());
      if (!st.ok()) {
        pg.status = absl::Status(st.code(), absl::StrCat(at, ".reference: ", st.message(), " (",
                                                         pg.plan->terms[k].verifier, ")"));
      }
    }
    pg.precheck.resize(group.completions_size());
    for (int s = 0; s < group.completions_size(); ++s) {
      pg.precheck[s] = CheckCompletion(group.completions(s).text(), limits.max_completion_bytes);
    }
    batch.groups.push_back(std::move(pg));
  }
  batch.request = std::move(request);
  return batch;
}

bool NeedsScoring(const PreparedBatch& batch, size_t g, size_t s) {
  const PreparedGroup& pg = batch.groups[g];
  return pg.status.ok() && !pg.precheck[s].has_value();
}

VerdictGrid EmptyGrid(const PreparedBatch& batch) {
  VerdictGrid grid(batch.groups.size());
  for (size_t g = 0; g < batch.groups.size(); ++g) {
    grid[g].resize(batch.groups[g].precheck.size());
    for (size_t s = 0; s < grid[g].size(); ++s) {
      if (NeedsScoring(batch, g, s)) grid[g][s].resize(batch.groups[g].plan->terms.size());
    }
  }
  return grid;
}

Verdict RunTerm(const PreparedBatch& batch, size_t g, size_t s, size_t k, absl::Time deadline,
                const std::atomic<bool>* cancelled) {
  const reward::v1::Group& group = batch.request->groups(g);
  SampleInput in;
  in.prompt = group.prompt();
  in.completion = group.completions(s).text();
  in.reference = &group.reference();
  in.deadline = deadline;
  in.cancelled = cancelled;
  const PlannedTerm& term = batch.groups[g].plan->terms[k];
  // A group term's verdict comes with its group's (AssembleResponse).
  if (term.group) return Verdict::Ok(0, "");
  return term.impl->Score(in);
}

VerdictGrid ScoreSerially(const PreparedBatch& batch) {
  VerdictGrid grid = EmptyGrid(batch);
  for (size_t g = 0; g < grid.size(); ++g) {
    for (size_t s = 0; s < grid[g].size(); ++s) {
      for (size_t k = 0; k < grid[g][s].size(); ++k) {
        grid[g][s][k] = RunTerm(batch, g, s, k, absl::InfiniteFuture(), nullptr);
      }
    }
  }
  return grid;
}

namespace {

std::string StatusName(const absl::Status& s) { return absl::StatusCodeToString(s.code()); }

}  // namespace

ScoreResponse AssembleResponse(const PreparedBatch& batch, VerdictGrid grid) {
  const ScoreRequest& req = *batch.request;
  // Group terms run now, from the group's other verdicts (cheap by contract).
  for (size_t g = 0; g < batch.groups.size(); ++g) {
    const PreparedGroup& pg = batch.groups[g];
    if (pg.status.ok() && pg.plan) ScoreGroupTerms(*pg.plan, req.groups(static_cast<int>(g)), &grid[g]);
  }
  ScoreResponse resp;
  resp.set_request_id(req.request_id());
  std::vector<GroupScores> scores(batch.groups.size());

  for (size_t g = 0; g < batch.groups.size(); ++g) {
    const PreparedGroup& pg = batch.groups[g];
    const reward::v1::Group& group = req.groups(g);
    auto* gr = resp.add_groups();
    gr->set_id(group.id());
    gr->set_status(pg.status.ok() ? "OK" : StatusName(pg.status));
    const std::string group_error = CleanUtf8(pg.status.message(), kMaxMessageBytes);
    gr->set_error(group_error);
    for (size_t s = 0; s < pg.precheck.size(); ++s) {
      auto* sr = gr->add_samples();
      sr->set_id(group.completions(s).id());
      GroupScores::Sample sample;
      sample.valid = pg.status.ok();
      std::string sample_status = pg.status.ok() ? "OK" : StatusName(pg.status);
      if (pg.precheck[s]) {
        sample.valid = false;
        sample_status = pg.precheck[s]->status;
      }
      for (size_t k = 0; pg.plan && k < pg.plan->terms.size(); ++k) {
        const PlannedTerm& term = pg.plan->terms[k];
        const Verdict& v = !grid[g][s].empty() ? grid[g][s][k]
                           : pg.precheck[s]    ? *pg.precheck[s]
                                               : Verdict::Error(sample_status, group_error);
        double score = v.error ? 0.0 : v.score;
        auto* c = sr->add_components();
        c->set_verifier(term.verifier);
        c->set_score(score);
        c->set_weight(term.weight);
        c->set_weighted(score * term.weight);
        c->set_status(v.status);
        c->set_reason(CleanUtf8(v.reason, kMaxMessageBytes));
        if (v.error && sample.valid) {
          sample.valid = false;
          sample_status = v.status;
        }
        sample.components.push_back({term.verifier, term.weight, score});
        sample.reward += score * term.weight;
      }
      if (!sample.valid) sample.reward = 0;
      sr->set_reward(sample.reward);
      sr->set_status(sample_status);
      scores[g].samples.push_back(std::move(sample));
    }
  }

  std::vector<GroupAdvantages> adv = ComputeAdvantages(batch.advantage, scores);
  for (size_t g = 0; g < adv.size(); ++g) {
    auto* gr = resp.mutable_groups(g);
    gr->set_mean(adv[g].mean);
    gr->set_std(adv[g].std);
    for (size_t s = 0; s < adv[g].advantages.size(); ++s) {
      gr->mutable_samples(s)->set_advantage(adv[g].advantages[s]);
    }
  }
  return resp;
}

}  // namespace rewards
