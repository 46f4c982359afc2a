// A persistent pool of worker threads shared by every kernel. Size: all cores by default,
// STEERLING_THREADS to override, setThreads() from JS at run time. The calling thread takes part.
#pragma once
#include <cstdint>
#include <functional>

namespace st {
int num_threads();
void set_num_threads(int n);
// Runs fn(task) for task in [0, n_tasks), spread over the pool; returns when all are done.
// Tasks are handed out dynamically, so uneven tasks balance. Not re-entrant: kernels must not
// call parallel_for from inside a task.
void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn);
}  // namespace st
