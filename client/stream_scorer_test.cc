#include "client/stream_scorer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace cli {
namespace {

using reward::v1::ScoreRequest;
using reward::v1::ScoreResponse;

// Answers each request with one group named like the request's first group,
// except: "late…" is answered only after the request that follows it (an
// answer out of order), "fail…" with error_code DEADLINE_EXCEEDED, and
// "hang…" never (until the call is cancelled).
class FakeService final : public reward::v1::RewardService::Service {
 public:
  grpc::Status ScoreStream(grpc::ServerContext* context,
                           grpc::ServerReaderWriter<ScoreResponse, ScoreRequest>* stream) override {
    ScoreRequest request;
    std::optional<ScoreResponse> held;
    int read = 0, written = 0;
    while (stream->Read(&request)) {
      ++read;
      max_unanswered = std::max(max_unanswered.load(), read - written);
      const std::string& name = request.groups(0).id();
      ScoreResponse response;
      response.set_request_id(request.request_id());
      if (absl::StartsWith(name, "hang")) {
        while (!context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return grpc::Status::CANCELLED;
      }
      if (absl::StartsWith(name, "fail")) {
        response.set_error_code("DEADLINE_EXCEEDED");
        response.set_error_message("too slow");
      } else {
        response.add_groups()->set_id(name);
      }
      if (absl::StartsWith(name, "late") && !held) {
        held = response;
        continue;
      }
      stream->Write(response);
      ++written;
      if (held) {
        stream->Write(*held);
        ++written;
        held.reset();
      }
    }
    if (held) stream->Write(*held);
    return grpc::Status::OK;
  }

  std::atomic<int> max_unanswered{0};
};

class StreamScorerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = reward::v1::RewardService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  static std::vector<ScoreRequest> Requests(const std::vector<std::string>& names) {
    std::vector<ScoreRequest> out;
    for (const std::string& n : names) {
      ScoreRequest r;
      r.add_groups()->set_id(n);
      out.push_back(r);
    }
    return out;
  }

  FakeService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<reward::v1::RewardService::Stub> stub_;
};

TEST_F(StreamScorerTest, DeliversInRequestOrderWithErrorsInPlace) {
  const std::vector<std::string> names = {"late0", "a1", "late2", "fail3", "a4", "late5"};
  std::vector<std::string> got;
  StreamOptions options;
  options.window = 2;
  StreamOutcome outcome = RunStream(stub_.get(), Requests(names), options, [&](size_t i, const ScoreResponse& r) {
    EXPECT_EQ(r.request_id(), std::to_string(i));
    got.push_back(r.error_code().empty() ? r.groups(0).id() : r.error_code());
    return true;
  });
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  EXPECT_EQ(outcome.delivered, names.size());
  EXPECT_FALSE(outcome.stopped || outcome.interrupted || outcome.stalled);
  EXPECT_EQ(got, (std::vector<std::string>{"late0", "a1", "late2", "DEADLINE_EXCEEDED", "a4", "late5"}));
  EXPECT_LE(service_.max_unanswered.load(), 2);
}

TEST_F(StreamScorerTest, CallbackStopsTheRun) {
  size_t calls = 0;
  StreamOutcome outcome = RunStream(stub_.get(), Requests({"a0", "a1", "a2", "a3"}), StreamOptions(),
                                    [&](size_t i, const ScoreResponse&) {
                                      ++calls;
                                      return i < 1;
                                    });
  EXPECT_TRUE(outcome.stopped);
  EXPECT_EQ(outcome.delivered, 2u);
  EXPECT_EQ(calls, 2u);
}

TEST_F(StreamScorerTest, InterruptionKeepsWhatWasDelivered) {
  size_t delivered = 0;
  StreamOptions options;
  options.interrupted = [&] { return delivered >= 1; };
  StreamOutcome outcome = RunStream(stub_.get(), Requests({"a0", "hang1", "a2"}), options,
                                    [&](size_t, const ScoreResponse&) {
                                      ++delivered;
                                      return true;
                                    });
  EXPECT_TRUE(outcome.interrupted);
  EXPECT_EQ(outcome.delivered, 1u);
}

TEST_F(StreamScorerTest, NoAnswerForTooLongStalls) {
  StreamOptions options;
  options.stall = absl::Milliseconds(200);  // the request never gets an answer, so any bound works
  StreamOutcome outcome =
      RunStream(stub_.get(), Requests({"a0", "hang1"}), options, [&](size_t, const ScoreResponse&) { return true; });
  EXPECT_TRUE(outcome.stalled);
  EXPECT_EQ(outcome.delivered, 1u);
}

TEST(StreamScorerNoServerTest, UnavailableIsTheStreamsStatus) {
  auto stub = reward::v1::RewardService::NewStub(
      grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));  // nothing listens on port 1
  ScoreRequest r;
  r.add_groups()->set_id("a");
  StreamOutcome outcome = RunStream(stub.get(), {r}, StreamOptions(), [](size_t, const ScoreResponse&) { return true; });
  EXPECT_EQ(outcome.delivered, 0u);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace cli
