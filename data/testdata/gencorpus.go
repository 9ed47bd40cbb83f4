//go:build ignore

// gencorpus writes the seed corpus of FuzzReadIDXImages and FuzzReadIDXLabels:
//
//	go run data/testdata/gencorpus.go data/testdata/fuzz
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

func idx(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

func gz(raw []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(raw)
	zw.Close()
	return b.Bytes()
}

func seq(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i * 37)
	}
	return p
}

func write(dir, name string, b []byte) {
	os.MkdirAll(dir, 0o755)
	s := "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
		panic(err)
	}
}

func main() {
	root := os.Args[1]
	im := filepath.Join(root, "FuzzReadIDXImages")
	lb := filepath.Join(root, "FuzzReadIDXLabels")
	img := idx(0x803, []uint32{2, 3, 3}, seq(18))
	one := idx(0x803, []uint32{1, 28, 28}, seq(784))
	badcrc := gz(img)
	badcrc[len(badcrc)-6] ^= 0xff
	imgs := map[string][]byte{
		"valid_raw":         img,
		"valid_gzip":        gz(img),
		"valid_28x28":       one,
		"valid_empty_set":   idx(0x803, []uint32{0, 28, 28}, nil),
		"empty":             nil,
		"short_magic":       img[:3],
		"short_dims":        img[:10],
		"short_pixels":      img[:20],
		"short_gzip":        gz(img)[:20],
		"gzip_no_trailer":   gz(img)[:len(gz(img))-4],
		"gzip_bad_crc":      badcrc,
		"trailing":          append(append([]byte{}, img...), 1, 2, 3),
		"label_magic":       idx(0x801, []uint32{2}, []byte{1, 2}),
		"float_type":        idx(0xD03, []uint32{1, 1, 1}, make([]byte, 4)),
		"lying_count":       idx(0x803, []uint32{0xffffffff, 28, 28}, seq(100)),
		"lying_count_gzip":  gz(idx(0x803, []uint32{60000, 28, 28}, seq(784))),
		"overflow":          idx(0x803, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil),
		"zero_rows":         idx(0x803, []uint32{5, 0, 28}, nil),
		"not_gzip_after_1f": []byte{0x1f, 0x8b, 0, 0, 0},
	}
	for k, v := range imgs {
		write(im, k, v)
	}
	lab := idx(0x801, []uint32{10}, []byte{5, 0, 4, 1, 9, 2, 1, 3, 1, 4})
	badcrcl := gz(lab)
	badcrcl[len(badcrcl)-6] ^= 0xff
	labs := map[string][]byte{
		"valid_raw":    lab,
		"valid_gzip":   gz(lab),
		"valid_zero":   idx(0x801, []uint32{0}, nil),
		"empty":        nil,
		"short_magic":  lab[:2],
		"short_count":  lab[:6],
		"short_labels": lab[:12],
		"short_gzip":   gz(lab)[:15],
		"gzip_bad_crc": badcrcl,
		"trailing":     append(append([]byte{}, lab...), 7),
		"image_magic":  img,
		"lying_count":  idx(0x801, []uint32{0xffffffff}, seq(50)),
		"two_dims":     idx(0x802, []uint32{2, 2}, seq(4)),
		"gzip_concat":  append(gz(lab[:9]), gz(lab[9:])...),
	}
	for k, v := range labs {
		write(lb, k, v)
	}
	fmt.Println("ok")
}
