// Writes wordpiece_golden.json: bert-base-uncased tokenizations made by
// HuggingFace's tokenizers library (the Rust library behind
// BertTokenizerFast, through its Node.js binding), for golden_test.go.
//
// Debian packages neither HuggingFace's tokenizers nor transformers for
// Python, so this uses the same library from the npm registry. Run from this
// folder:
//
//	mkdir -p /tmp/hftok && (cd /tmp/hftok && npm install tokenizers@0.23.2)
//	NODE_PATH=/tmp/hftok/node_modules node wordpiece_golden.js \
//	    ../../../shared/datasets > wordpiece_golden.json
//
// The tokenizer is assembled the way bert-base-uncased's tokenizer.json
// does it: BertNormalizer (clean text, CJK, strip accents, lower case),
// BertPreTokenizer, WordPiece ([UNK], "##", 100 characters per word),
// [CLS]/[SEP] post-processing, longest-first truncation, [PAD] padding. The
// special tokens are not added as "added tokens", so a literal "[CLS]" in
// the text is split like any text, as in BERT's original tokenizer.
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const hf = require('tokenizers');

const data = process.argv[2];
if (!data) {
  console.error('usage: node wordpiece_golden.js DATASETS_DIR > wordpiece_golden.json');
  process.exit(2);
}
const vocabPath = path.join(data, 'bert-vocab', 'vocab.txt');

// Strings that exercise each rule of the basic tokenizer.
const tricky = [
  '',
  '   ',
  'unaffable',
  'UNAFFABLE un-affable',
  'Hello, World!',
  'Héllo Wörld, naïve café résumé Ångström',
  'e\u0301 a\u0308\u0323 \u0301alone',
  'Tiếng Việt có dấu',
  'ΟΔΟΣ ΣΑΣ Σ',
  'İstanbul ı I straße',
  'Ǆ ǅ ǆ',
  'ﬁne ﬀ',
  '我爱北京天安门',
  '日本語のテキストです',
  '한국어 텍스트',
  'مرحبا بالعالم',
  'שָׁלוֹם',
  'สวัสดีครับ',
  'नमस्ते दुनिया',
  'I love it 😀👍🏽 🥰 👨‍👩‍👧',
  'a\u0000b c\u0007d del\u007fete',
  'tab\tsep\nnew\rline',
  '\u0085nel\u0096dash',
  'soft\u00adhyphen zero\u200bwidth bom\ufeffstart',
  'private\ue000use unassigned\u0378char non\ufffechar',
  'nbsp\u00a0here em\u2003space ideo\u3000space line\u2028sep para\u2029sep ogham\u1680space narrow\u202fnbsp',
  'hello...world!!! ???',
  '$100 + 50% = <great> ^_^ `quote` |pipe| ~tilde~ {brace} [bracket] @at #hash &amp; *star*',
  '«guillemets» „quotes“ — dash – en ‘single’',
  '¿Qué? ¡Sí!',
  'a\u1fefb greek question\u037e a·b',
  'x\u2019s it’s',
  '100°C ©®™ §¶ ½ 1/2',
  '3.14159 1,000,000 2nd 42x',
  'a'.repeat(100),
  'a'.repeat(101),
  'é'.repeat(100),
  'é'.repeat(101),
  'supercalifragilisticexpialidocious',
  'xyzqvw qqqq zzxxj',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ｆｕｌｌｗｉｄｔｈ ＡＢＣ',
  'https://example.com/a?b=c&d=e user@example.com',
  '[CLS] [SEP] [MASK] [UNK] [PAD]',
  "don't can't won't it's I'm you're",
  'This film is terrible',
  'This lecture was dense but interesting',
  'Mr. Smith paid $3.50 for the 2nd-hand book (at 9:30 a.m.).',
  'ALL CAPS SHOUTING!!! and MiXeD CaSe',
];

function rows(file, header) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  const body = header ? lines.slice(1) : lines;
  return body.map((l) => l.slice(0, l.lastIndexOf('\t')).trim());
}

