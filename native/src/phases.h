// A schedule of phases shared by the threads of one pool job, for fused kernels whose steps
// depend on each other (a decoder layer: norm, then q/k/v, then attention, ...). Every thread
// walks the same phase sequence; in each phase it claims chunks until none are left, then waits
// until every chunk is done (a barrier counted in chunks, not threads).
//
// Counting chunks rather than threads is what makes this safe inside parallel_for: a pool thread
// that wakes late (or never gets a task, because the caller took them all) finds the phases it
// missed already done and passes through them, and one thread alone completes the whole schedule.
//
// Claiming: a phase's chunks [0, n) are two ranges, [0, split) and [split, n) (split = n: one).
// A walker owns one of them (by its task's parity) and takes its chunks from the front, in order;
// when its own range is empty it steals from the back of the other one. So with two threads each
// streams one contiguous run of rows (memory-bound matrix–vector products lose ~20% when the two
// threads alternate small chunks of one matrix, since every chunk restarts the prefetch streams),
// and the split's chunks, sized large first and small last, still let them finish together.
#pragma once
#include <atomic>
#include <cstdint>
#include <thread>

namespace st {

struct alignas(64) AtomicLine {
  std::atomic<uint64_t> v{0};
};

// One phase's state: chunks taken from each range (front count in the low 32 bits, back count in
// the high ones) and chunks done. Zero is the fresh state. Separate cache lines: each thread
// claims mostly from its own range.
struct PhaseCounter {
  AtomicLine taken[2];
  AtomicLine done;
  void reset() {
    taken[0].v.store(0, std::memory_order_relaxed);
    taken[1].v.store(0, std::memory_order_relaxed);
    done.v.store(0, std::memory_order_relaxed);
  }
};

class PhaseWalker {
 public:
  // own: the range this walker takes from the front (0 or 1).
  PhaseWalker(PhaseCounter* counters, int own) : c_(counters), own_(own & 1) {}

  // Runs body(chunk) for the chunks this thread claims out of n, then waits for all n.
  template <class F>
  void run(int64_t n, int64_t split, F&& body) {
    run(n, split, body, 0, 0, [](int64_t, int64_t) { return int64_t(-1); });
  }

  // The same, and while it waits for the other threads it reserves its next chunk of the next
  // phase (n_next chunks split at split_next; 0: none) and calls warm(chunk, step) with step =
  // 0, 1, 2, ... until the wait ends or warm returns a negative number: time a thread would spend
  // idle at the barrier goes to fetching what its next chunk reads (prefetches). The reserved
  // chunk is the first this thread runs in the next phase, and counts there like any other.
  template <class F, class Warm>
  void run(int64_t n, int64_t split, F&& body, int64_t n_next, int64_t split_next, Warm&& warm) {
    PhaseCounter& c = c_[p_++];
    if (reserved_ >= 0) {
      body(reserved_);
      reserved_ = -1;
      c.done.v.fetch_add(1, std::memory_order_release);
    }
    for (int64_t t; (t = claim(c, n, split)) >= 0;) {
      body(t);
      c.done.v.fetch_add(1, std::memory_order_release);
    }
    if (int64_t(c.done.v.load(std::memory_order_acquire)) >= n) return;
    int64_t step = -1;
    if (n_next > 0) {
      reserved_ = claim(c_[p_], n_next, split_next);
      if (reserved_ >= 0) step = 0;
    }
    // Spin: phases last microseconds. Past a few thousand polls the other thread is probably
    // descheduled (a busy machine), so give the core away between polls.
    for (int i = 0; int64_t(c.done.v.load(std::memory_order_acquire)) < n; i++) {
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

  int64_t phases() const { return p_; }

 private:
  // The next chunk of this phase for this walker (−1: none left): the front of its own range,
  // else the back of the other.
  int64_t claim(PhaseCounter& c, int64_t n, int64_t split) {
    if (split >= n) return take(c.taken[0].v, 0, n, true);
    const int64_t lo[2] = {0, split}, hi[2] = {split, n};
    const int64_t t = take(c.taken[own_].v, lo[own_], hi[own_], true);
    if (t >= 0) return t;
    return take(c.taken[1 - own_].v, lo[1 - own_], hi[1 - own_], false);
  }

  // One chunk of [lo, hi) from the front or the back, if any is left.
  static int64_t take(std::atomic<uint64_t>& w, int64_t lo, int64_t hi, bool front) {
    uint64_t cur = w.load(std::memory_order_relaxed);
    for (;;) {
      const int64_t f = int64_t(cur & 0xffffffffu), b = int64_t(cur >> 32);
      if (lo + f >= hi - b) return -1;
      const uint64_t next = front ? cur + 1 : cur + (uint64_t(1) << 32);
      if (w.compare_exchange_weak(cur, next, std::memory_order_relaxed)) return front ? lo + f : hi - b - 1;
    }
  }

  PhaseCounter* c_;
  int own_;
  int64_t p_ = 0;
  int64_t reserved_ = -1;  // a chunk of phase p_ claimed while waiting at the previous barrier
};

}  // namespace st
