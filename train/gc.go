package train

import (
	"os"
	"runtime/debug"
)

// TrainingGCPercent is the garbage-collection target TuneGC sets: the heap
// may grow to five times its live size before a collection.
const TrainingGCPercent = 400

// TuneGC sets the Go runtime's memory settings for training, unless the
// GOGC and GOMEMLIMIT environment variables already choose them:
//
//   - GOGC: TrainingGCPercent instead of Go's default 100;
//   - GOMEMLIMIT: half of the machine's memory (where the system reports
//     it), a soft limit that makes collections more frequent as the heap
//     nears it, so that the larger target cannot exhaust a small machine.
//
// A training step allocates its activations and gradients afresh, often
// more than the model's live heap; with Go's default target the collector
// then runs once or more per step, and between collections the runtime
// returns freed pages to the operating system, which the next step faults
// back in and zeroes. Training CIFAR model 2 (2 cores, batch 64, the
// bench/compare case) measured 8,700 to 12,700 samples/s over several runs
// at GOGC=100, with about 340 page faults per step, and 14,600 to 15,700 at
// 400 with almost none (one run in five, 12,100). deepgo's commands and
// bench/compare call TuneGC first; programs of your own can do the same,
// or set GOGC.
//
// TuneGC returns a function that restores the previous settings.
func TuneGC() (restore func()) {
	oldPercent, oldLimit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		oldPercent = debug.SetGCPercent(TrainingGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := totalMemory(); total > 0 {
			oldLimit = debug.SetMemoryLimit(int64(total / 2))
		}
	}
	return func() {
		if oldPercent != -2 {
			debug.SetGCPercent(oldPercent)
		}
		if oldLimit >= 0 {
			debug.SetMemoryLimit(oldLimit)
		}
	}
}
