package datasets

import (
	"fmt"
	"math/big"

	"github.com/nlpodyssey/gopickle/types"
)

// findGlobal resolves the Python globals a pickled numpy array of bytes
// refers to, in every protocol and numpy version: numpy 1 and 2 module
// paths, Python 2 and 3 names, and Python 3's way of pickling bytes at
// protocol 2. Any other global is an error, so a pickle can only build
// dicts, lists, strings, numbers and byte arrays.
func findGlobal(module, name string) (any, error) {
	switch module + "." + name {
	case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct":
		return npReconstruct{}, nil
	case "numpy.ndarray":
		return npNdarray{}, nil
	case "numpy.dtype":
		return npDtypeClass{}, nil
	case "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer":
		return npFrombuffer{}, nil
	case "_codecs.encode":
		return codecsEncode{}, nil
	case "__builtin__.bytes", "builtins.bytes":
		return pyBytes{}, nil
	}
	return nil, fmt.Errorf("pickle refers to Python global %s.%s, which a CIFAR file does not hold", module, name)
}

// ndarray is a numpy array of unsigned bytes, as unpickled.
type ndarray struct {
	shape   []int
	fortran bool   // column-major data
	data    []byte // the elements in the order fortran says
	built   bool   // its state was set
}

// npNdarray stands for the class numpy.ndarray.
type npNdarray struct{}

// npReconstruct is numpy.core.multiarray._reconstruct(ndarray, (0,), b'b'),
// which makes an empty array that the pickle's BUILD then fills.
type npReconstruct struct{}

// Call returns an empty *ndarray.
func (npReconstruct) Call(args ...any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("numpy _reconstruct called without arguments")
	}
	if _, ok := args[0].(npNdarray); !ok {
		return nil, fmt.Errorf("numpy _reconstruct of %s, want numpy.ndarray", pyType(args[0]))
	}
	return &ndarray{}, nil
}

// PySetState fills the array from numpy's state tuple: ([version,]
// shape, dtype, is_fortran, data).
func (a *ndarray) PySetState(state any) error {
	t, ok := state.(*types.Tuple)
	if !ok {
		return fmt.Errorf("numpy array state is %s, want a tuple", pyType(state))
	}
	items := []any(*t)
	if len(items) == 5 {
		items = items[1:]
	}
	if len(items) != 4 {
		return fmt.Errorf("numpy array state has %d items, want 4 or 5", len(*t))
	}
	shape, err := pyShape(items[0])
	if err != nil {
		return err
	}
	if err := checkDtype(items[1]); err != nil {
		return err
	}
	fortran, ok := pyBool(items[2])
	if !ok {
		return fmt.Errorf("numpy array's is_fortran is %s, want a bool", pyType(items[2]))
	}
	data, ok := pyBytesOf(items[3])
	if !ok {
		return fmt.Errorf("numpy array data is %s, want bytes", pyType(items[3]))
	}
	return a.set(shape, fortran, data)
}

// set checks that data fill shape and stores them.
func (a *ndarray) set(shape []int, fortran bool, data []byte) error {
	n := 1
	for _, d := range shape {
		n *= d // pyShape bounds each dimension, and len(data) bounds n below
		if n > len(data) {
			break
		}
	}
	if n != len(data) {
		return fmt.Errorf("numpy array of shape %v needs %d bytes, has %d", shape, n, len(data))
	}
	a.shape, a.fortran, a.data, a.built = shape, fortran, data, true
	return nil
}

// npDtypeClass is numpy.dtype; called with ('u1', 0, 1) it makes a dtype.
type npDtypeClass struct{}

// npDtype is a numpy dtype; only unsigned bytes are accepted.
type npDtype struct{ code string }

// Call makes the dtype named by its first argument.
func (npDtypeClass) Call(args ...any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("numpy dtype called without arguments")
	}
	code, ok := pyString(args[0])
	if !ok {
		return nil, fmt.Errorf("numpy dtype of %s, want a string", pyType(args[0]))
	}
	return &npDtype{code: code}, nil
}

// PySetState accepts the dtype's state (byte order, field names, ...),
// which does not matter for single bytes.
func (*npDtype) PySetState(any) error { return nil }

// checkDtype accepts the dtype of unsigned bytes.
func checkDtype(v any) error {
	d, ok := v.(*npDtype)
	if !ok {
		return fmt.Errorf("numpy array dtype is %s, want a numpy dtype", pyType(v))
	}
	switch d.code {
	case "u1", "|u1", "uint8", "B":
		return nil
	}
	return fmt.Errorf("numpy array dtype is %q, want uint8", d.code)
}

