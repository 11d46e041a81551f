// Timing helpers shared by the benchmarks.
#ifndef BENCH_TIMING_H_
#define BENCH_TIMING_H_

#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {

// The median wall time of `reps` runs of f(), in seconds.
template <typename F>
double MedianSeconds(int reps, F f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The shortest wall time of `reps` runs of f(), in seconds: on a shared,
// noisy machine the least disturbed run is the best estimate of the cost.
template <typename F>
double BestSeconds(int reps, F f) {
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace bench

#endif  // BENCH_TIMING_H_
