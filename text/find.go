package text

import (
	"fmt"
	"os"
	"path/filepath"
)

// The folders of the text datasets inside the data folder (data.DataDir:
// --data-dir, then $DEEPGO_DATA, then the user cache folder).
const (
	SST2Folder      = "sst2"                // train.tsv, dev.tsv of GLUE's SST-2.zip
	SentencesFolder = "sentiment-sentences" // the UCI *_labelled.txt files
	BERTVocabFolder = "bert-vocab"          // bert-base-uncased vocab.txt
)

// SST2File returns the path of SST-2's split ("train" or "dev") in
// dataDir/sst2, or dataDir itself. The error says where the files belong.
func SST2File(dataDir, split string) (string, error) {
	if split != "train" && split != "dev" {
		return "", fmt.Errorf("text: SST-2 split %q: want train or dev (GLUE's test split has no labels)", split)
	}
	return findFile(dataDir, SST2Folder, split+".tsv", "SST-2", "GLUE's SST-2.zip (train.tsv, dev.tsv)")
}

// BERTVocabFile returns the path of bert-base-uncased's vocab.txt in
// dataDir/bert-vocab, or dataDir itself.
func BERTVocabFile(dataDir string) (string, error) {
	return findFile(dataDir, BERTVocabFolder, "vocab.txt", "the BERT vocabulary", "vocab.txt of bert-base-uncased (30,522 lines)")
}

// SentencesDir returns dataDir/sentiment-sentences when it holds the UCI
// Sentiment Labelled Sentences files, for LoadSentencesDir.
func SentencesDir(dataDir string) (string, error) {
	p, err := findFile(dataDir, SentencesFolder, "imdb_labelled.txt", "the Sentiment Labelled Sentences", "amazon_cells_labelled.txt, imdb_labelled.txt, yelp_labelled.txt")
	if err != nil {
		return "", err
	}
	return filepath.Dir(p), nil
}

func findFile(dataDir, sub, file, what, hint string) (string, error) {
	tried := []string{filepath.Join(dataDir, sub, file), filepath.Join(dataDir, file)}
	for _, p := range tried {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("text: %s not found: no %s nor %s; put %s in %s",
		what, tried[0], tried[1], hint, filepath.Join(dataDir, sub))
}
