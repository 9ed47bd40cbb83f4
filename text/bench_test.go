package text

import "testing"

// BenchmarkTokenize splits SST-2 sentences into WordPiece ids (Encode, the
// work under Tokenize without building strings) and reports sentences/s:
// dev holds full review sentences (~23 tokens), train mostly short phrases.
//
//	DEEPGO_DATA=../shared/datasets go test ./text -run - -bench Tokenize
func BenchmarkTokenize(b *testing.B) {
	w := bertVocab(b)
	for _, split := range []string{"dev", "train"} {
		texts := Texts(sst2(b, split))
		b.Run(split, func(b *testing.B) {
			n := 0
			for b.Loop() {
				w.Encode(texts[n%len(texts)])
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "sentences/s")
		})
	}
}

// BenchmarkEncodeBatch builds one padded [64, 64] batch of BERT inputs
// from SST-2 dev sentences.
func BenchmarkEncodeBatch(b *testing.B) {
	w := bertVocab(b)
	texts := Texts(sst2(b, "dev"))[:64]
	b.ReportAllocs()
	for b.Loop() {
		w.EncodeBatch(texts, EncodeOptions{MaxLen: 64, Pad: true})
	}
	b.ReportMetric(float64(64*b.N)/b.Elapsed().Seconds(), "sentences/s")
}
