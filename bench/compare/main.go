// Command compare runs the same work in deepgo and in PyTorch on this
// machine, one case after the other (never at the same time), and prints one
// line per case:
//
//	RESULT case=<name> unit=<unit> deepgo=<x> pytorch=<y> ratio=<x/y> cpu_ratio=<r>
//
// ratio > 1 means deepgo is better; cpu_ratio compares the CPU seconds each
// side used for the same work. Figures are medians over -reps timed
// repetitions after a warm-up. With -rounds R each case is measured R
// times, deepgo then PyTorch in turn, and the line gives the medians and
// each round's ratio (rounds=a,b,c): on a shared machine a slow phase of a
// minute can halve either side's figure, and alternating rounds keep one
// such phase from deciding the ratio. PyTorch runs as ../shared/PYTORCH-REFERENCE.md
// prescribes: Debian's python3-torch, the OpenMP OpenBLAS selected through
// LD_LIBRARY_PATH, and torch.set_num_threads equal to deepgo's thread count.
// When PyTorch is missing it says how to install it and exits with status 2.
//
//	go run ./bench/compare -cases gemm,op-overhead [-threads 2] [-reps 7] [-rounds 3]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/train"
)

func main() {
	casesFlag := flag.String("cases", "all", "comma-separated case names or prefixes (e.g. gemm,op-overhead); all runs every case")
	threads := flag.Int("threads", runtime.NumCPU(), "threads for both deepgo and PyTorch")
	reps := flag.Int("reps", 7, "timed repetitions per case (the median is reported)")
	minTime := flag.Duration("min-time", 500*time.Millisecond, "minimum duration of one timed repetition")
	python := flag.String("python", "/usr/bin/python3", "Python interpreter with Debian's torch")
	blasDir := flag.String("blas-dir", "/usr/lib/x86_64-linux-gnu/openblas-openmp", "directory of the OpenMP OpenBLAS that PyTorch must load")
	rounds := flag.Int("rounds", 1, "measure each case this many times, deepgo then PyTorch in turn, and report the medians (slow phases of a shared machine then hit both sides)")
	list := flag.Bool("list", false, "list the cases and exit")
	flag.Parse()

	if *list {
		for _, c := range allCases {
			fmt.Printf("%-22s %s\n", c.name, c.unit)
		}
		return
	}
	if *threads < 1 || *reps < 1 || *rounds < 1 || *minTime <= 0 {
		fail(2, "-threads, -reps, -rounds and -min-time must be positive")
	}
	selected, err := selectCases(*casesFlag)
	if err != nil {
		fail(2, err.Error())
	}
	script, err := pytorchScript()
	if err != nil {
		fail(1, err.Error())
	}
	if err := checkPyTorch(*python, *blasDir); err != nil {
		fail(2, err.Error())
	}

	runtime.GOMAXPROCS(*threads)
	kernels.SetThreads(*threads)
	// deepgo runs with the garbage-collector settings its commands use.
	train.TuneGC()
	gcPercent := debug.SetGCPercent(-1)
	debug.SetGCPercent(gcPercent)
	fmt.Printf("# threads=%d reps=%d min-time=%v GOARCH=%s deepgo-GOGC=%d\n", *threads, *reps, *minTime, runtime.GOARCH, gcPercent)
	for _, c := range selected {
		var r roundResults
		for range *rounds {
			fn := c.deepgo()
			wall, cpu := measure(fn, *reps, *minTime)
			theirs, theirsCPU, err := runPyTorch(*python, *blasDir, script, c.name, *threads, *reps, *minTime)
			if err != nil {
				fail(1, err.Error())
			}
			r.add(c.unitsPerSecond(wall), c.unitsPerSecond(cpu), theirs, theirsCPU)
		}
		fmt.Println(r.line(c))
	}
}

// roundResults collects a case's figures over the rounds.
type roundResults struct {
	ours, theirs, ratios, cpuRatios []float64
}

func (r *roundResults) add(ours, oursCPU, theirs, theirsCPU float64) {
	r.ours = append(r.ours, ours)
	r.theirs = append(r.theirs, theirs)
	r.ratios = append(r.ratios, ours/theirs)
	r.cpuRatios = append(r.cpuRatios, oursCPU/theirsCPU)
}

// line is the RESULT line: medians over the rounds (the ratio is the
// median of each round's ratio), then each round's ratio when there were
// several.
func (r *roundResults) line(c *benchCase) string {
	out := fmt.Sprintf("RESULT case=%s unit=%s deepgo=%.4g pytorch=%.4g ratio=%.3f cpu_ratio=%.3f",
		c.name, c.unit, median(append([]float64(nil), r.ours...)), median(append([]float64(nil), r.theirs...)),
		median(append([]float64(nil), r.ratios...)), median(append([]float64(nil), r.cpuRatios...)))
	if len(r.ratios) > 1 {
		parts := make([]string, len(r.ratios))
		for i, v := range r.ratios {
			parts[i] = strconv.FormatFloat(v, 'f', 3, 64)
		}
		out += " rounds=" + strings.Join(parts, ",")
	}
	return out
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, "bench/compare:", msg)
	os.Exit(code)
}

