package ops

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
)

// DType is the element type of a tensor.
type DType int

const (
	// F32 is IEEE-754 binary32, the storage type of every activation,
	// parameter and gradient.
	F32 DType = iota
	// I32 is a signed 32-bit integer, used for class labels and predictions.
	I32
)

// String returns "f32" or "i32".
func (d DType) String() string {
	switch d {
	case F32:
		return "f32"
	case I32:
		return "i32"
	}
	return fmt.Sprintf("dtype(%d)", int(d))
}

// Shape is a tensor's extent in each dimension, outermost first
// (NCHW for images, OIHW for convolution weights).
type Shape []int

// Numel returns the number of elements: the product of the extents
// (1 for a scalar shape). It is meant for valid shapes, such as those of
// tensors Alloc returned; for a shape that came from outside, use
// NumelChecked, since this product wraps around on overflow.
func (s Shape) Numel() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// NumelChecked returns the number of elements like Numel, or an *Error
// (operation "shape") when an extent is negative or the product does not
// fit in an int. A zero extent makes the product 0 whatever the others.
func (s Shape) NumelChecked() (int, error) {
	n, why := s.numel()
	if why != "" {
		return 0, errf("shape", "%s %s", s, why)
	}
	return n, nil
}

// numel is NumelChecked with the reason of a failure, such as "has a
// negative extent", for the callers' own messages.
func (s Shape) numel() (n int, why string) {
	for _, d := range s {
		if d < 0 {
			return 0, "has a negative extent"
		}
		if d == 0 {
			return 0, ""
		}
	}
	var p uint64 = 1
	for _, d := range s {
		hi, lo := bits.Mul64(p, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return 0, "has more elements than an int can count"
		}
		p = lo
	}
	return int(p), ""
}

// Equal reports whether s and o have the same rank and extents.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// String formats the shape as [2,3,4].
func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Clone returns a copy of s that does not share its backing array.
func (s Shape) Clone() Shape { return append(Shape(nil), s...) }

// Valid reports whether every extent is positive.
func (s Shape) Valid() bool {
	for _, d := range s {
		if d <= 0 {
			return false
		}
	}
	return true
}

// Tensor is a handle to a backend-owned array. Its storage belongs to the
// backend that allocated it and must only be passed to that backend's
// operations. A Tensor made by Reshape shares storage with its source.
type Tensor struct {
	shape   Shape
	dtype   DType
	storage any
	owner   Backend
}

// NewTensor wraps backend storage in a tensor handle. It is meant for
// backend implementations; users allocate tensors with Backend.Alloc.
func NewTensor(owner Backend, dtype DType, shape Shape, storage any) *Tensor {
	return &Tensor{shape: shape.Clone(), dtype: dtype, storage: storage, owner: owner}
}

// Shape returns the tensor's shape. The caller must not modify it.
func (t *Tensor) Shape() Shape { return t.shape }

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return t.shape.Numel() }

// Storage returns the backend-specific storage; only the owning backend
// knows its type.
func (t *Tensor) Storage() any { return t.storage }

// Owner returns the backend that allocated the tensor.
func (t *Tensor) Owner() Backend { return t.owner }

// String describes the tensor as f32[2,3].
func (t *Tensor) String() string {
	if t == nil {
		return "<nil tensor>"
	}
	return t.dtype.String() + t.shape.String()
}

// Reshape returns a view of t with a new shape of the same size; it
// shares t's storage and must not be freed separately.
func Reshape(t *Tensor, shape Shape) (*Tensor, error) {
	if t == nil {
		return nil, nilErr("reshape", "tensor")
	}
	if n, err := shape.NumelChecked(); err != nil || !shape.Valid() || n != t.Numel() {
		return nil, errf("reshape", "cannot view %s as %s", t, shape)
	}
	v := NewTensor(t.owner, t.dtype, shape, t.storage)
	return v, nil
}
