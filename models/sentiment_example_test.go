package models_test

import (
	"fmt"

	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

func ExampleNewMiniBERT() {
	m := models.NewMiniBERT(models.BERTConfig{VocabSize: 30522, Hidden: 128, Layers: 2, Heads: 2, Dropout: 0.1}, tensor.NewRNG(1))
	nn.Eval(m)
	// two sentences as WordPiece ids, [CLS] … [SEP], the second padded with [PAD] = 0
	ids := tensor.New([]float32{
		101, 2023, 2143, 2003, 6659, 102,
		101, 2307, 102, 0, 0, 0,
	}, 2, 6)
	var logits, mlm *tensor.Tensor
	tensor.NoGrad(func() {
		logits = m.Forward(ids)                   // classification on [CLS]
		mlm = m.MaskedLogits(ids, []int{2, 3, 7}) // the MLM head at three flat positions only
	})
	fmt.Println(nn.NumParameters(m), logits.Shape(), mlm.Shape())
	fmt.Println(nn.StateDictNames(m)[0])
	// Output:
	// 4376124 [2 2] [3 30522]
	// embeddings.word_embeddings.weight
}

func ExampleNewGRUClassifier() {
	m := models.NewGRUClassifier(models.GRUClassifierConfig{VocabSize: 10000, EmbedDim: 128, Hidden: 128, Dropout: 0.5}, tensor.NewRNG(1))
	nn.Eval(m)
	ids := tensor.New([]float32{
		12, 7, 431, 9, // four words
		55, 3, 0, 0, //   two words and padding (id 0)
	}, 2, 4)
	var logits *tensor.Tensor
	tensor.NoGrad(func() { logits = m.Forward(ids) })
	fmt.Println(nn.NumParameters(m), logits.Shape())
	// Output:
	// 1478658 [2 2]
}
