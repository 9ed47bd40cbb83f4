// Package datatest gives tests the real datasets named by $DEEPGO_DATA
// (shared/datasets in CI), skipping tests that need them on a machine without
// them, and failing instead when $DEEPGO_REQUIRE_DATA=1, so that CI cannot go
// green by skipping.
//
//	func TestMNIST(t *testing.T) {
//		dir := datatest.Dataset(t, "mnist") // $DEEPGO_DATA/mnist
//		ds, err := data.LoadMNIST(dir, true)
//		...
//	}
package datatest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns $DEEPGO_DATA. When it is unset or not a directory, the test
// is skipped, or fails if $DEEPGO_REQUIRE_DATA is 1.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("DEEPGO_DATA")
	if dir == "" {
		missing(t, "DEEPGO_DATA is not set; point it at the datasets folder (shared/datasets) to run this test")
		return ""
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		missing(t, "DEEPGO_DATA="+dir+" is not a directory")
		return ""
	}
	return dir
}

// Dataset returns $DEEPGO_DATA/name, skipping or failing like Dir when it is
// not a directory.
func Dataset(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(Dir(t), name)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		missing(t, "dataset folder "+dir+" is missing")
		return ""
	}
	return dir
}

// Required reports whether $DEEPGO_REQUIRE_DATA asks missing data to fail
// tests rather than skip them.
func Required() bool { return os.Getenv("DEEPGO_REQUIRE_DATA") == "1" }

func missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatal(why + " (DEEPGO_REQUIRE_DATA=1)")
	}
	t.Skip(why)
}
