package models

import (
	"fmt"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// SentimentClasses are the two classes of the sentiment models, in the
// order of their logits: SST-2's labels 0 and 1.
var SentimentClasses = []string{"negative", "positive"}

// GRUClassifierConfig sizes a GRUClassifier. Zero fields take the defaults
// in brackets.
type GRUClassifierConfig struct {
	VocabSize int     `json:"vocab_size"` // token ids are in [0, VocabSize); required
	EmbedDim  int     `json:"embed_dim"`  // size of the token vectors [128]
	Hidden    int     `json:"hidden"`     // GRU state size per direction [128]
	Layers    int     `json:"layers"`     // stacked GRU layers [1]
	Dropout   float64 `json:"dropout"`    // on the embeddings, between GRU layers and on the final states
	PadID     int     `json:"pad_id"`     // the padding id: a zero vector with no gradient, and the end of a row
}

func (c GRUClassifierConfig) withDefaults() GRUClassifierConfig {
	if c.EmbedDim == 0 {
		c.EmbedDim = 128
	}
	if c.Hidden == 0 {
		c.Hidden = 128
	}
	if c.Layers == 0 {
		c.Layers = 1
	}
	return c
}

// GRUClassifier is the lecture's recurrent sentiment model: token
// embeddings, a bidirectional GRU that reads each sentence up to its last
// token (like a packed sequence, so padding never enters the states), the
// final forward and backward states of the last layer concatenated, dropout,
// and a linear layer to the two classes.
//
//	ids [B, L] → Embedding [B, L, E] → dropout → BiGRU → [h_fwd; h_bwd] [B, 2H] → dropout → Linear → [B, 2]
//
// Parameters: "embedding.weight" [V, E] (row PadID zero), the GRU's
// "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0",
// "gru.bias_hh_l0" and their "_reverse" twins (more with Layers > 1), and
// "fc.weight" [2, 2H], "fc.bias" [2]; initialized as PyTorch initializes
// each layer.
//
// # Shapes
//
//   - ids: [B, L], token ids as float32 values, each row's tokens first and
//     PadID after them (a row of padding only counts as one token);
//   - output: [B, 2] logits (negative, positive).
type GRUClassifier struct {
	nn.Base
	Config    GRUClassifierConfig // with the defaults filled in
	Embedding *nn.Embedding
	GRU       *nn.GRU
	Drop      *nn.Dropout
	FC        *nn.Linear
}

// NewGRUClassifier builds the model, initialized from rng (tensor's default
// generator when nil), which also draws the dropout masks. It panics on a
// VocabSize < 1, a PadID outside the vocabulary or negative sizes.
func NewGRUClassifier(c GRUClassifierConfig, rng *tensor.RNG) *GRUClassifier {
	c = c.withDefaults()
	if c.VocabSize < 1 || c.PadID < 0 || c.PadID >= c.VocabSize || c.EmbedDim < 0 || c.Hidden < 0 || c.Layers < 0 {
		panic(fmt.Sprintf("deepgo: NewGRUClassifier: vocab %d, pad %d, embed %d, hidden %d, layers %d: want positive sizes and a pad id in the vocabulary",
			c.VocabSize, c.PadID, c.EmbedDim, c.Hidden, c.Layers))
	}
	m := &GRUClassifier{Config: c}
	m.Embedding = nn.NewEmbedding(c.VocabSize, c.EmbedDim, rng, nn.WithPaddingIdx(c.PadID))
	m.GRU = nn.NewGRU(c.EmbedDim, c.Hidden, nn.RNNOptions{NumLayers: c.Layers, BatchFirst: true, Bidirectional: true, Dropout: c.Dropout, DropoutRNG: rng}, rng)
	m.Drop = nn.NewDropout(c.Dropout, rng)
	m.FC = nn.NewLinear(2*c.Hidden, len(SentimentClasses), rng)
	m.RegisterModule("embedding", m.Embedding)
	m.RegisterModule("gru", m.GRU)
	m.RegisterModule("fc", m.FC)
	m.RegisterModule("dropout", m.Drop)
	return m
}

// Forward returns the logits [B, 2] of the sentences ids [B, L].
func (m *GRUClassifier) Forward(ids *tensor.Tensor) *tensor.Tensor {
	lengths := rowLengths("GRUClassifier", ids, m.Config.PadID)
	x := m.Drop.Forward(m.Embedding.Forward(ids))
	_, hN := m.GRU.ForwardState(x, nil, lengths)
	// hN is [layers·2, B, H]: the last layer's forward and reverse states.
	b, h := ids.Size(0), m.Config.Hidden
	last := hN.Narrow(0, 2*(m.Config.Layers-1), 2).Permute(1, 0, 2).Reshape(b, 2*h)
	return m.FC.Forward(m.Drop.Forward(last))
}

// rowLengths returns the number of tokens of each row of ids [B, L]: the
// position after its last non-pad id, at least 1. It panics unless ids is
// a non-empty [B, L].
func rowLengths(op string, ids *tensor.Tensor, pad int) []int {
	sh := ids.Shape()
	if len(sh) != 2 || sh[0] == 0 || sh[1] == 0 {
		panic(fmt.Sprintf("deepgo: %s: ids %v: want [B, L] token ids", op, sh))
	}
	b, l := sh[0], sh[1]
	d, p := ids.Data(), float32(pad)
	lengths := make([]int, b)
	for i := range b {
		n := l
		for n > 1 && d[i*l+n-1] == p {
			n--
		}
		lengths[i] = n
	}
	return lengths
}
