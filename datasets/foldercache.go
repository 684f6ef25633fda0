package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/wgtrain/wgtrain/internal/atomicfile"
)

// cacheMagic starts a folder cache file; the digit is the format version.
const cacheMagic = "WGTRIMG1"

// folderCache is the content of a cache file: a folder data set decoded
// at one size and channel count. Samples are in the folder's order with
// the skipped files left out.
type folderCache struct {
	key      [32]byte
	size     int
	channels int
	classes  []string
	files    []string // relative to ROOT
	splits   []uint8  // 0 train, 1 test
	labels   []int32
	pixels   []uint8 // len(files)*channels*size*size
	skipped  []string
}

// cacheKey hashes what a decoded folder depends on: ROOT's real path,
// the file list with sizes and modification times, the size, the
// channels and whether bad images are skipped.
func cacheKey(realRoot string, lay *folderLayout, size, channels int, skip bool) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%q\x00%d\x00%d\x00%t\x00", cacheMagic, realRoot, size, channels, skip)
	for _, c := range lay.classes {
		fmt.Fprintf(h, "class %q\x00", c)
	}
	for _, f := range lay.files {
		fmt.Fprintf(h, "%d %d %q %d %d\x00", f.split, f.label, f.rel, f.size, f.mtime)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// cachePath is where the cache file of key lives under dir.
func cachePath(dir string, key [32]byte) string {
	return filepath.Join(dir, fmt.Sprintf("folder-%x.bin", key[:12]))
}

// encode returns the cache file's bytes: magic, key, the fields, and a
// CRC-32C of everything before it.
func (c *folderCache) encode() []byte {
	var b bytes.Buffer
	b.WriteString(cacheMagic)
	b.Write(c.key[:])
	u32 := func(v int) { b.Write(binary.LittleEndian.AppendUint32(nil, uint32(v))) }
	str := func(s string) { u32(len(s)); b.WriteString(s) }
	u32(c.size)
	u32(c.channels)
	u32(len(c.classes))
	for _, s := range c.classes {
		str(s)
	}
	u32(len(c.files))
	for i, f := range c.files {
		str(f)
		b.WriteByte(c.splits[i])
		u32(int(c.labels[i]))
	}
	u32(len(c.skipped))
	for _, s := range c.skipped {
		str(s)
	}
	b.Write(c.pixels)
	b.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(b.Bytes(), crc32.MakeTable(crc32.Castagnoli))))
	return b.Bytes()
}

// errBadCache is a cache file that fails its checks: it is rebuilt.
var errBadCache = errors.New("datasets: corrupt folder cache")

// decodeCache parses a cache file's bytes, checking the magic, the
// checksum, every length against what is left and every label against
// the classes. It never panics.
func decodeCache(data []byte) (*folderCache, error) {
	n := len(data)
	if n < len(cacheMagic)+32+4 || string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, errBadCache
	}
	if crc32.Checksum(data[:n-4], crc32.MakeTable(crc32.Castagnoli)) != binary.LittleEndian.Uint32(data[n-4:]) {
		return nil, errBadCache
	}
	r := data[len(cacheMagic) : n-4]
	c := &folderCache{}
	copy(c.key[:], r)
	r = r[32:]
	bad := false
	u32 := func() int {
		if len(r) < 4 {
			bad = true
			return 0
		}
		v := binary.LittleEndian.Uint32(r)
		r = r[4:]
		if v > 1<<30 {
			bad = true
			return 0
		}
		return int(v)
	}
	str := func() string {
		l := u32()
		if bad || l > len(r) {
			bad = true
			return ""
		}
		s := string(r[:l])
		r = r[l:]
		return s
	}
	c.size, c.channels = u32(), u32()
	nc := u32()
	for i := 0; i < nc && !bad; i++ {
		c.classes = append(c.classes, str())
	}
	nf := u32()
	if bad || nf > len(r)/9 {
		return nil, errBadCache
	}
	for i := 0; i < nf && !bad; i++ {
		c.files = append(c.files, str())
		if len(r) < 1 {
			return nil, errBadCache
		}
		c.splits = append(c.splits, r[0])
		r = r[1:]
		l := u32()
		if l >= nc || c.splits[i] > 1 {
			bad = true
		}
		c.labels = append(c.labels, int32(l))
	}
	ns := u32()
	for i := 0; i < ns && !bad; i++ {
		c.skipped = append(c.skipped, str())
	}
	if bad || c.size < 1 || c.size > 4096 || (c.channels != 1 && c.channels != 3) {
		return nil, errBadCache
	}
	if int64(len(r)) != int64(nf)*int64(c.channels)*int64(c.size)*int64(c.size) {
		return nil, errBadCache
	}
	c.pixels = r
	return c, nil
}

// readCache returns the cache file of key under dir, or nil when there is
// none or it is corrupt or for another key.
func readCache(dir string, key [32]byte) *folderCache {
	data, err := os.ReadFile(cachePath(dir, key))
	if err != nil {
		return nil
	}
	c, err := decodeCache(data)
	if err != nil || c.key != key {
		return nil
	}
	return c
}

// writeCache writes c under dir atomically.
func writeCache(dir string, c *folderCache) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := atomicfile.Create(cachePath(dir, c.key), 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(c.encode()); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
