package trainer

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/internal/safetensors"
	"github.com/wgtrain/wgtrain/internal/statedict"
	"github.com/wgtrain/wgtrain/ops"
)

// SaveState writes m's state_dict to path as safetensors: F32 weights and
// running statistics, I64 num_batches_tracked, PyTorch names, so that
// PyTorch's load_state_dict(strict=True) accepts it. The file is written
// atomically (temporary name, fsync, rename).
func SaveState(path string, m *graph.Model, metadata map[string]string) error {
	tensors, err := statedict.Tensors(m, "")
	if err != nil {
		return err
	}
	return safetensors.WriteFile(path, tensors, metadata)
}

// LoadState reads a resnet9 state_dict from path into m, strictly: the
// file is untrusted, so ReadCheckpoint validates it whole, its sizes
// must be m's, and Checkpoint.Load refuses non-finite values. On any
// error m is unchanged.
func LoadState(path string, m *graph.Model) error {
	c, err := ReadCheckpoint(path)
	if err != nil {
		return err
	}
	return c.Load(m)
}

// Checkpoint is a resnet9 state_dict read from a safetensors file and
// checked whole against the architecture its shapes imply.
type Checkpoint struct {
	Path string
	// InChannels, NumClasses and Width are the arguments of the
	// graph.NewResNet9 that the state_dict fits.
	InChannels, NumClasses, Width int

	file *safetensors.File
}

// ReadCheckpoint reads the resnet9 state_dict at path and checks it, as
// untrusted input, before any model is built for it: the safetensors
// format (internal/safetensors), the sizes read from 0.0.weight and
// 6.3.weight against graph's bounds (width up to 512 and so on), and
// then every entry against graph.ResNet9State of those sizes: each
// present, F32 of the exact shape (I64 scalars for the counters), and
// nothing else. A model built with the sizes therefore holds exactly the
// F32 data the file holds: a file that could be read gives a model that
// fits in memory. Values are checked when they are loaded (Load). A
// resume checkpoint (checkpoints/resume.safetensors, with its model/ and
// optim/ entries) is refused with a pointer to best.safetensors.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return checkCheckpoint(f, path)
}

// ParseCheckpoint is ReadCheckpoint on the bytes of a file; source names
// it in errors and becomes the Checkpoint's Path. The Checkpoint's
// tensors alias data.
func ParseCheckpoint(data []byte, source string) (*Checkpoint, error) {
	f, err := safetensors.Parse(data, source)
	if err != nil {
		return nil, err
	}
	return checkCheckpoint(f, source)
}

// checkCheckpoint makes ReadCheckpoint's checks on a parsed file.
func checkCheckpoint(f *safetensors.File, path string) (*Checkpoint, error) {
	if isResumeCheckpoint(f) {
		return nil, fmt.Errorf("trainer: %s: this is a resume checkpoint; use checkpoints/best.safetensors (or last.safetensors)", path)
	}
	shapes := make(map[string][]int, len(f.Tensors))
	for _, t := range f.Tensors {
		shapes[t.Name] = t.Shape
	}
	in, classes, width, err := graph.ResNet9Sizes(shapes)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", path, err)
	}
	want, err := graph.ResNet9State(in, classes, width)
	if err != nil {
		return nil, fmt.Errorf("trainer: %s: %w", path, err)
	}
	if err := statedict.Check(f, want, "", path); err != nil {
		return nil, err
	}
	return &Checkpoint{Path: path, InChannels: in, NumClasses: classes, Width: width, file: f}, nil
}

// isResumeCheckpoint reports whether f is the layout saveResume writes.
func isResumeCheckpoint(f *safetensors.File) bool {
	if _, ok := f.Metadata[resumeKey]; ok {
		return true
	}
	for _, t := range f.Tensors {
		if strings.HasPrefix(t.Name, "model/") || strings.HasPrefix(t.Name, "optim/") {
			return true
		}
	}
	return false
}

// resnet9Sizes describes resnet9 sizes for error messages.
func resnet9Sizes(in, classes, width int) string {
	return fmt.Sprintf("a width-%d resnet9 for %d-channel images and %d classes", width, in, classes)
}

// NewModel builds the resnet9 the checkpoint fits on b, with the given
// dropout probability, and loads the checkpoint into it.
func (c *Checkpoint) NewModel(b ops.Backend, dropout float32) (*graph.Model, error) {
	m, err := graph.NewResNet9(b, c.InChannels, c.NumClasses, c.Width, dropout)
	if err != nil {
		return nil, err
	}
	if err := c.Load(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Load sets m's state from the checkpoint: m must be a resnet9 of the
// checkpoint's sizes, and every value finite. On any error m is
// unchanged.
func (c *Checkpoint) Load(m *graph.Model) error {
	if m.InChannels != c.InChannels || m.NumClasses != c.NumClasses || m.Width != c.Width {
		return fmt.Errorf("trainer: %s: the checkpoint is %s; the model is %s", c.Path,
			resnet9Sizes(c.InChannels, c.NumClasses, c.Width), resnet9Sizes(m.InChannels, m.NumClasses, m.Width))
	}
	return statedict.Load(m, c.file, "", c.Path)
}

// Epoch returns the 1-based epoch that wgtrain train recorded in the
// checkpoint's metadata, or 0 when it holds none (a state_dict saved from
// PyTorch) or holds something else.
func (c *Checkpoint) Epoch() int {
	e, err := strconv.Atoi(c.file.Metadata["epoch"])
	if err != nil || e < 0 {
		return 0
	}
	return e
}
