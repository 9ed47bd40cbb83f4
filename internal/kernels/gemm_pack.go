package kernels

// Packing copies a block of op(A) or op(B) into the order the micro-kernel
// reads it, so the kernel streams both operands contiguously whatever the
// layout of the caller's matrices. This is where transA/transB are absorbed:
// after packing, NN, NT, TN and TT are the same computation.
//
// Packed A: ceil(mc/6) micro-panels of kc×6 (for each k step the 6 values of
// one column of the block), rows past mc zero-filled.
// Packed B: ceil(nc/16) micro-panels of kc×16 (for each k step 16 values of
// one row of the block), columns past nc zero-filled.

// packA packs op(A)[i0:i0+mc, p0:p0+kc] into dst.
func packA(dst []float32, a []float32, lda int, trans bool, i0, mc, p0, kc int) {
	for i := 0; i < mc; i += gemmMR {
		h := min(gemmMR, mc-i)
		d := dst[:kc*gemmMR]
		dst = dst[kc*gemmMR:]
		if trans {
			packATrans(d, a, lda, i0+i, h, p0, kc)
		} else {
			packAPlain(d, a, lda, i0+i, h, p0, kc)
		}
	}
}

// packAPlain gathers h (<= 6) rows of a row-major A: a strided transpose.
func packAPlain(d, a []float32, lda, i, h, p0, kc int) {
	if h < gemmMR {
		clear(d)
		for r := 0; r < h; r++ {
			row := a[(i+r)*lda+p0:][:kc]
			for p, v := range row {
				d[p*gemmMR+r] = v
			}
		}
		return
	}
	done := packA6NFast(d, a, lda, i, p0, kc)
	r0 := a[i*lda+p0:][:kc]
	r1 := a[(i+1)*lda+p0:][:kc]
	r2 := a[(i+2)*lda+p0:][:kc]
	r3 := a[(i+3)*lda+p0:][:kc]
	r4 := a[(i+4)*lda+p0:][:kc]
	r5 := a[(i+5)*lda+p0:][:kc]
	for p := done; p < kc; p++ {
		q := (*[gemmMR]float32)(d[p*gemmMR:])
		q[0], q[1], q[2], q[3], q[4], q[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// packATrans copies h (<= 6) columns of op(A) = Aᵀ: each k step is a short
// contiguous run of A's row p.
func packATrans(d, a []float32, lda, i, h, p0, kc int) {
	if h == gemmMR && packA6TFast(d, a, lda, i, p0, kc) {
		return
	}
	for p := 0; p < kc; p++ {
		q := d[p*gemmMR : p*gemmMR+gemmMR]
		s := a[(p0+p)*lda+i:][:h]
		// Element-wise on purpose: copy() of a few floats is a memmove call.
		for r, v := range s {
			q[r] = v
		}
		for r := h; r < gemmMR; r++ {
			q[r] = 0
		}
	}
}

// packB packs op(B)[p0:p0+kc, j0:j1] into dst as NR-wide micro-panels
// stride floats apart. The stride is fixed per call of Sgemm (the largest
// slab's size) so that each thread's share of a slab stays at the same
// place when a shorter last slab follows: threads that pack the next slab
// while others still read this one then never overlap.
func packB(dst []float32, stride int, b []float32, ldb int, trans bool, p0, kc, j0, j1 int) {
	for j := j0; j < j1; j += gemmNR {
		w := min(gemmNR, j1-j)
		d := dst[:kc*gemmNR]
		if j+gemmNR < j1 {
			dst = dst[stride:]
		}
		if trans {
			packBTrans(d, b, ldb, j, w, p0, kc)
		} else {
			packBPlain(d, b, ldb, j, w, p0, kc)
		}
	}
}

// packBPlain copies w (<= 16) columns of a row-major B: one short
// contiguous run per k step.
func packBPlain(d, b []float32, ldb, j, w, p0, kc int) {
	if w == gemmNR && packB16NFast(d, b, ldb, j, p0, kc) {
		return
	}
	for p := 0; p < kc; p++ {
		q := d[p*gemmNR : p*gemmNR+gemmNR]
		s := b[(p0+p)*ldb+j:][:w]
		for c, v := range s {
			q[c] = v
		}
		for c := w; c < gemmNR; c++ {
			q[c] = 0
		}
	}
}

// packBTrans gathers w (<= 16) rows of B (op(B) = Bᵀ): a strided transpose.
func packBTrans(d, b []float32, ldb, j, w, p0, kc int) {
	done := 0
	if w == gemmNR {
		done = packB16TFast(d, b, ldb, j, p0, kc)
	} else {
		clear(d)
	}
	for c := 0; c < w; c++ {
		row := b[(j+c)*ldb+p0:][:kc]
		for p := done; p < kc; p++ {
			d[p*gemmNR+c] = row[p]
		}
	}
}
