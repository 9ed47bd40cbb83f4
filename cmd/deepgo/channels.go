package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/viz"
)

// Settings of channels.png.
const (
	channelPool    = 2000 // test images searched
	channelRows    = 4    // channels shown
	channelMatches = 7    // most similar images per channel
)

// channelPictures draws the lecture's "intuition behind channels": take the
// first test image x and the output of a middle convolution block (after
// its ReLU); for the channels on which x responds most, rank the first
// channelPool test images by the cosine similarity between their output on
// that channel and x's, and show x, x's map on the channel and the best
// matches, one row per channel. Images with similar outputs on a channel
// share what the channel detects. It returns false, without writing, for a
// model without convolutions.
func channelPictures(path string, model *nn.Sequential, test *data.TensorDataset, norm data.Transform) (bool, error) {
	var convs []int
	for i := 0; i < model.Len(); i++ {
		if _, ok := model.At(i).(*nn.Conv2d); ok {
			convs = append(convs, i)
		}
	}
	if len(convs) == 0 {
		return false, nil
	}
	// the block ends at the ReLU that follows the chosen convolution
	last := convs[len(convs)/2]
	for j := last + 1; j < model.Len() && j <= last+2; j++ {
		if _, ok := model.At(j).(*nn.ReLU); ok {
			last = j
			break
		}
	}
	n := min(channelPool, test.Len())
	var maps *tensor.Tensor // [n, C, h, w]
	nn.Eval(model)
	tensor.NoGrad(func() {
		var parts []*tensor.Tensor
		for lo := 0; lo < n; lo += 250 {
			batch := make([]*tensor.Tensor, 0, 250)
			for i := lo; i < min(lo+250, n); i++ {
				x, _ := test.Get(i)
				batch = append(batch, norm.Apply(x, nil))
			}
			h := tensor.Stack(batch, 0)
			for i := 0; i <= last; i++ {
				h = model.At(i).Forward(h)
			}
			parts = append(parts, h)
		}
		maps = tensor.Concat(parts, 0)
	})
	c, hw := maps.Size(1), maps.Size(2)*maps.Size(3)
	md := maps.Data()
	at := func(img, ch int) []float32 { return md[(img*c+ch)*hw : (img*c+ch+1)*hw] }

	// the query's most active channels
	energy := make([]float64, c)
	order := make([]int, c)
	for ch := range energy {
		order[ch] = ch
		for _, v := range at(0, ch) {
			energy[ch] += float64(v) * float64(v)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return energy[order[a]] > energy[order[b]] })

	query, _ := test.Get(0)
	side := query.Size(1)
	var tiles []*tensor.Tensor
	var labels []string
	for _, ch := range order[:min(channelRows, c)] {
		q := at(0, ch)
		sims := make([]float64, n)
		idx := make([]int, 0, n-1)
		for i := 1; i < n; i++ {
			sims[i] = cosine(q, at(i, ch))
			idx = append(idx, i)
		}
		sort.SliceStable(idx, func(a, b int) bool { return sims[idx[a]] > sims[idx[b]] })
		qmap := tensor.New(append([]float32(nil), q...), 1, 1, maps.Size(2), maps.Size(3))
		up := nn.NewUpsample(float64(side)/float64(maps.Size(2)), "nearest", false).Forward(qmap)
		tiles = append(tiles, query, up.Reshape(1, side, side).Expand(query.Size(0), side, side).Clone())
		labels = append(labels, "image", fmt.Sprintf("channel %d", ch))
		for _, i := range idx[:min(channelMatches, len(idx))] {
			x, _ := test.Get(i)
			tiles = append(tiles, x)
			labels = append(labels, fmt.Sprintf("cos %.2f", sims[i]))
		}
	}
	return true, viz.ImageGridWith(path, tensor.Stack(tiles, 0),
		viz.GridOptions{Cols: 2 + channelMatches, Scale: 3, Labels: labels, Normalize: viz.NormalizePerImage})
}

// cosine is the cosine similarity of a and b, 0 when either is all zeros.
func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i, v := range a {
		ab += float64(v) * float64(b[i])
		aa += float64(v) * float64(v)
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}
