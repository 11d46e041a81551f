#include "server/trainer_protocols.h"

#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace server {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;
using reward::v1::ScoreRequest;
using reward::v1::ScoreResponse;

namespace {

std::string KindName(const Value &v) {
  switch (v.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a boolean";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "a list";
    default:
      return "nothing";
  }
}

absl::StatusOr<Struct> ParseObject(absl::string_view json) {
  Struct body;
  auto st = google::protobuf::util::JsonStringToMessage(std::string(json.data(), json.size()), &body);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request: not a JSON object: ", std::string(st.message().data(), st.message().size())));
  }
  return body;
}

// A label: a string is the reference answer, an object a Reference in its
// JSON shape, null none.
absl::Status SetReference(const Value &label, const std::string &field, reward::v1::Group *group) {
  switch (label.kind_case()) {
    case Value::kNullValue:
      return absl::OkStatus();
    case Value::kStringValue:
      group->mutable_reference()->set_answer(label.string_value());
      return absl::OkStatus();
    case Value::kNumberValue: {
      // A numeric label (e.g. 72) is the answer as written in JSON.
      std::string text;
      (void)google::protobuf::util::MessageToJsonString(label, &text);
      group->mutable_reference()->set_answer(text);
      return absl::OkStatus();
    }
    case Value::kStructValue: {
      std::string text;
      (void)google::protobuf::util::MessageToJsonString(label.struct_value(), &text);
      auto st = google::protobuf::util::JsonStringToMessage(text, group->mutable_reference());
      if (!st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(field,
                                                       ": not a reward.v1.Reference (answer, targetLanguage, "
                                                       "tests, metadata): ",
                                                       std::string(st.message().data(), st.message().size())));
      }
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": must be a string, an object or null, not ", KindName(label)));
  }
}

// Field `name` of `body` as a list of `n` entries (n < 0: any length), or
// nullptr when absent or null.
absl::StatusOr<const ListValue *> OptionalList(const Struct &body, const std::string &name, int n,
                                               const std::string &of) {
  auto it = body.fields().find(name);
  if (it == body.fields().end() || it->second.kind_case() == Value::kNullValue) return nullptr;
  if (it->second.kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": must be a list, not ", KindName(it->second)));
  }
  const ListValue *list = &it->second.list_value();
  if (n >= 0 && list->values_size() != n) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", list->values_size(), " entries, ", of, " has ", n));
  }
  return list;
}

absl::Status CheckKnownFields(const Struct &body, std::initializer_list<absl::string_view> known) {
  for (const auto &[key, value] : body.fields()) {
    bool ok = false;
    for (absl::string_view k : known) ok = ok || key == k;
    if (!ok) {
      std::string names;
      for (absl::string_view k : known) absl::StrAppend(&names, names.empty() ? "" : ", ", k);
      return absl::InvalidArgumentError(absl::StrCat(key, ": unknown field (known: ", names, ")"));
    }
  }
  return absl::OkStatus();
}

std::string ToJson(const google::protobuf::Message &message) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

// A group that could not be scored fails the call: these protocols have no
// place for its error, and a silent 0 would train on it.
absl::Status GroupErrors(const ScoreResponse &response, const std::string &field) {
  int first = 0;
  for (const auto &g : response.groups()) {
    if (g.status() != "OK") {
      return absl::InvalidArgumentError(absl::StrCat(field, "[", first, "]: ", g.error()));
    }
    first += g.samples_size();
  }
  return absl::OkStatus();
}

}  // namespace

std::string StripTrailingSpecialTokens(absl::string_view text) {
  static constexpr std::pair<absl::string_view, absl::string_view> kDelimited[] = {
      {"<|", "|>"}, {"<\xef\xbd\x9c", "\xef\xbd\x9c>"}};  // <|…|> and DeepSeek's <｜…｜>
  for (bool any = false;; any = true) {
    absl::string_view t = absl::StripTrailingAsciiWhitespace(text);
    bool removed = absl::ConsumeSuffix(&t, "</s>") || absl::ConsumeSuffix(&t, "<eos>");
    for (const auto &[open, close] : kDelimited) {
      if (removed || !absl::EndsWith(t, close)) continue;
      size_t at = t.rfind(open);
      if (at == absl::string_view::npos || at + open.size() > t.size() - close.size()) continue;
      absl::string_view inside = t.substr(at + open.size(), t.size() - close.size() - at - open.size());
      if (inside.find_first_of("<>\n") != absl::string_view::npos) continue;
      t = t.substr(0, at);
      removed = true;
    }
    if (!removed) return std::string(any ? absl::StripTrailingAsciiWhitespace(text) : text);
    text = t;
  }
}

