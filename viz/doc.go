// Package viz draws the PNG pictures of a run folder: training curves
// (LinePlot), sample grids (ImageGrid), confusion matrices (ConfusionMatrix),
// what each first-layer unit learned (WeightImages), and heat maps such as
// attention weights (HeatMap).
//
// Charts with axes, legends and text are drawn with gonum.org/v1/plot;
// pixel pictures (grids, weights) are drawn directly, one source pixel to a
// scale×scale square, so that what is shown is exactly the data. Every
// function writes one PNG file and returns an error for anything it cannot
// draw (mismatched lengths, wrong tensor shapes, an unwritable path), with a
// message that names the function and the problem; none of them panics on
// bad input.
package viz
