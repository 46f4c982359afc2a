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
    PhaseCounter& c = c_[p_++];
    for (int64_t t; (t = c.claim.fetch_add(1, std::memory_order_relaxed)) < n;) {
      body(t);
      c.done.fetch_add(1, std::memory_order_release);
    }
    // Spin: phases last microseconds. Past a few thousand polls the other thread is probably
    // descheduled (a busy machine), so give the core away between polls.
    for (int i = 0; c.done.load(std::memory_order_acquire) < n; i++) {
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
};

}  // namespace st
