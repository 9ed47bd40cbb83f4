// Package testutil holds the assertions that the tests of several deepgo
// packages share.
package testutil

import (
	"fmt"
	"strings"
	"testing"
)

// MustPanic runs fn and reports an error unless it panics with a message
// (the panic value printed with fmt.Sprint) containing every part. It
// returns the message, "" when fn did not panic.
func MustPanic(t testing.TB, fn func(), parts ...string) (msg string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic; want one containing %q", parts)
			return
		}
		msg = fmt.Sprint(r)
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				t.Errorf("panic %q does not contain %q", msg, p)
			}
		}
	}()
	fn()
	return ""
}
