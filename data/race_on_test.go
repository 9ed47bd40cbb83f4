//go:build race

package data

// raceEnabled makes the real-data tests read only the small test sets: the
// race detector slows gzip and hashing tenfold, and the concurrency it
// checks is the same on 10,000 samples as on 60,000.
const raceEnabled = true
