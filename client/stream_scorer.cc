#include "client/stream_scorer.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cli {

StreamOutcome RunStream(reward::v1::RewardService::StubInterface* stub,
                        std::vector<reward::v1::ScoreRequest> requests, const StreamOptions& options,
                        const std::function<bool(size_t, const reward::v1::ScoreResponse&)>& on_response) {
  StreamOutcome outcome;
  const size_t n = requests.size();
  std::vector<size_t> samples(n, 0);
  for (size_t i = 0; i < n; ++i) {
    requests[i].set_request_id(absl::StrCat(i));
    for (const auto& g : requests[i].groups()) samples[i] += g.completions_size();
  }
  if (n == 0) return outcome;

  grpc::ClientContext context;
  options.prepare(&context);
  std::unique_ptr<grpc::ClientReaderWriterInterface<reward::v1::ScoreRequest, reward::v1::ScoreResponse>> stream =
      stub->ScoreStream(&context);

  // The reader thread files answers by index; this thread sends, delivers
  // in order, and watches for interruption and stalls.
  std::mutex mu;
  std::condition_variable cv;
  std::map<size_t, reward::v1::ScoreResponse> ready;
  size_t answered = 0;
  size_t answered_samples = 0;
  bool reader_done = false;
  std::thread reader([&] {
    reward::v1::ScoreResponse response;
    while (stream->Read(&response)) {
      size_t index = 0;
      std::lock_guard<std::mutex> lock(mu);
      if (!absl::SimpleAtoi(response.request_id(), &index) || index >= n || ready.count(index)) continue;
      ++answered;
      answered_samples += samples[index];
      ready[index] = std::move(response);
      response = reward::v1::ScoreResponse();
      cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu);
    reader_done = true;
    cv.notify_all();
  });

  size_t sent = 0;
  bool writes_open = true;
  absl::Time last_answer = absl::Now();
  size_t last_answered = 0;
  const size_t window = static_cast<size_t>(std::max(1, options.window));
  bool stop = false;
  while (outcome.delivered < n && !stop) {
    size_t out_now;
    {
      std::lock_guard<std::mutex> lock(mu);
      out_now = sent - answered;
    }
    while (writes_open && sent < n && out_now < window) {
      if (!stream->Write(requests[sent])) {
        writes_open = false;  // the stream is broken; the reader sees why
        break;
      }
      requests[sent].Clear();  // sent: no need to keep it
      ++sent;
      ++out_now;
      if (sent == n) {
        stream->WritesDone();
        writes_open = false;
      }
    }

    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(100),
                [&] {
                  return ready.count(outcome.delivered) > 0 || reader_done ||
                         (writes_open && sent < n && sent - answered < window);
                });
    if (answered != last_answered) {
      last_answered = answered;
      last_answer = absl::Now();
    }
    const size_t progress_samples = answered_samples;
    const bool waiting = sent > answered;
    auto it = ready.find(outcome.delivered);
    if (it != ready.end()) {
      reward::v1::ScoreResponse response = std::move(it->second);
      ready.erase(it);
      lock.unlock();
      options.progress(progress_samples);
      if (!on_response(outcome.delivered, response)) {
        outcome.stopped = true;
        stop = true;
      }
      ++outcome.delivered;
      continue;
    }
    const bool done = reader_done;
    lock.unlock();
    options.progress(progress_samples);
    if (done) break;  // the stream ended before every answer came
    if (options.interrupted()) {
      outcome.interrupted = true;
      stop = true;
    } else if (waiting && absl::Now() - last_answer > options.stall) {
      outcome.stalled = true;
      stop = true;
    }
  }
  if (stop || outcome.delivered < n) context.TryCancel();
  if (writes_open) stream->WritesDone();
  reader.join();
  outcome.status = stream->Finish();
  return outcome;
}

}  // namespace cli
