// Package text turns text into model inputs: BERT's WordPiece tokenizer
// (read from a BERT vocab.txt), a word-level vocabulary for models that
// embed whole words, the masking of BERT's masked-language-model
// pre-training, and the readers of the course's sentiment datasets (GLUE's
// SST-2 and the UCI Sentiment Labelled Sentences).
//
// The WordPiece tokenizer reproduces bert-base-uncased's: its output was
// compared token for token with HuggingFace's tokenizers library on SST-2
// and on tricky strings (accents, CJK, emoji, control characters, long
// words), see testdata/wordpiece_golden.js. Models get their inputs as
// Batch tensors of float32-coded ids, [B, L], with the attention mask and
// the segment ids beside them.
//
// Everything read from outside the program (vocabulary files, datasets)
// returns an error naming the file and, for a malformed row, its line;
// misuse of the API (an id outside the vocabulary, a MaxLen too short for
// the special tokens) panics with a message naming the function. The
// datasets live in the data folder (data.DataDir: --data-dir, then
// $DEEPGO_DATA): sst2/train.tsv, sst2/dev.tsv, sentiment-sentences/ and
// bert-vocab/vocab.txt.
package text
