// A schedule of phases shared by the threads of one pool job, for fused kernels whose steps
// depend on each other (a decoder layer: norm, then q/k/v, then attention, ...). Every thread
// walks the same phase sequence; in each phase it claims chunks from a shared counter until none
// are left, then waits until every chunk is done (a barrier counted in chunks, not threads).
//
// Counting chunks rather than threads is what makes this safe inside parallel_for: a pool thread
// that wakes late (or never gets a task, because the caller took them all) finds the phases it
// missed already done and passes through them, and one thread alone completes the whole schedule.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>

namespace st {

struct alignas(64) PhaseCounter {
  std::atomic<int64_t> claim{0};
  std::atomic<int64_t> done{0};
};

class PhaseWalker {
 public:
  explicit PhaseWalker(PhaseCounter* counters) : c_(counters) {}

  // Runs body(chunk) for the chunks this thread claims out of n, then waits for all n.
  template <class F>
  void run(int64_t n, F&& body) {
    run(n, body, 0, [](int64_t, int64_t) { return int64_t(-1); });
  }

  // The same, and while it waits for the other threads it reserves a chunk of the next phase
  // (n_next chunks; 0: none) and calls warm(chunk, step) with step = 0, 1, 2, ... until the wait
  // ends or warm returns a negative number: time a thread would spend idle at the barrier goes to
  // fetching what its next chunk reads (prefetches). The reserved chunk is the first this thread
  // runs in the next phase; the others claim past it, so the next barrier still counts it.
  template <class F, class Warm>
  void run(int64_t n, F&& body, int64_t n_next, Warm&& warm) {
    PhaseCounter& c = c_[p_++];
    if (reserved_ >= 0) {
      body(reserved_);
      reserved_ = -1;
      c.done.fetch_add(1, std::memory_order_release);
    }
    for (int64_t t; (t = c.claim.fetch_add(1, std::memory_order_relaxed)) < n;) {
      body(t);
      c.done.fetch_add(1, std::memory_order_release);
    }
    if (c.done.load(std::memory_order_acquire) >= n) return;
    int64_t step = -1;
    if (n_next > 0) {
      const int64_t t = c_[p_].claim.fetch_add(1, std::memory_order_relaxed);
      if (t < n_next) reserved_ = t, step = 0;
    }
    // Spin: phases last microseconds. Past a few thousand polls the other thread is probably
    // descheduled (a busy machine), so give the core away between polls.
    for (int i = 0; c.done.load(std::memory_order_acquire) < n; i++) {
      if (step >= 0) {
        step = warm(reserved_, step) < 0 ? -1 : step + 1;
        continue;
      }
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
      if (i > 4000) std::this_thread::yield();
    }
  }

  // A phase that one thread does alone (a norm, a residual add: too small to split).
  template <class F>
  void serial(F&& body) {
    run(1, [&](int64_t) { body(); });
  }

  int64_t phases() const { return p_; }

 private:
  PhaseCounter* c_;
  int64_t p_ = 0;
  int64_t reserved_ = -1;  // a chunk of phase p_ claimed while waiting at the previous barrier
};

}  // namespace st