// npFrombuffer is numpy.core.numeric._frombuffer(buf, dtype, shape,
// order), which numpy uses from pickle protocol 5 on.
type npFrombuffer struct{}

// Call builds the array.
func (npFrombuffer) Call(args ...any) (any, error) {
	if len(args) != 4 {
		return nil, fmt.Errorf("numpy _frombuffer called with %d arguments, want 4", len(args))
	}
	data, ok := pyBytesOf(args[0])
	if !ok {
		return nil, fmt.Errorf("numpy _frombuffer of %s, want bytes", pyType(args[0]))
	}
	if err := checkDtype(args[1]); err != nil {
		return nil, err
	}
	shape, err := pyShape(args[2])
	if err != nil {
		return nil, err
	}
	order, _ := pyString(args[3])
	if order != "C" && order != "F" {
		return nil, fmt.Errorf("numpy _frombuffer order %q, want C or F", order)
	}
	a := &ndarray{}
	return a, a.set(shape, order == "F", data)
}

// codecsEncode is _codecs.encode(str, 'latin1'), Python 3's way of
// pickling bytes at protocols 0 to 2: each character is one byte.
type codecsEncode struct{}

// Call returns the string's characters as bytes.
func (codecsEncode) Call(args ...any) (any, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("_codecs.encode called with %d arguments, want 2", len(args))
	}
	s, ok1 := args[0].(string)
	enc, ok2 := args[1].(string)
	if !ok1 || !ok2 || (enc != "latin1" && enc != "latin-1") {
		return nil, fmt.Errorf("_codecs.encode(%s, %q), want a string and 'latin1'", pyType(args[0]), enc)
	}
	b := make([]byte, 0, len(s))
	for i, r := range s {
		if r > 0xff { // also invalid UTF-8, which decodes as U+FFFD
			return nil, fmt.Errorf("_codecs.encode: character %U at %d is not latin-1", r, i)
		}
		b = append(b, byte(r))
	}
	return b, nil
}

// pyBytes is the class bytes; bytes() is the empty bytes object.
type pyBytes struct{}

// Call returns empty bytes (the only use of bytes() in a pickle).
func (pyBytes) Call(args ...any) (any, error) {
	if len(args) != 0 {
		return nil, fmt.Errorf("bytes called with %d arguments, want none", len(args))
	}
	return []byte{}, nil
}

// pyString returns a Python 2 str, Python 3 str or bytes as a string.
func pyString(v any) (string, bool) {
	switch s := v.(type) {
	case string:
		return s, true
	case []byte:
		return string(s), true
	}
	return "", false
}

// pyBytesOf returns the bytes of a Python 2 str, bytes or bytearray.
func pyBytesOf(v any) ([]byte, bool) {
	switch s := v.(type) {
	case string:
		return []byte(s), true
	case []byte:
		return s, true
	case *types.ByteArray:
		if s == nil {
			return nil, false
		}
		return []byte(*s), true
	}
	return nil, false
}

// pyInt returns a Python int (or a Python 2 long that fits) as an int.
func pyInt(v any) (int, bool) {
	switch i := v.(type) {
	case int:
		return i, true
	case bool:
		return 0, false
	case *big.Int:
		if i != nil && i.IsInt64() {
			return int(i.Int64()), true
		}
	}
	return 0, false
}

// pyBool returns a Python bool, or 0 or 1 as Python 2's numpy wrote it.
func pyBool(v any) (bool, bool) {
	if b, ok := v.(bool); ok {
		return b, true
	}
	if i, ok := pyInt(v); ok && (i == 0 || i == 1) {
		return i == 1, true
	}
	return false, false
}

// pyShape returns a tuple of non-negative ints.
func pyShape(v any) ([]int, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("numpy array shape is %s, want a tuple", pyType(v))
	}
	shape := make([]int, len(*t))
	for i, d := range *t {
		n, ok := pyInt(d)
		if !ok || n < 0 || n > maxDataBytes {
			return nil, fmt.Errorf("numpy array shape %v: dimension %d is not a size", []any(*t), i)
		}
		shape[i] = n
	}
	return shape, nil
}

// pyType names the Python type of an unpickled value, for errors.
func pyType(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case int, *big.Int:
		return "int"
	case bool:
		return "bool"
	case float64:
		return "float"
	case *types.List:
		return "list"
	case *types.Tuple:
		return "tuple"
	case *types.Dict:
		return "dict"
	case *types.ByteArray:
		return "bytearray"
	case *ndarray:
		return "numpy array"
	case *types.GenericObject:
		if v.Class != nil {
			return v.Class.Module + "." + v.Class.Name + " object"
		}
	}
	return fmt.Sprintf("%T", v)
}
