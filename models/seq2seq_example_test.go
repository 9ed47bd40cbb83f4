package models_test

import (
	"fmt"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

func ExampleSeq2SeqTransformer() {
	srcVocab := data.NewCharVocab("abcdefghijklmnopqrstuvwxyz0123456789 ,./")
	tgtVocab := data.NewCharVocab("0123456789-")
	m := models.NewSeq2SeqTransformer(models.Seq2SeqOptions{SrcVocab: srcVocab.Size(), TgtVocab: tgtVocab.Size()}, tensor.NewRNG(1))

	src, _ := srcVocab.EncodeBatch([]string{"march 5, 1996", "5/3/96"}, 0) // [2 15]: BOS, characters, EOS, padding
	tgt, _ := tgtVocab.EncodeBatch([]string{"1996-03-05", "1996-03-05"}, 0)
	in := tgt.Narrow(1, 0, tgt.Size(1)-1) // teacher forcing: BOS and the target, without EOS
	fmt.Println(nn.NumParameters(m), m.Logits(src, in).Shape())

	out := m.Greedy(src, 11) // untrained: up to 11 arbitrary characters
	fmt.Println(len(out), len(out[0]) <= 11)
	// Output:
	// 672142 [2 11 14]
	// 2 true
}
