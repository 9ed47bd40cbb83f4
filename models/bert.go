package models

import (
	"fmt"
	"strings"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// BERTConfig sizes a MiniBERT. Zero fields take the defaults in brackets,
// except Dropout, where 0 means none (BERT uses 0.1).
type BERTConfig struct {
	VocabSize    int     `json:"vocab_size"`     // token ids are in [0, VocabSize): 30522 for bert-base-uncased's vocabulary; required
	Hidden       int     `json:"hidden"`         // width d of every token vector [128]
	Layers       int     `json:"layers"`         // encoder layers [2]
	Heads        int     `json:"heads"`          // attention heads, dividing Hidden [Hidden/64, at least 1]
	FF           int     `json:"ff"`             // hidden size of each layer's feed-forward block [4·Hidden]
	MaxLen       int     `json:"max_len"`        // learned positions: the longest input [64]
	TypeVocab    int     `json:"type_vocab"`     // segment ids (BERT's token types) [2]
	Dropout      float64 `json:"dropout"`        // after the embeddings, in every layer, before the classifier
	LayerNormEps float64 `json:"layer_norm_eps"` // of every LayerNorm [1e-12, BERT's]
	PadID        int     `json:"pad_id"`         // [PAD]: no gradient to its embedding, and masked as a key
}

func (c BERTConfig) withDefaults() BERTConfig {
	if c.Hidden == 0 {
		c.Hidden = 128
	}
	if c.Layers == 0 {
		c.Layers = 2
	}
	if c.Heads == 0 {
		c.Heads = max(c.Hidden/64, 1)
	}
	if c.FF == 0 {
		c.FF = 4 * c.Hidden
	}
	if c.MaxLen == 0 {
		c.MaxLen = 64
	}
	if c.TypeVocab == 0 {
		c.TypeVocab = 2
	}
	if c.LayerNormEps == 0 {
		c.LayerNormEps = 1e-12
	}
	return c
}

func (c BERTConfig) check() {
	bad := c.VocabSize < 1 || c.Hidden < 1 || c.Layers < 1 || c.Heads < 1 || c.FF < 1 || c.MaxLen < 1 ||
		c.TypeVocab < 1 || c.PadID < 0 || c.PadID >= c.VocabSize || !(c.Dropout >= 0 && c.Dropout < 1) || !(c.LayerNormEps > 0)
	if bad || c.Hidden%c.Heads != 0 {
		panic(fmt.Sprintf("deepgo: NewMiniBERT: config %+v: want positive sizes, Heads dividing Hidden, PadID in the vocabulary and Dropout in [0, 1)", c))
	}
}

// MiniBERT is a small BERT (Devlin et al., 2018) with both of its heads:
//
//	ids [B, L], segments [B, L]
//	  → word + position + segment embeddings → LayerNorm → dropout     [B, L, d]
//	  → Layers × TransformerEncoderLayer (post-norm, GELU), with the
//	    [PAD] positions masked as keys                                  [B, L, d]
//	  ├ MLM head, at the masked positions only:
//	  │   dense → GELU → LayerNorm → · word embeddingsᵀ + bias          [M, VocabSize]
//	  └ classification head, on [CLS] (position 0):
//	      pooler dense → tanh → dropout → classifier                    [B, 2]
//
// The MLM decoder shares its weight with the word embeddings (tied), and
// it runs on the M chosen positions only: BERT masks 15% of the tokens, so
// the VocabSize-way output layer, which would otherwise dominate the cost,
// shrinks about sevenfold.
//
// Parameters, named after HuggingFace's BertModel and PyTorch's
// nn.TransformerEncoder:
//
//	embeddings.word_embeddings.weight        [VocabSize, d]
//	embeddings.position_embeddings.weight    [MaxLen, d]
//	embeddings.token_type_embeddings.weight  [TypeVocab, d]
//	embeddings.LayerNorm.weight, .bias       [d]
//	encoder.layers.{i}.self_attn.in_proj_weight, ... (see nn.TransformerEncoderLayer)
//	mlm.dense.weight [d, d], mlm.dense.bias, mlm.LayerNorm.weight, .bias, mlm.bias [VocabSize]
//	pooler.weight [d, d], pooler.bias
//	classifier.weight [2, d], classifier.bias
//
// Initialization, as BERT's: every weight matrix and embedding from
// N(0, 0.02²), biases zero, LayerNorm weights one, the [PAD] embedding
// zero.
//
// # Shapes
//
//   - Forward: ids [B, L] (token ids as float32 values, L ≤ MaxLen, [PAD]
//     after each sentence) → logits [B, 2];
//   - Encode: ids and segments [B, L] → hidden states [B, L, d];
//   - MaskedLogits: ids [B, L] and M flat positions → logits [M, VocabSize].
type MiniBERT struct {
	nn.Base
	Config     BERTConfig // with the defaults filled in
	Embeddings *BERTEmbeddings
	Encoder    *nn.TransformerEncoder
	MLM        *MLMHead
	Pooler     *nn.Linear
	Classifier *nn.Linear
	drop       *nn.Dropout
}

// NewMiniBERT builds the model, initialized from rng (tensor's default
// generator when nil), which also draws the dropout masks. It panics on an
// invalid config.
func NewMiniBERT(c BERTConfig, rng *tensor.RNG) *MiniBERT {
	c = c.withDefaults()
	c.check()
	m := &MiniBERT{Config: c}
	m.Embeddings = newBERTEmbeddings(c, rng)
	layer := nn.NewTransformerEncoderLayer(c.Hidden, c.Heads, nn.TransformerLayerOptions{
		DimFeedforward: c.FF, Dropout: new(c.Dropout), Activation: "gelu",
		LayerNormEps: c.LayerNormEps, BatchFirst: true,
	}, rng)
	m.Encoder = nn.NewTransformerEncoder(layer, c.Layers, nil)
	m.MLM = newMLMHead(c, m.Embeddings.Word.Weight, rng)
	m.Pooler = nn.NewLinear(c.Hidden, c.Hidden, rng)
	m.Classifier = nn.NewLinear(c.Hidden, len(SentimentClasses), rng)
	m.drop = nn.NewDropout(c.Dropout, rng)
	m.RegisterModule("embeddings", m.Embeddings)
	m.RegisterModule("encoder", m.Encoder)
	m.RegisterModule("mlm", m.MLM)
	m.RegisterModule("pooler", m.Pooler)
	m.RegisterModule("classifier", m.Classifier)
	m.RegisterModule("dropout", m.drop)
	m.ResetParameters(rng)
	return m
}

// ResetParameters draws every parameter as BERT does: weight matrices and
// embeddings from N(0, 0.02²), biases zero, LayerNorm weights one, and the
// [PAD] row of the word embeddings zero.
func (m *MiniBERT) ResetParameters(rng *tensor.RNG) {
	for _, p := range m.NamedParameters() {
		switch {
		case isLayerNorm(p.Name) && strings.HasSuffix(p.Name, "weight"):
			nn.Ones(p.Tensor)
		case p.Tensor.Dim() == 1:
			nn.Zeros(p.Tensor)
		default:
			nn.Normal(p.Tensor, 0, 0.02, rng)
		}
	}
	w, d := m.Embeddings.Word.Weight.Data(), m.Config.Hidden
	clear(w[m.Config.PadID*d : (m.Config.PadID+1)*d])
}

func isLayerNorm(name string) bool {
	return strings.Contains(name, "LayerNorm.") || strings.Contains(name, ".norm1.") || strings.Contains(name, ".norm2.")
}

// Forward classifies the sentences ids [B, L] (segment 0 throughout) and
// returns the logits [B, 2] (negative, positive).
func (m *MiniBERT) Forward(ids *tensor.Tensor) *tensor.Tensor {
	return m.Classify(m.Encode(ids, nil))
}

// Classify is the classification head on hidden states [B, L, d]: the
// [CLS] vector (position 0) through the pooler (dense + tanh), dropout and
// the classifier, to logits [B, 2].
func (m *MiniBERT) Classify(hidden *tensor.Tensor) *tensor.Tensor {
	b, d := hidden.Size(0), m.Config.Hidden
	cls := hidden.Narrow(1, 0, 1).Reshape(b, d)
	return m.Classifier.Forward(m.drop.Forward(m.Pooler.Forward(cls).Tanh()))
}

// Encode returns the hidden states [B, L, d] of ids [B, L] with segment ids
// segments [B, L] (nil for all 0). Positions holding PadID are masked as
// attention keys. It panics unless ids is [B, L] with 1 ≤ L ≤ MaxLen and
// segments, when given, has its shape.
func (m *MiniBERT) Encode(ids, segments *tensor.Tensor) *tensor.Tensor {
	x := m.Embeddings.Embed(ids, segments)
	masks := nn.TransformerMasks{SrcKeyPadding: m.paddingMask(ids)}
	return m.Encoder.Encode(x, masks)
}

// paddingMask is the key padding mask of ids: 1 at PadID, or nil when no
// row is padded (the attention then skips the mask).
func (m *MiniBERT) paddingMask(ids *tensor.Tensor) *nn.Mask {
	pad := float32(m.Config.PadID)
	d := ids.Data()
	out := make([]float32, len(d))
	padded := false
	for i, v := range d {
		if v == pad {
			out[i], padded = 1, true
		}
	}
	if !padded {
		return nil
	}
	return nn.BoolMask(tensor.New(out, ids.Shape()...))
}

// MaskedLogits encodes ids [B, L] and returns the MLM head's logits
// [M, VocabSize] at the M flat positions (row·L + column), in their order:
// the gathered hidden states go through the head, so no other position
// pays for the VocabSize-way decoder. It panics on a position outside
// [0, B·L) or no position at all.
func (m *MiniBERT) MaskedLogits(ids *tensor.Tensor, positions []int) *tensor.Tensor {
	hidden := m.Encode(ids, nil)
	n := hidden.Size(0) * hidden.Size(1)
	if len(positions) == 0 {
		panic(fmt.Sprintf("deepgo: MiniBERT.MaskedLogits: ids %v: no masked position", ids.Shape()))
	}
	for _, p := range positions {
		if p < 0 || p >= n {
			panic(fmt.Sprintf("deepgo: MiniBERT.MaskedLogits: ids %v: position %d outside [0, %d)", ids.Shape(), p, n))
		}
	}
	flat := hidden.Reshape(n, m.Config.Hidden)
	return m.MLM.Forward(flat.IndexSelect(0, positions))
}

// KeepAttention switches on or off the keeping of every layer's per-head
// attention weights (see Attention).
func (m *MiniBERT) KeepAttention(on bool) { m.Encoder.KeepAttention(on) }

// Attention returns the attention weights of the last forward with
// KeepAttention on, one [B, Heads, L, L] tensor per layer (query rows, key
// columns).
func (m *MiniBERT) Attention() []*tensor.Tensor { return m.Encoder.Attention() }

// MLMHead is BERT's masked-language-model head (HuggingFace's
// BertLMPredictionHead): a dense layer, GELU and LayerNorm, then a decoder
// to the vocabulary whose weight is the word embedding table (tied) plus a
// bias of its own.
//
// Parameters: "dense.weight" [d, d], "dense.bias" [d], "LayerNorm.weight",
// "LayerNorm.bias" [d], "bias" [VocabSize]; the tied decoder weight is
// listed under the embeddings only.
//
// # Shapes
//
//   - input: hidden states [M, d];
//   - output: logits [M, VocabSize].
type MLMHead struct {
	nn.Base
	Dense   *nn.Linear
	Norm    *nn.LayerNorm
	Bias    *tensor.Tensor // [VocabSize]
	Decoder *tensor.Tensor // [VocabSize, d], the word embeddings' weight
}

func newMLMHead(c BERTConfig, decoder *tensor.Tensor, rng *tensor.RNG) *MLMHead {
	h := &MLMHead{
		Dense:   nn.NewLinear(c.Hidden, c.Hidden, rng),
		Norm:    nn.NewLayerNorm([]int{c.Hidden}, nn.LayerNormEps(c.LayerNormEps)),
		Bias:    tensor.Zeros(c.VocabSize),
		Decoder: decoder,
	}
	h.RegisterModule("dense", h.Dense)
	h.RegisterModule("LayerNorm", h.Norm)
	h.RegisterParameter("bias", h.Bias)
	return h
}

// Forward maps hidden states [M, d] to logits [M, VocabSize].
func (h *MLMHead) Forward(x *tensor.Tensor) *tensor.Tensor {
	t := h.Norm.Forward(h.Dense.Forward(x).GELU())
	return tensor.Linear(t, h.Decoder, h.Bias)
}

// BERTEmbeddings is BERT's input layer: the sum of a token's word
// embedding, its position's embedding and its segment's embedding, then
// LayerNorm and dropout. The three lookups and their sum are one fused op.
//
// Parameters: "word_embeddings.weight" [VocabSize, d] (the PadID row gets
// no gradient), "position_embeddings.weight" [MaxLen, d],
// "token_type_embeddings.weight" [TypeVocab, d], "LayerNorm.weight" and
// "LayerNorm.bias" [d].
//
// # Shapes
//
//   - ids, segments: [B, L] with L ≤ MaxLen;
//   - output: [B, L, d].
type BERTEmbeddings struct {
	nn.Base
	Word, Position, TokenType *nn.Embedding
	Norm                      *nn.LayerNorm
	drop                      *nn.Dropout
}

func newBERTEmbeddings(c BERTConfig, rng *tensor.RNG) *BERTEmbeddings {
	e := &BERTEmbeddings{
		Word:      nn.NewEmbedding(c.VocabSize, c.Hidden, rng, nn.WithPaddingIdx(c.PadID)),
		Position:  nn.NewEmbedding(c.MaxLen, c.Hidden, rng),
		TokenType: nn.NewEmbedding(c.TypeVocab, c.Hidden, rng),
		Norm:      nn.NewLayerNorm([]int{c.Hidden}, nn.LayerNormEps(c.LayerNormEps)),
		drop:      nn.NewDropout(c.Dropout, rng),
	}
	e.RegisterModule("word_embeddings", e.Word)
	e.RegisterModule("position_embeddings", e.Position)
	e.RegisterModule("token_type_embeddings", e.TokenType)
	e.RegisterModule("LayerNorm", e.Norm)
	e.RegisterModule("dropout", e.drop)
	return e
}

// Forward embeds ids [B, L] with segment 0 throughout.
func (e *BERTEmbeddings) Forward(ids *tensor.Tensor) *tensor.Tensor { return e.Embed(ids, nil) }

// Embed returns dropout(LayerNorm(word[ids] + position[0..L−1] +
// token_type[segments])) [B, L, d]; segments nil means all 0.
func (e *BERTEmbeddings) Embed(ids, segments *tensor.Tensor) *tensor.Tensor {
	const op = "BERTEmbeddings"
	sh := ids.Shape()
	if len(sh) != 2 || sh[0] == 0 || sh[1] == 0 || sh[1] > e.Position.Num {
		panic(fmt.Sprintf("deepgo: %s: ids %v: want [B, L] with 1 <= L <= %d (the positions)", op, sh, e.Position.Num))
	}
	if segments != nil && !tensor.SameShape(segments.Shape(), sh) {
		panic(fmt.Sprintf("deepgo: %s: ids %v but segments %v: want the same shape", op, sh, segments.Shape()))
	}
	w := checkIDs(op, "ids", ids, e.Word.Num)
	var s []int
	if segments != nil {
		s = checkIDs(op, "segments", segments, e.TokenType.Num)
	}
	sum := embeddingSum(w, s, sh[0], sh[1], e.Word, e.Position, e.TokenType)
	return e.drop.Forward(e.Norm.Forward(sum))
}

// checkIDs converts float32-coded ids to ints, panicking on one that is not
// an integer in [0, n).
func checkIDs(op, what string, t *tensor.Tensor, n int) []int {
	d := t.Data()
	out := make([]int, len(d))
	for i, v := range d {
		id := int(v)
		if float32(id) != v || id < 0 || id >= n {
			panic(fmt.Sprintf("deepgo: %s: %s %v: entry %d = %v is not an id in [0, %d)", op, what, t.Shape(), i, v, n))
		}
		out[i] = id
	}
	return out
}

// embeddingSum is the fused lookup-and-add of BERT's three embeddings:
//
//	out[b, l] = W[ids[b,l]] + P[l] + T[seg[b,l]]
//	dW[i] = Σ_{(b,l): ids=i, i≠pad} g[b,l]   dP[l] = Σ_b g[b,l]   dT[k] = Σ_{seg=k} g[b,l]
//
// seg nil means segment 0 everywhere.
func embeddingSum(ids, seg []int, b, l int, word, pos, typ *nn.Embedding) *tensor.Tensor {
	d := word.Dim
	out := tensor.Zeros(b, l, d)
	od, wd, pd, td := out.Data(), word.Weight.Data(), pos.Weight.Data(), typ.Weight.Data()
	segOf := func(p int) int {
		if seg == nil {
			return 0
		}
		return seg[p]
	}
	for p, id := range ids {
		row := od[p*d : (p+1)*d]
		t := segOf(p)
		kernels.Add(row, wd[id*d:(id+1)*d], pd[(p%l)*d:(p%l+1)*d])
		kernels.AddTo(row, td[t*d:(t+1)*d])
	}
	pad := word.PaddingIdx
	return tensor.Record("BERTEmbeddings", out, func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		dw, dp, dt := tensor.Zeros(word.Num, d), tensor.Zeros(pos.Num, d), tensor.Zeros(typ.Num, d)
		dwd, dpd, dtd := dw.Data(), dp.Data(), dt.Data()
		for p, id := range ids {
			gr := gd[p*d : (p+1)*d]
			if id != pad {
				kernels.AddTo(dwd[id*d:(id+1)*d], gr)
			}
			kernels.AddTo(dpd[(p%l)*d:(p%l+1)*d], gr)
			t := segOf(p)
			kernels.AddTo(dtd[t*d:(t+1)*d], gr)
		}
		return []*tensor.Tensor{dw, dp, dt}
	}, word.Weight, pos.Weight, typ.Weight)
}
