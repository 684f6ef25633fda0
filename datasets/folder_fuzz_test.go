package datasets

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzDecodeImage feeds arbitrary bytes to the decode, orient, convert
// and resize path: it must return C×S×S bytes or an error, never panic
// or allocate beyond the size limits. Seeds: the committed test images.
func FuzzDecodeImage(f *testing.F) {
	files, _ := filepath.Glob("testdata/images/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, uint8(7), false)
		}
	}
	f.Add(pngHeader(100000, 100000), uint8(3), true)
	f.Fuzz(func(t *testing.T, data []byte, size uint8, gray bool) {
		s, c := int(size%33)+1, 3
		if gray {
			c = 1
		}
		out, err := DecodeImage(bytes.NewReader(data), s, c)
		if err == nil && len(out) != c*s*s {
			t.Fatalf("%d bytes for %d×%d×%d", len(out), c, s, s)
		}
	})
}

// FuzzFolderCache feeds arbitrary bytes to the cache file reader: it
// must reject them or return a consistent cache, and a valid cache must
// round-trip. With fixCRC the checksum is made right first, so that the
// parser behind it is reached.
func FuzzFolderCache(f *testing.F) {
	good := &folderCache{size: 2, channels: 1, classes: []string{"a", "b"}, files: []string{"a/x.png", "b/y.png"},
		splits: []uint8{0, 1}, labels: []int32{0, 1}, pixels: []uint8{1, 2, 3, 4, 5, 6, 7, 8}, skipped: []string{"b/z.png: junk"}}
	enc := good.encode()
	f.Add(enc, false)
	f.Add(enc[:len(enc)-5], true)
	f.Add([]byte(cacheMagic), true)
	f.Fuzz(func(t *testing.T, data []byte, fixCRC bool) {
		if fixCRC && len(data) >= 4 {
			// Past the checksum: the parser itself.
			data = slices.Clone(data)
			binary.LittleEndian.PutUint32(data[len(data)-4:], crc32.Checksum(data[:len(data)-4], crc32.MakeTable(crc32.Castagnoli)))
		}
		c, err := decodeCache(data)
		if err != nil {
			return
		}
		n := len(c.files)
		if len(c.labels) != n || len(c.splits) != n || len(c.pixels) != n*c.channels*c.size*c.size {
			t.Fatalf("inconsistent cache: %d files, %d labels, %d splits, %d pixels", n, len(c.labels), len(c.splits), len(c.pixels))
		}
		for _, l := range c.labels {
			if l < 0 || int(l) >= len(c.classes) {
				t.Fatalf("label %d of %d classes", l, len(c.classes))
			}
		}
		if !bytes.Equal(c.encode(), data) {
			t.Fatal("a cache that decodes does not re-encode to the same bytes")
		}
	})
}
