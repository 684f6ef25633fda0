package safetensors

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// MaxRank is the largest number of dimensions a tensor may have.
const MaxRank = 8

// Tensor is one named tensor: its dtype, its shape (empty for a scalar)
// and its raw little-endian data, row-major.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// File is the content of a safetensors file.
type File struct {
	Tensors  []Tensor          // sorted by name
	Metadata map[string]string // nil when the file has no __metadata__
}

// Get returns the tensor called name, if there is one.
func (f *File) Get(name string) (*Tensor, bool) {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// Numel returns the number of elements, the product of the shape (1 for a
// scalar), or -1 when the shape has a negative extent or the product
// overflows an int.
func (t *Tensor) Numel() int {
	n, ok := numel(t.Shape)
	if !ok {
		return -1
	}
	return n
}

// numel is the product of shape, with ok false for a negative extent or
// an overflow. Any zero extent makes the product 0, whatever the others.
func numel(shape []int) (n int, ok bool) {
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			return 0, true
		}
	}
	var p uint64 = 1
	for _, d := range shape {
		hi, lo := bits.Mul64(p, uint64(d))
		if hi != 0 || lo > math.MaxInt {
			return 0, false
		}
		p = lo
	}
	return int(p), true
}

// byteSize is numel(shape) times the size of dt, with ok false for an
// unknown dtype, a bad shape or an overflow.
func byteSize(shape []int, dt DType) (int, bool) {
	n, ok := numel(shape)
	if !ok || !dt.Known() {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(n), uint64(dt.Size()))
	if hi != 0 || lo > math.MaxInt {
		return 0, false
	}
	return int(lo), true
}

// checkData checks that t has dtype want and exactly the bytes its shape
// calls for, and returns the element count.
func (t *Tensor) checkData(op string, want DType) (int, error) {
	if t.DType != want {
		return 0, &DTypeError{Tensor: t.Name, DType: t.DType, Want: want}
	}
	size, ok := byteSize(t.Shape, want)
	if !ok {
		return 0, &TensorError{Op: op, Tensor: t.Name, Msg: "invalid shape " + shapeString(t.Shape)}
	}
	if len(t.Data) != size {
		return 0, &TensorError{Op: op, Tensor: t.Name, Msg: "has " + itoa(len(t.Data)) +
			" data bytes, shape " + shapeString(t.Shape) + " needs " + itoa(size)}
	}
	return size / want.Size(), nil
}

// Float32s decodes an F32 tensor's data. It returns a *DTypeError for any
// other dtype and a *TensorError when the data does not match the shape.
func (t *Tensor) Float32s() ([]float32, error) {
	n, err := t.checkData("Float32s", DTypeF32)
	if err != nil {
		return nil, err
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Int64s decodes an I64 tensor's data. It returns a *DTypeError for any
// other dtype and a *TensorError when the data does not match the shape.
func (t *Tensor) Int64s() ([]int64, error) {
	n, err := t.checkData("Int64s", DTypeI64)
	if err != nil {
		return nil, err
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
	}
	return out, nil
}

// F32 builds an F32 tensor, copying shape and data. len(data) should be
// the product of shape; Encode reports a tensor where it is not.
func F32(name string, shape []int, data []float32) Tensor {
	b := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return Tensor{Name: name, DType: DTypeF32, Shape: append([]int{}, shape...), Data: b}
}

// I64 builds an I64 tensor, copying shape and data. len(data) should be
// the product of shape; Encode reports a tensor where it is not.
func I64(name string, shape []int, data []int64) Tensor {
	b := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
	}
	return Tensor{Name: name, DType: DTypeI64, Shape: append([]int{}, shape...), Data: b}
}
