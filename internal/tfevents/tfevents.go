// Package tfevents writes TensorBoard event files: a TFRecord stream of
// protobuf Event messages (docs/SPEC.md §8.5) holding scalar summaries and
// PNG images, encoded with protowire and no generated code. It also reads
// them back (ReadRecords, DecodeEvent), for tests and tools.
package tfevents

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC is TFRecord's masked CRC-32C of data.
func MaskedCRC(data []byte) uint32 {
	c := crc32.Checksum(data, castagnoli)
	return ((c >> 15) | (c << 17)) + 0xa282ead8
}

// Record frames data as one TFRecord: length, masked CRC of the length,
// data, masked CRC of the data.
func Record(data []byte) []byte {
	out := make([]byte, 12, 16+len(data))
	binary.LittleEndian.PutUint64(out, uint64(len(data)))
	binary.LittleEndian.PutUint32(out[8:], MaskedCRC(out[:8]))
	out = append(out, data...)
	return binary.LittleEndian.AppendUint32(out, MaskedCRC(data))
}

// Writer appends events to one event file. Every record is written with
// a single write and synced by Flush; a crash loses at most the records
// since the last Flush and leaves a readable prefix, which is how
// TensorBoard's own writers behave.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	now  func() time.Time
}

// Create starts a new event file in dir, named as TensorBoard expects
// (events.out.tfevents.<seconds>.<host>), and writes the file-version
// record.
func Create(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tfevents: %w", err)
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	now := time.Now()
	path := filepath.Join(dir, fmt.Sprintf("events.out.tfevents.%d.%s", now.Unix(), host))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("tfevents: %w", err)
	}
	w := &Writer{f: f, path: path, now: time.Now}
	ev := event(w.wall(), 0)
	ev = protowire.AppendTag(ev, 3, protowire.BytesType)
	ev = protowire.AppendString(ev, "brain.Event:2")
	if err := w.write(ev); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// Path returns the event file's path.
func (w *Writer) Path() string { return w.path }

func (w *Writer) wall() float64 { return float64(w.now().UnixNano()) / 1e9 }

// event starts an Event message with its wall time and step.
func event(wall float64, step int64) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(wall))
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(step))
}

func (w *Writer) write(ev []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.f.Write(Record(ev)); err != nil {
		return fmt.Errorf("tfevents: write %s: %w", w.path, err)
	}
	return nil
}

// summary wraps Summary.Value messages into an Event at step.
func (w *Writer) summary(step int64, values ...[]byte) error {
	var s []byte
	for _, v := range values {
		s = protowire.AppendTag(s, 1, protowire.BytesType)
		s = protowire.AppendBytes(s, v)
	}
	ev := event(w.wall(), step)
	ev = protowire.AppendTag(ev, 5, protowire.BytesType)
	ev = protowire.AppendBytes(ev, s)
	return w.write(ev)
}

// Scalars writes one event at step holding a simple_value for each tag.
func (w *Writer) Scalars(step int64, values map[string]float64, order []string) error {
	var vs [][]byte
	for _, tag := range order {
		v, ok := values[tag]
		if !ok {
			continue
		}
		var b []byte
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, tag)
		b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(float32(v)))
		vs = append(vs, b)
	}
	if len(vs) == 0 {
		return nil
	}
	return w.summary(step, vs...)
}

// Image writes a PNG image (already encoded) under tag at step.
func (w *Writer) Image(step int64, tag string, png []byte, width, height int) error {
	var img []byte
	img = protowire.AppendTag(img, 1, protowire.VarintType)
	img = protowire.AppendVarint(img, uint64(height))
	img = protowire.AppendTag(img, 2, protowire.VarintType)
	img = protowire.AppendVarint(img, uint64(width))
	img = protowire.AppendTag(img, 3, protowire.VarintType)
	img = protowire.AppendVarint(img, 4) // RGBA
	img = protowire.AppendTag(img, 4, protowire.BytesType)
	img = protowire.AppendBytes(img, png)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, tag)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, img)
	return w.summary(step, b)
}

// Flush syncs the file to disk.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Sync()
}

// Close syncs and closes the file.
func (w *Writer) Close() error {
	err := w.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}
