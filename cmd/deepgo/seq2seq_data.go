package main

import (
	"fmt"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/tensor"
)

// The date task's alphabets: every character the date styles write, and
// the ISO date's. The vocabularies are fixed rather than read off the
// training set so that a character missing from one draw is not an error.
const (
	dateSrcChars = " ,./0123456789abcdefghijklmnopqrstuvwxyz"
	dateTgtChars = "0123456789-"
)

// dateSets are the task's three sets: training, validation (watched every
// epoch) and test (held out until the end).
type dateSets struct {
	train, val, test []data.DatePair
}

// splitDates draws the three sets from disjoint seeds and deduplicates them
// by source string: no source appears twice in the training set, and no
// validation or test source appears in the training set or in the other
// held-out set, so exact-match measures translations the model never saw.
func splitDates(nTrain, nVal, nTest int, seed uint64) (dateSets, error) {
	seen := map[string]bool{}
	draw := func(n int, seed uint64, what string) ([]data.DatePair, error) {
		out := make([]data.DatePair, 0, n)
		for _, p := range data.GenerateDates(2*n+64, seed) {
			if len(out) == n {
				break
			}
			if !seen[p.Src] {
				seen[p.Src] = true
				out = append(out, p)
			}
		}
		if len(out) < n {
			return nil, fmt.Errorf("only %d distinct %s dates in %d draws; ask for fewer", len(out), what, 2*n+64)
		}
		return out, nil
	}
	var s dateSets
	var err error
	// One seed stream per set: seed·4 + k keeps runs with different seeds
	// apart as well.
	if s.train, err = draw(nTrain, 4*seed+1, "training"); err != nil {
		return s, err
	}
	if s.val, err = draw(nVal, 4*seed+2, "validation"); err != nil {
		return s, err
	}
	s.test, err = draw(nTest, 4*seed+3, "test")
	return s, err
}

// encodedDates is a set of pairs as id tensors: src [n, S] (BOS,
// characters, EOS, padding) and tgt [n, T+1] (BOS, the ISO date, EOS).
type encodedDates struct {
	pairs    []data.DatePair
	src, tgt *tensor.Tensor
}

// encodeDates encodes pairs with the vocabularies, sources padded to srcLen.
func encodeDates(pairs []data.DatePair, srcV, tgtV *data.CharVocab, srcLen int) (*encodedDates, error) {
	srcs, tgts := make([]string, len(pairs)), make([]string, len(pairs))
	for i, p := range pairs {
		srcs[i], tgts[i] = p.Src, p.Tgt
	}
	src, err := srcV.EncodeBatch(srcs, srcLen)
	if err != nil {
		return nil, err
	}
	tgt, err := tgtV.EncodeBatch(tgts, isoLen+2)
	if err != nil {
		return nil, err
	}
	return &encodedDates{pairs: pairs, src: src, tgt: tgt}, nil
}

// isoLen is the length of an ISO date, "1996-03-05".
const isoLen = 10

// teacherForcing returns the dataset the trainer reads: x [n, S+T] is the
// source followed by the decoder input (BOS and the date), y [n, T] the
// decoder's targets (the date and EOS), T = isoLen+1.
func (e *encodedDates) teacherForcing() *data.TensorDataset {
	t := e.tgt.Size(1) - 1
	x := tensor.Concat([]*tensor.Tensor{e.src, e.tgt.Narrow(1, 0, t)}, 1)
	return data.NewTensorDataset(x, e.tgt.Narrow(1, 1, t))
}

// maxSrcLen is the longest source of the sets in characters.
func maxSrcLen(sets ...[]data.DatePair) int {
	n := 0
	for _, s := range sets {
		for _, p := range s {
			n = max(n, len([]rune(p.Src)))
		}
	}
	return n
}
