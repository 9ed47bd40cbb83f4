package main

import (
	"strings"
	"testing"
	"time"
)

func TestSelectCases(t *testing.T) {
	got, err := selectCases("gemm,op-overhead,gemm-nn-256")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.name)
	}
	want := "gemm-nn-1024 gemm-nt-1024 gemm-tn-1024 gemm-nn-256 op-overhead"
	if strings.Join(names, " ") != want {
		t.Fatalf("selected %v, want %s", names, want)
	}
	if _, err := selectCases("gem"); err == nil || !strings.Contains(err.Error(), "known: ") || !strings.Contains(err.Error(), "gemm-nn-1024") {
		t.Fatalf("unknown case: err = %v", err)
	}
}

// Every deepgo side of a case must run and give a positive figure. Heavy
// cases run once, without the timing loop, and are skipped with -short.
func TestCasesRun(t *testing.T) {
	for _, c := range allCases {
		if c.heavy && testing.Short() {
			continue
		}
		fn := c.deepgo()
		start := time.Now()
		fn()
		if c.heavy {
			if v := c.unitsPerSecond(time.Since(start).Seconds()); !(v > 0) {
				t.Errorf("%s: figure %v", c.name, v)
			}
			continue
		}
		wall, cpu := measure(fn, 1, time.Millisecond)
		if v := c.unitsPerSecond(wall); !(v > 0) || cpu < 0 {
			t.Errorf("%s: figure %v, CPU seconds per call %v", c.name, v, cpu)
		}
	}
}