// selectCases resolves the -cases list: each item is a case name or the
// prefix of a group of cases (gemm selects every gemm-* case).
func selectCases(spec string) ([]*benchCase, error) {
	if spec == "all" {
		return allCases, nil
	}
	seen := map[string]bool{}
	var out []*benchCase
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		found := false
		for _, c := range allCases {
			if c.name == item || strings.HasPrefix(c.name, item+"-") {
				found = true
				if !seen[c.name] {
					seen[c.name] = true
					out = append(out, c)
				}
			}
		}
		if !found {
			names := make([]string, len(allCases))
			for i, c := range allCases {
				names[i] = c.name
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown case %q; known: %s", item, strings.Join(names, ", "))
		}
	}
	return out, nil
}

// measure returns the median seconds per call of fn: a warm-up of at least
// 0.2 s calibrates how many calls fill minTime, then reps runs are timed.
func measure(fn func(), reps int, minTime time.Duration) (wall, cpu float64) {
	start := time.Now()
	calls := 0
	for calls < 3 || time.Since(start) < max(minTime, 200*time.Millisecond) {
		fn()
		calls++
	}
	per := time.Since(start).Seconds() / float64(calls)
	n := max(1, int(minTime.Seconds()/per))
	times, cpus := make([]float64, reps), make([]float64, reps)
	for r := range times {
		runtime.GC() // keep collection of the previous rep out of this one
		t, c := time.Now(), processCPU()
		for i := 0; i < n; i++ {
			fn()
		}
		times[r] = time.Since(t).Seconds() / float64(n)
		cpus[r] = (processCPU() - c) / float64(n)
	}
	return median(times), median(cpus)
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

// processCPU returns the CPU seconds (user + system) this process has used.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// pytorchScript finds bench/pytorch/cases.py from the working directory or
// from this source file's location.
func pytorchScript() (string, error) {
	candidates := []string{filepath.Join("bench", "pytorch", "cases.py"), filepath.Join("..", "pytorch", "cases.py")}
	if _, file, _, ok := runtime.Caller(0); ok {
		candidates = append(candidates, filepath.Join(filepath.Dir(file), "..", "pytorch", "cases.py"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", errors.New("cannot find bench/pytorch/cases.py; run from the repository root")
}

func pythonCmd(python, blasDir string, args ...string) *exec.Cmd {
	cmd := exec.Command(python, args...)
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH="+blasDir, "OMP_WAIT_POLICY=PASSIVE")
	return cmd
}

const installHint = "install it as ../shared/PYTORCH-REFERENCE.md says: apt-get install -y python3-torch python3-numpy libopenblas0-openmp"

func checkPyTorch(python, blasDir string) error {
	if _, err := os.Stat(python); err != nil {
		return fmt.Errorf("PyTorch is not available: no interpreter at %s; %s", python, installHint)
	}
	if _, err := os.Stat(blasDir); err != nil {
		return fmt.Errorf("the OpenMP OpenBLAS is missing (%s): PyTorch would run on the reference BLAS, 30x slower, and the comparison would be worthless; %s", blasDir, installHint)
	}
	out, err := pythonCmd(python, blasDir, "-c", "import torch; print(torch.__version__)").CombinedOutput()
	if err != nil {
		return fmt.Errorf("PyTorch is not available (%s -c 'import torch' failed: %s); %s", python, strings.TrimSpace(lastLine(string(out))), installHint)
	}
	fmt.Printf("# pytorch %s (%s, LD_LIBRARY_PATH=%s)\n", strings.TrimSpace(string(out)), python, blasDir)
	return nil
}

func runPyTorch(python, blasDir, script, name string, threads, reps int, minTime time.Duration) (wall, cpu float64, err error) {
	cmd := pythonCmd(python, blasDir, script, "--case", name, "--threads", strconv.Itoa(threads),
		"--reps", strconv.Itoa(reps), "--min-time", strconv.FormatFloat(minTime.Seconds(), 'f', 3, 64))
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return 0, 0, fmt.Errorf("PyTorch case %s failed: %s", name, strings.TrimSpace(lastLine(string(ee.Stderr))))
		}
		return 0, 0, fmt.Errorf("PyTorch case %s: %v", name, err)
	}
	fields := strings.Fields(lastLine(string(out)))
	if len(fields) == 2 {
		wall, err = strconv.ParseFloat(fields[0], 64)
		if err == nil {
			cpu, err = strconv.ParseFloat(fields[1], 64)
		}
	}
	if len(fields) != 2 || err != nil {
		return 0, 0, fmt.Errorf("PyTorch case %s printed %q, not two numbers", name, strings.TrimSpace(string(out)))
	}
	return wall, cpu, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