// Every third SST-2 dev sentence; every tenth UCI sentence of each file and
// every UCI sentence with a character outside ASCII.
const sst = rows(path.join(data, 'sst2', 'dev.tsv'), true);
const texts = [...tricky, ...sst.filter((_, i) => i % 3 === 0)];
for (const f of ['amazon_cells_labelled.txt', 'imdb_labelled.txt', 'yelp_labelled.txt']) {
  rows(path.join(data, 'sentiment-sentences', f), false).forEach((s, i) => {
    if (i % 10 === 0 || /[^\x00-\x7f]/.test(s)) texts.push(s);
  });
}

(async () => {
  const model = await hf.WordPiece.fromFile(vocabPath, {
    unkToken: '[UNK]',
    continuingSubwordPrefix: '##',
    maxInputCharsPerWord: 100,
  });
  const tok = new hf.Tokenizer(model);
  tok.setNormalizer(hf.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true }));
  tok.setPreTokenizer(hf.bertPreTokenizer());
  tok.setPostProcessor(hf.bertProcessing(['[SEP]', tok.tokenToId('[SEP]')], ['[CLS]', tok.tokenToId('[CLS]')]));
  const decoder = hf.wordPieceDecoder('##', false);

  const tokenize = [];
  for (const text of texts) {
    const e = await tok.encode(text, null, { addSpecialTokens: false });
    tokenize.push({ text, ids: e.getIds(), decoded: decoder.decode(e.getTokens()) });
  }

  // Sentences and pairs of SST-2 and UCI text with and without truncation
  // and padding.
  const lens = [0, 5, 6, 7, 8, 9, 10, 11, 12, 16, 24, 32, 128];
  const pool = texts.slice(tricky.length);
  const encode = [];
  for (let i = 0; i < 260; i++) {
    const a = pool[(7 * i) % pool.length];
    const b = i % 2 === 0 ? pool[(7 * i + 3) % pool.length] : null;
    let maxLen = lens[i % lens.length];
    if (b !== null && maxLen > 0 && maxLen < 6) maxLen = 6;
    const pad = maxLen > 0 && i % 3 !== 0;
    if (maxLen > 0) tok.setTruncation(maxLen, { strategy: 'LongestFirst' });
    else tok.disableTruncation();
    if (pad) tok.setPadding({ maxLength: maxLen, padId: tok.tokenToId('[PAD]'), padToken: '[PAD]' });
    else tok.disablePadding();
    const e = await tok.encode(a, b);
    encode.push({
      a, b, max_len: maxLen, pad,
      ids: e.getIds(), attention_mask: e.getAttentionMask(), segment_ids: e.getTypeIds(),
    });
  }

  // How longest-first truncation shares MaxLen between pairs of every
  // length: [len a, len b, max_len, kept of a, kept of b], with "x" one
  // token.
  const truncation = [];
  tok.disablePadding();
  for (let maxLen = 3; maxLen <= 12; maxLen++) {
    tok.setTruncation(maxLen, { strategy: 'LongestFirst' });
    for (let na = 0; na <= 9; na++) {
      for (let nb = 0; nb <= 9; nb++) {
        const e = await tok.encode('x '.repeat(na), 'x '.repeat(nb));
        const seg = e.getTypeIds();
        const ka = seg.filter((s) => s === 0).length - 2;
        const kb = seg.filter((s) => s === 1).length - 1;
        truncation.push([na, nb, maxLen, ka, kb]);
      }
    }
  }

  const vocab = fs.readFileSync(vocabPath);
  const out = {
    generator: 'text/testdata/wordpiece_golden.js with the npm package tokenizers@' +
      require('tokenizers/package.json').version,
    vocab_sha256: crypto.createHash('sha256').update(vocab).digest('hex'),
    tokenize,
    encode,
    truncation,
  };
  process.stdout.write(JSON.stringify(out, null, 0).replace(/(\}|\]),(\{|\[\d)/g, '$1,\n$2') + '\n');
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
