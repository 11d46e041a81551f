#include "server/trainer_protocols.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace server {
namespace {

using ::testing::HasSubstr;

TEST(TrainerProtocolsTest, StripTrailingSpecialTokens) {
  struct Case {
    std::string in, want;
  };
  const Case kCases[] = {
      {"<answer>14</answer><|im_end|>", "<answer>14</answer>"},
      {"<answer>14</answer>\n<|im_end|>\n<|endoftext|>", "<answer>14</answer>"},
      {"<answer>14</answer></s>", "<answer>14</answer>"},
      {"<answer>14</answer><eos>", "<answer>14</answer>"},
      {"<answer>14</answer><\xef\xbd\x9c"
       "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
       "<answer>14</answer>"},
      {"<answer>14</answer>  ", "<answer>14</answer>  "},  // no token: kept as written
      {"a |> b", "a |> b"},
      {"<|>", "<|>"},
      {"x <| y\n |>", "x <| y\n |>"},
  };
  for (const Case &c : kCases) EXPECT_EQ(StripTrailingSpecialTokens(c.in), c.want) << c.in;
}

TEST(TrainerProtocolsTest, OpenRlhfGroupsConsecutiveEqualPrompts) {
  auto req = OpenRlhfRequest(
      R"({"query":["P1 a<|im_end|>","P1 b","P2 c"],"prompts":["P1","P1","P2"],"labels":["14","14",{"answer":"3","targetLanguage":"en"}]})",
      "r1");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->profile(), "r1");
  ASSERT_EQ(req->groups_size(), 2);
  EXPECT_EQ(req->groups(0).prompt(), "P1");
  ASSERT_EQ(req->groups(0).completions_size(), 2);
  EXPECT_EQ(req->groups(0).completions(0).text(), " a");
  EXPECT_EQ(req->groups(0).reference().answer(), "14");
  EXPECT_EQ(req->groups(1).reference().target_language(), "en");
}

TEST(TrainerProtocolsTest, BadBodiesNameTheField) {
  struct Case {
    std::string json, want;
  };
  const Case kOpenRlhf[] = {
      {"{", "request: not a JSON object"},
      {"[1]", "request: not a JSON object"},
      {R"({"prompts":["a"]})", "query: missing"},
      {R"({"query":"a"})", "query: must be a list, not a string"},
      {R"({"query":[]})", "query: the list is empty"},
      {R"({"query":["a",3]})", "query[1]: must be a string, not a number"},
      {R"({"query":["a"],"prompts":["a","b"]})", "prompts: 2 entries, query has 1"},
      {R"({"query":["a"],"prompts":[null]})", "prompts[0]: must be a string, not null"},
      {R"({"query":["a"],"labels":[true]})", "labels[0]: must be a string, an object or null, not a boolean"},
      {R"({"query":["a"],"labels":[{"answr":"1"}]})", "labels[0]: not a reward.v1.Reference"},
      {R"({"query":["a"],"label":["1"]})", "label: unknown field (known: query, prompts, labels)"},
  };
  for (const Case &c : kOpenRlhf) {
    auto req = OpenRlhfRequest(c.json, "");
    ASSERT_FALSE(req.ok()) << c.json;
    EXPECT_EQ(req.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(req.status().message()), HasSubstr(c.want)) << c.json;
  }
  const Case kSlime[] = {
      {"not json", "request: not a JSON object"},
      {R"({"prompt":"p"})", "response: missing"},
      {R"({"response":7})", "response: must be a string, not a number"},
      {R"({"response":"r","prompt":5})", "prompt: must be a string or a list of messages, not a number"},
      {R"({"response":"r","prompt":[{"role":"user"}]})", "prompt[0]: must be a message"},
      {R"({"response":"r","label":[1]})", "label: must be a string, an object or null, not a list"},
      {R"({"response":"r","labels":"1"})", "labels: unknown field (known: prompt, response, label)"},
  };
  for (const Case &c : kSlime) {
    auto req = SlimeRequest(c.json, "");
    ASSERT_FALSE(req.ok()) << c.json;
    EXPECT_THAT(std::string(req.status().message()), HasSubstr(c.want)) << c.json;
  }
}

TEST(TrainerProtocolsTest, Responses) {
  reward::v1::ScoreResponse resp;
  auto *g = resp.add_groups();
  g->set_status("OK");
  for (double r : {0.1, 1.1}) {
    auto *s = g->add_samples();
    s->set_reward(r);
    auto *c = s->add_components();
    c->set_verifier("math");
    c->set_score(r > 1 ? 1 : 0);
  }
  auto json = OpenRlhfResponse(resp);
  ASSERT_TRUE(json.ok());
  EXPECT_THAT(*json, HasSubstr(R"("rewards":[0.1,1.1])"));
  EXPECT_THAT(*json, HasSubstr(R"("scores":[0.1,1.1])"));
  EXPECT_THAT(*json, HasSubstr(R"("extra_logs":{"math":[0,1]})"));
  auto slime = SlimeResponse(resp);
  ASSERT_TRUE(slime.ok());
  EXPECT_EQ(*slime, "0.1");
  g->set_status("INVALID_ARGUMENT");
  g->set_error("groups[0].reference: answer is missing (math)");
  EXPECT_EQ(OpenRlhfResponse(resp).status().message(), "labels[0]: groups[0].reference: answer is missing (math)");
}

}  // namespace
}  // namespace server