absl::StatusOr<ScoreRequest> OpenRlhfRequest(absl::string_view json, const std::string &profile) {
  absl::StatusOr<Struct> body = ParseObject(json);
  if (!body.ok()) return body.status();
  if (auto st = CheckKnownFields(*body, {"query", "prompts", "labels"}); !st.ok()) return st;
  absl::StatusOr<const ListValue *> queries = OptionalList(*body, "query", -1, "");
  if (!queries.ok()) return queries.status();
  if (*queries == nullptr) return absl::InvalidArgumentError("query: missing (a list of prompt + response texts)");
  const int n = (*queries)->values_size();
  if (n == 0) return absl::InvalidArgumentError("query: the list is empty");
  absl::StatusOr<const ListValue *> prompts = OptionalList(*body, "prompts", n, "query");
  if (!prompts.ok()) return prompts.status();
  absl::StatusOr<const ListValue *> labels = OptionalList(*body, "labels", n, "query");
  if (!labels.ok()) return labels.status();

  ScoreRequest request;
  request.set_profile(profile);
  reward::v1::Group *group = nullptr;
  for (int i = 0; i < n; ++i) {
    const Value &query = (*queries)->values(i);
    if (query.kind_case() != Value::kStringValue) {
      return absl::InvalidArgumentError(absl::StrCat("query[", i, "]: must be a string, not ", KindName(query)));
    }
    std::string prompt;
    if (*prompts != nullptr) {
      const Value &p = (*prompts)->values(i);
      if (p.kind_case() != Value::kStringValue) {
        return absl::InvalidArgumentError(absl::StrCat("prompts[", i, "]: must be a string, not ", KindName(p)));
      }
      prompt = p.string_value();
    }
    const Value *label = *labels != nullptr ? &(*labels)->values(i) : nullptr;
    // A new group when the prompt (or the label) changes.
    const bool same = group != nullptr && group->prompt() == prompt && i > 0 &&
                      (label == nullptr || ToJson((*labels)->values(i - 1)) == ToJson(*label));
    if (!same) {
      group = request.add_groups();
      group->set_prompt(prompt);
      if (label != nullptr) {
        if (auto st = SetReference(*label, absl::StrCat("labels[", i, "]"), group); !st.ok()) return st;
      }
    }
    absl::string_view text = query.string_value();
    if (!prompt.empty()) absl::ConsumePrefix(&text, prompt);
    group->add_completions()->set_text(StripTrailingSpecialTokens(text));
  }
  return request;
}

absl::StatusOr<std::string> OpenRlhfResponse(const ScoreResponse &response) {
  if (auto st = GroupErrors(response, "labels"); !st.ok()) return st;
  std::vector<std::string> verifiers;
  for (const auto &g : response.groups()) {
    for (const auto &s : g.samples()) {
      for (const auto &c : s.components()) {
        if (std::find(verifiers.begin(), verifiers.end(), c.verifier()) == verifiers.end()) {
          verifiers.push_back(c.verifier());
        }
      }
    }
  }
  Struct out;
  ListValue *rewards = (*out.mutable_fields())["rewards"].mutable_list_value();
  Struct *extra = (*out.mutable_fields())["extra_logs"].mutable_struct_value();
  for (const auto &g : response.groups()) {
    for (const auto &s : g.samples()) {
      rewards->add_values()->set_number_value(s.reward());
      for (const std::string &v : verifiers) {
        double score = 0;
        for (const auto &c : s.components()) {
          if (c.verifier() == v) score = c.score();
        }
        (*extra->mutable_fields())[v].mutable_list_value()->add_values()->set_number_value(score);
      }
    }
  }
  (*out.mutable_fields())["scores"] = out.fields().at("rewards");
  return ToJson(out);
}

absl::StatusOr<ScoreRequest> SlimeRequest(absl::string_view json, const std::string &profile) {
  absl::StatusOr<Struct> body = ParseObject(json);
  if (!body.ok()) return body.status();
  if (auto st = CheckKnownFields(*body, {"prompt", "response", "label"}); !st.ok()) return st;
  const auto &f = body->fields();
  auto response = f.find("response");
  if (response == f.end()) return absl::InvalidArgumentError("response: missing (the completion's text)");
  if (response->second.kind_case() != Value::kStringValue) {
    return absl::InvalidArgumentError(absl::StrCat("response: must be a string, not ", KindName(response->second)));
  }
  ScoreRequest request;
  request.set_profile(profile);
  reward::v1::Group *group = request.add_groups();
  if (auto p = f.find("prompt"); p != f.end()) {
    const Value &prompt = p->second;
    if (prompt.kind_case() == Value::kStringValue) {
      group->set_prompt(prompt.string_value());
    } else if (prompt.kind_case() == Value::kListValue) {
      // Chat messages: the last one's content is what the completion answers.
      const ListValue &messages = prompt.list_value();
      for (int i = 0; i < messages.values_size(); ++i) {
        const Value &m = messages.values(i);
        auto content = m.struct_value().fields().find("content");
        if (m.kind_case() != Value::kStructValue || content == m.struct_value().fields().end() ||
            content->second.kind_case() != Value::kStringValue) {
          return absl::InvalidArgumentError(
              absl::StrCat("prompt[", i, "]: must be a message {\"role\": …, \"content\": \"…\"}"));
        }
        group->set_prompt(content->second.string_value());
      }
    } else if (prompt.kind_case() != Value::kNullValue) {
      return absl::InvalidArgumentError(
          absl::StrCat("prompt: must be a string or a list of messages, not ", KindName(prompt)));
    }
  }
  if (auto label = f.find("label"); label != f.end()) {
    if (auto st = SetReference(label->second, "label", group); !st.ok()) return st;
  }
  group->add_completions()->set_text(StripTrailingSpecialTokens(response->second.string_value()));
  return request;
}

absl::StatusOr<std::string> SlimeResponse(const ScoreResponse &response) {
  if (response.groups_size() > 0 && response.groups(0).status() != "OK") {
    return absl::InvalidArgumentError(absl::StrCat("label: ", response.groups(0).error()));
  }
  Value reward;
  reward.set_number_value(
      response.groups_size() > 0 && response.groups(0).samples_size() > 0 ? response.groups(0).samples(0).reward() : 0);
  return ToJson(reward);
}

}  // namespace server
