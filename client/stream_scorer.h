// Sends a list of ScoreRequests on one ScoreStream and hands the answers
// back in request order, as they arrive.
//
// Why a stream with a deadline per request instead of one Score call (or one
// stream deadline) for the whole input: a long input on a slow machine then
// fails as a whole, and nothing is kept. Here each request carries
// timeout_ms (reward.proto), which the server applies to that request alone
// and answers DEADLINE_EXCEEDED in the stream while the others go on. The
// stream itself has no deadline; instead the client gives up when no answer
// has come for a while (`stall`), which covers a server that hangs or that
// predates timeout_ms.
#ifndef CLIENT_STREAM_SCORER_H_
#define CLIENT_STREAM_SCORER_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "reward/v1/reward.grpc.pb.h"

namespace cli {

struct StreamOptions {
  // Requests sent and not yet answered. The server scores a stream's requests
  // concurrently and shares its workers among them, so each one's time (and
  // its deadline) grows with this; two keep the workers busy between batches.
  int window = 2;
  // No answer for this long while requests are out: the stream is cancelled.
  absl::Duration stall = absl::Seconds(150);
  // Polled about every 100 ms; true stops the run (e.g. Ctrl-C was pressed).
  std::function<bool()> interrupted = [] { return false; };
  // Called after each answer and about every 100 ms with the number of
  // samples answered so far (whatever the order), for a progress line.
  std::function<void(size_t answered_samples)> progress = [](size_t) {};
  // Sets up the stream's context before it opens (e.g. the bearer token).
  std::function<void(grpc::ClientContext*)> prepare = [](grpc::ClientContext*) {};
};

struct StreamOutcome {
  // Requests handed to the callback, a prefix of the list.
  size_t delivered = 0;
  // The callback asked to stop.
  bool stopped = false;
  bool interrupted = false;
  // No answer within StreamOptions::stall.
  bool stalled = false;
  // The stream's own status (e.g. UNAVAILABLE when there is no server);
  // CANCELLED after the client stopped it.
  grpc::Status status;
};

// Sends `requests` (their request_id is overwritten with their index) and
// calls `on_response(index, response)` for each in index order; a failed
// request comes with error_code set. `on_response` returns false to stop the
// run (the rest is cancelled).
StreamOutcome RunStream(reward::v1::RewardService::StubInterface* stub,
                        std::vector<reward::v1::ScoreRequest> requests, const StreamOptions& options,
                        const std::function<bool(size_t, const reward::v1::ScoreResponse&)>& on_response);

}  // namespace cli

#endif  // CLIENT_STREAM_SCORER_H_
