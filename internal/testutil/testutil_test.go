package testutil

import (
	"errors"
	"testing"
)

// recorder is a testing.TB that only counts reported errors.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }

func TestMustPanic(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fn     func()
		parts  []string
		errors int
		msg    string
	}{
		{"matching string", func() { panic("deepgo: Op: bad shape") }, []string{"Op", "shape"}, 0, "deepgo: Op: bad shape"},
		{"matching error", func() { panic(errors.New("boom here")) }, []string{"boom"}, 0, "boom here"},
		{"missing part", func() { panic("deepgo: Op") }, []string{"Op", "shape"}, 1, "deepgo: Op"},
		{"no panic", func() {}, []string{"x"}, 1, ""},
	} {
		r := &recorder{TB: t}
		if msg := MustPanic(r, tc.fn, tc.parts...); msg != tc.msg || r.errors != tc.errors {
			t.Errorf("%s: message %q and %d errors, want %q and %d", tc.name, msg, r.errors, tc.msg, tc.errors)
		}
	}
}
