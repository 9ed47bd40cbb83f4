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

func TestRoundResultsLine(t *testing.T) {
	c := &benchCase{name: "x", unit: "samples/s"}
	var r roundResults
	r.add(100, 100, 50, 50) // ratio 2
	if got, want := r.line(c), "RESULT case=x unit=samples/s deepgo=100 pytorch=50 ratio=2.000 cpu_ratio=2.000"; got != want {
		t.Fatalf("one round:\n%s\nwant\n%s", got, want)
	}
	r.add(40, 40, 80, 40)  // ratio 0.5, cpu 1
	r.add(90, 90, 100, 60) // ratio 0.9, cpu 1.5
	want := "RESULT case=x unit=samples/s deepgo=90 pytorch=80 ratio=0.900 cpu_ratio=1.500 rounds=2.000,0.500,0.900"
	if got := r.line(c); got != want {
		t.Fatalf("three rounds:\n%s\nwant\n%s", got, want)
	}
}
