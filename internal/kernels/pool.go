package kernels

// MaxPool2x2 pools one output row of a 2×2, stride-2 max pooling: output
// j is the maximum of r0[2j], r0[2j+1], r1[2j], r1[2j+1] and arg[j] the
// index of the first of them holding it, counted as base+2j, base+2j+1,
// base+w+2j and base+w+2j+1 (the positions in the input plane when r0
// starts at base and r1 at base+w). It handles whole groups of 8 outputs,
// from the start, up to min(len(out), len(arg), len(r0)/2, len(r1)/2), and
// stops early at a group holding a NaN; it returns how many outputs it
// wrote. The caller finishes the rest (and NaN groups) in scalar code,
// where the last NaN of a window wins, as in PyTorch. Without the
// assembly it writes nothing and returns 0.
func MaxPool2x2(out []float32, arg []int32, r0, r1 []float32, base, w int32) int {
	n := min(len(out), len(arg), len(r0)/2, len(r1)/2) / 8
	if n == 0 {
		return 0
	}
	return maxPool2x2(out, arg, r0, r1, n, base, w) * 8
}
