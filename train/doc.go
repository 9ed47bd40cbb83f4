// Package train runs training loops: Fit trains a model for some epochs
// with a loader, a loss and an optimizer, evaluates it after every epoch,
// shows a progress bar, writes metrics.csv, stops early when asked,
// checkpoints every epoch and on interrupt, and resumes from a checkpoint
// exactly where the run stopped (same batches, same optimizer state, same
// random numbers), so an interrupted run ends with the same numbers as an
// uninterrupted one.
//
// The loop is short enough to write by hand instead (see the package
// example); Fit is that loop plus the bookkeeping.
package train
