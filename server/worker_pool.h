// A bounded pool of worker threads that keeps its capacity when a task hangs.
//
// The scheduler gives up on a verifier call that overruns its budget, but a
// C++ thread cannot be killed: MarkStuck() tells the pool that one of its
// threads is lost for now, and the pool starts a replacement (up to
// `max_extra` at a time). When the stuck task finally returns, the surplus
// thread leaves. Threads are detached and share the pool's state, so even a
// task that never returns does not block destruction.
#ifndef SERVER_WORKER_POOL_H_
#define SERVER_WORKER_POOL_H_

#include <functional>
#include <memory>

namespace server {

class WorkerPool {
 public:
  WorkerPool(int threads, int max_extra);
  ~WorkerPool();  // runs the queued tasks, then waits for the threads that are not stuck

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);
  void MarkStuck();
  // Called by a task marked stuck once it has returned.
  void UnmarkStuck();

  int threads() const;  // the target number of working threads
  int live_threads() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace server

#endif  // SERVER_WORKER_POOL_H_
