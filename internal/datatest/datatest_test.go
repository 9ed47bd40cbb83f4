package datatest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records Skip and Fatal instead of acting.
type recorder struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	failed  string
}

func (r *recorder) Helper() {}

func (r *recorder) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.mu.Lock()
	r.failed = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

// call runs f on its own goroutine, as Skip and Fatal end it.
func call(t *testing.T, f func(tb testing.TB) string) (got string, r *recorder) {
	r = &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		got = f(r)
	}()
	<-done
	return got, r
}

func TestDir(t *testing.T) {
	tmp := t.TempDir()
	if err := os.Mkdir(filepath.Join(tmp, "mnist"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, data, require string
		sub                 string // "" calls Dir, else Dataset(sub)
		want                string
		skip, fail          bool
	}{
		{name: "unset skips", data: "", require: "", skip: true},
		{name: "unset fails when required", data: "", require: "1", fail: true},
		{name: "not a dir skips", data: filepath.Join(tmp, "nope"), skip: true},
		{name: "not a dir fails when required", data: filepath.Join(tmp, "nope"), require: "1", fail: true},
		{name: "set", data: tmp, want: tmp},
		{name: "set and required", data: tmp, require: "1", want: tmp},
		{name: "dataset present", data: tmp, sub: "mnist", want: filepath.Join(tmp, "mnist")},
		{name: "dataset missing skips", data: tmp, sub: "cifar", skip: true},
		{name: "dataset missing fails when required", data: tmp, sub: "cifar", require: "1", fail: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DEEPGO_DATA", c.data)
			t.Setenv("DEEPGO_REQUIRE_DATA", c.require)
			got, r := call(t, func(tb testing.TB) string {
				if c.sub != "" {
					return Dataset(tb, c.sub)
				}
				return Dir(tb)
			})
			if (r.skipped != "") != c.skip || (r.failed != "") != c.fail {
				t.Fatalf("skipped %q, failed %q; want skip %v, fail %v", r.skipped, r.failed, c.skip, c.fail)
			}
			if c.fail && !strings.Contains(r.failed, "DEEPGO_REQUIRE_DATA=1") {
				t.Errorf("failure %q does not say why it is not a skip", r.failed)
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
