//go:build amd64 && !purego

package kernels

// maxPool2x2AVX2 is MaxPool2x2 on up to groups groups of 8 (pool_amd64.s);
// it returns the groups written.
//
//go:noescape
func maxPool2x2AVX2(out *float32, arg *int32, r0, r1 *float32, groups int, base, w int32) int

func maxPool2x2(out []float32, arg []int32, r0, r1 []float32, groups int, base, w int32) int {
	if !useAVX2 {
		return 0
	}
	return maxPool2x2AVX2(&out[0], &arg[0], &r0[0], &r1[0], groups, base, w)
}
