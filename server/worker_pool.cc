#include "server/worker_pool.h"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>

namespace server {

struct WorkerPool::State {
  std::mutex mu;
  std::condition_variable work_cv;  // tasks or stop
  std::condition_variable exit_cv;  // a thread left
  std::deque<std::function<void()>> queue;
  int target = 0;
  int max_extra = 0;
  int live = 0;
  int stuck = 0;
  bool stop = false;
};

namespace {

void WorkerLoop(std::shared_ptr<WorkerPool::State> st) {
  std::unique_lock<std::mutex> lock(st->mu);
  for (;;) {
    st->work_cv.wait(lock, [&] { return st->stop || !st->queue.empty() || st->live - st->stuck > st->target; });
    // A surplus thread (a replacement whose stuck twin came back) leaves.
    if (st->live - st->stuck > st->target || (st->stop && st->queue.empty())) {
      --st->live;
      st->exit_cv.notify_all();
      st->work_cv.notify_all();
      return;
    }
    std::function<void()> task = std::move(st->queue.front());
    st->queue.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
  }
}

// Starts a worker; false when the system refuses a thread (then the pool
// goes on with the threads it has).
bool Spawn(const std::shared_ptr<WorkerPool::State>& st) {
  try {
    std::thread(WorkerLoop, st).detach();
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "worker pool: cannot start a thread: %s\n", e.what());
    return false;
  }
  ++st->live;
  return true;
}

}  // namespace

WorkerPool::WorkerPool(int threads, int max_extra) : state_(std::make_shared<State>()) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->target = threads < 1 ? 1 : threads;
  state_->max_extra = max_extra < 0 ? 0 : max_extra;
  for (int i = 0; i < state_->target; ++i) Spawn(state_);
}

WorkerPool::~WorkerPool() {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->stop = true;
  state_->work_cv.notify_all();
  state_->exit_cv.wait(lock, [&] { return state_->live <= state_->stuck; });
}

void WorkerPool::Submit(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->queue.push_back(std::move(task));
  state_->work_cv.notify_one();
}

void WorkerPool::MarkStuck() {
  std::lock_guard<std::mutex> lock(state_->mu);
  ++state_->stuck;
  if (state_->live - state_->stuck < state_->target) {
    if (state_->live < state_->target + state_->max_extra) {
      Spawn(state_);
    } else {
      std::fprintf(stderr, "worker pool: %d threads stuck in verifiers; capacity reduced\n",
                   state_->stuck);
    }
  }
}

void WorkerPool::UnmarkStuck() {
  std::lock_guard<std::mutex> lock(state_->mu);
  --state_->stuck;
  state_->work_cv.notify_all();
  state_->exit_cv.notify_all();
}

int WorkerPool::threads() const { return state_->target; }

int WorkerPool::live_threads() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->live;
}

}  // namespace server
