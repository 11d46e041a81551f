// One JSON line per request on stderr, written by a thread of its own so
// that a slow terminal or log collector never holds up a call: calls only
// append to a bounded queue, and lines are dropped (and counted) when the
// writer is that far behind.
//
//   {"time":"2026-11-27T16:02:11.532Z","method":"Score","request_id":"step-7",
//    "peer":"ipv4:10.0.0.7:51234","profile":"r1_zero","groups":64,"samples":1024,
//    "ms":41.7,"code":"OK","statuses":{"OK":1012,"NO_ANSWER":12}}
#ifndef SERVER_REQUEST_LOG_H_
#define SERVER_REQUEST_LOG_H_

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "reward/v1/reward.pb.h"

namespace server {

struct RequestRecord {
  std::string method;
  std::string request_id;
  std::string peer;
  std::string profile;
  size_t groups = 0;
  size_t samples = 0;
  absl::Duration took;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string message;                      // the error, when code is not OK
  std::map<std::string, size_t> statuses;   // samples by status
};

// Fills the record's counts from a response.
void CountResponse(const reward::v1::ScoreResponse& response, RequestRecord* record);

// The record as one line of JSON (no newline).
std::string FormatRecord(const RequestRecord& record, absl::Time when);

class RequestLog {
 public:
  // `on_drop` is called for each line dropped.
  RequestLog(FILE* out, size_t max_queued, std::function<void()> on_drop);
  ~RequestLog();  // writes what is queued, then stops

  void Add(RequestRecord record);

 private:
  void Loop();

  FILE* out_;
  const size_t max_queued_;
  std::function<void()> on_drop_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<absl::Time, RequestRecord>> queue_;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace server

#endif  // SERVER_REQUEST_LOG_H_
