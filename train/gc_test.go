package train

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetGCPercent(-1)
	debug.SetGCPercent(before)
	restore := TuneGC()
	got := debug.SetGCPercent(-1)
	debug.SetGCPercent(got)
	limit := debug.SetMemoryLimit(-1)
	restore()
	if got != TrainingGCPercent {
		t.Errorf("GC percent %d after TuneGC, want %d", got, TrainingGCPercent)
	}
	if total := totalMemory(); total > 0 && limit != int64(total/2) {
		t.Errorf("memory limit %d after TuneGC, want half of %d", limit, total)
	}
	if after := debug.SetGCPercent(-1); after != before {
		t.Errorf("GC percent %d after restore, want %d", after, before)
	} else {
		debug.SetGCPercent(after)
	}

	t.Setenv("GOGC", "150")
	restore = TuneGC()
	got = debug.SetGCPercent(-1)
	debug.SetGCPercent(got)
	restore()
	if got != before {
		t.Errorf("with GOGC set, TuneGC changed the GC percent to %d", got)
	}
}
