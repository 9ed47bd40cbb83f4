package text_test

import (
	"fmt"
	"log"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/text"
)

// A vocabulary small enough to read: the pieces of the BERT README's
// example. Real code loads bert-vocab/vocab.txt with LoadWordPiece.
var tokens = []string{
	"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
	"un", "##aff", "##able", "the", "film", "is", "great", "!", "terrible",
}

func ExampleWordPiece_Tokenize() {
	w, err := text.NewWordPiece(tokens)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Tokenize("The film is UNAFFABLE!"))
	fmt.Println(w.Tokenize("The film is unknowable"))
	// Output:
	// [the film is un ##aff ##able !]
	// [the film is [UNK]]
}

func ExampleWordPiece_EncodePair() {
	w, err := text.NewWordPiece(tokens)
	if err != nil {
		log.Fatal(err)
	}
	e := w.EncodePair("The film is great", "Unaffable!", text.EncodeOptions{MaxLen: 12, Pad: true})
	fmt.Println("ids:     ", e.IDs)
	fmt.Println("mask:    ", e.AttentionMask)
	fmt.Println("segments:", e.SegmentIDs)
	fmt.Println(w.Decode(e.IDs))
	// Output:
	// ids:      [2 8 9 10 11 3 5 6 7 12 3 0]
	// mask:     [1 1 1 1 1 1 1 1 1 1 1 0]
	// segments: [0 0 0 0 0 0 1 1 1 1 1 0]
	// the film is great unaffable !
}

// A batch for a BERT classifier: ids, attention mask and segment ids as
// [B, L] tensors, padded to the longest sentence.
func ExampleWordPiece_EncodeBatch() {
	w, err := text.NewWordPiece(tokens)
	if err != nil {
		log.Fatal(err)
	}
	b := w.EncodeBatch([]string{"The film is great!", "Terrible"}, text.EncodeOptions{MaxLen: 64})
	fmt.Println(b.IDs.Shape(), b.IDs.Data())
	fmt.Println(b.AttentionMask.Data(), b.Lengths)
	// Output:
	// [2 7] [2 8 9 10 11 12 3 2 13 3 0 0 0 0]
	// [1 1 1 1 1 1 1 1 1 1 0 0 0 0] [7 3]
}

// Masked-language-model inputs: 15% of the tokens are chosen; the labels
// hold the originals there and text.IgnoreIndex (−100) elsewhere, the
// positions nn.CrossEntropy skips.
func ExampleMaskTokens() {
	w, err := text.NewWordPiece(tokens)
	if err != nil {
		log.Fatal(err)
	}
	ids := w.EncodeSentence("the film is great! the film is terrible!", text.EncodeOptions{}).IDs
	in, labels := text.MaskTokens(ids, w.SpecialMask(ids), w.MaskID(), w.Size(), text.MaskProb, tensor.NewRNG(4))
	fmt.Println(ids)
	fmt.Println(in)
	fmt.Println(labels)
	// Output:
	// [2 8 9 10 11 12 8 9 10 13 12 3]
	// [2 8 9 10 11 12 8 4 10 13 12 3]
	// [-100 -100 -100 -100 -100 -100 -100 9 -100 -100 -100 -100]
}

func ExampleBuildVocab() {
	v := text.BuildVocab([]string{"A great film.", "A terrible film!", "great"}, 2, 0)
	for id := range v.Size() {
		fmt.Printf("%d:%s\n", id, v.Word(id))
	}
	fmt.Println(v.Encode("A GREAT, great movie"))
	// Output:
	// 0:<pad>
	// 1:<unk>
	// 2:a
	// 3:film
	// 4:great
	// [2 4 1 4 1]
}

// Load SST-2 from the data folder (--data-dir, else $DEEPGO_DATA) and turn
// it into BERT inputs.
func ExampleLoadSST2() {
	dir := data.DataDir("")
	path, err := text.SST2File(dir, "train")
	if err != nil {
		log.Fatal(err) // text: SST-2 not found: no .../sst2/train.tsv nor ...; put GLUE's SST-2.zip (train.tsv, dev.tsv) in .../sst2
	}
	train, err := text.LoadSST2(path)
	if err != nil {
		log.Fatal(err) // text: .../sst2/train.tsv:1234: label "x" is not 0 or 1
	}
	vocab, err := text.BERTVocabFile(dir)
	if err != nil {
		log.Fatal(err)
	}
	w, err := text.LoadWordPiece(vocab)
	if err != nil {
		log.Fatal(err)
	}
	batch := w.EncodeBatch(text.Texts(train[:64]), text.EncodeOptions{MaxLen: 64, Pad: true})
	y := text.Labels(train[:64])
	fmt.Println(batch.IDs.Shape(), y.Shape()) // [64 64] [64]
}
