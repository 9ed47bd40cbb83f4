package kernels

// sgemmKernelGo is the pure-Go micro-kernel: the same contract and packed
// layout as the assembly one (6×16 tile, A micro-panel of kc×6, B rows of 16
// with stride ldb), so packing and blocking are shared by both paths and the
// tests can run either on any machine.
//
// A 6×16 tile does not fit in scalar registers, so it is computed as twelve
// 2×4 sub-tiles. Eight accumulators plus six operands fit the 15 usable XMM
// registers of amd64 (and leave room on arm64's 32), so the inner loop runs
// without spills; the sub-tiles re-read the A and B micro-panels from L1.
func sgemmKernelGo(kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	if kc <= 0 {
		scaleTile(gemmMR, gemmNR, beta, c, ldc)
		return
	}
	a = a[:kc*gemmMR]
	b = b[:(kc-1)*ldb+gemmNR]
	for i := 0; i < gemmMR; i += 2 {
		for j := 0; j < gemmNR; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			bj := j
			for ai := i; ai < len(a); ai += gemmMR {
				aa := a[ai : ai+2 : ai+2]
				bb := b[bj : bj+4 : bj+4]
				a0, a1 := aa[0], aa[1]
				// One B value at a time keeps few temporaries live, so
				// the compiler does not spill accumulators.
				b0 := bb[0]
				c00 += a0 * b0
				c10 += a1 * b0
				b1 := bb[1]
				c01 += a0 * b1
				c11 += a1 * b1
				b2 := bb[2]
				c02 += a0 * b2
				c12 += a1 * b2
				b3 := bb[3]
				c03 += a0 * b3
				c13 += a1 * b3
				bj += ldb
			}
			r0 := c[i*ldc+j : i*ldc+j+4 : i*ldc+j+4]
			r1 := c[(i+1)*ldc+j : (i+1)*ldc+j+4 : (i+1)*ldc+j+4]
			if beta == 0 {
				r0[0], r0[1], r0[2], r0[3] = alpha*c00, alpha*c01, alpha*c02, alpha*c03
				r1[0], r1[1], r1[2], r1[3] = alpha*c10, alpha*c11, alpha*c12, alpha*c13
			} else {
				r0[0] = alpha*c00 + beta*r0[0]
				r0[1] = alpha*c01 + beta*r0[1]
				r0[2] = alpha*c02 + beta*r0[2]
				r0[3] = alpha*c03 + beta*r0[3]
				r1[0] = alpha*c10 + beta*r1[0]
				r1[1] = alpha*c11 + beta*r1[1]
				r1[2] = alpha*c12 + beta*r1[2]
				r1[3] = alpha*c13 + beta*r1[3]
			}
		}
	}
}

// edgeTile computes the top-left mr×nr corner of a 6×16 tile whose rest lies
// outside C. The packed panels are zero-padded, so the full tile is computed
// into a stack buffer (beta 0) and only the valid part is merged into C;
// the micro-kernel itself never needs a ragged variant.
func edgeTile(mr, nr, kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	var tmp [gemmMR * gemmNR]float32
	microTile(kc, a, b, ldb, tmp[:], gemmNR, alpha, 0)
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		t := tmp[i*gemmNR : i*gemmNR+nr]
		if beta == 0 {
			copy(row, t)
			continue
		}
		for j, v := range t {
			row[j] = v + beta*row[j]
		}
	}
}

// scaleTile sets C = beta*C on an m×n block, writing zeros (not 0*NaN) when
// beta is 0.
func scaleTile(m, n int, beta float32, c []float32, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
