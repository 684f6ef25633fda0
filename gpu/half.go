package gpu

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/wgtrain/wgtrain/ops"
)

// Half-precision storage (Options.Precision "f16"). Activations and their
// gradients may be stored as IEEE-754 binary16, two to a 32-bit word,
// while every shader computes in f32: a tensor from AllocAct on a
// backend opened with Precision "f16" is such a tensor (its DType is
// still ops.F32, the type of its host values: Upload rounds to binary16
// and Download widens). Parameters, optimizer state, batch-norm
// statistics, logits and losses stay f32.
//
// The packing uses only core WGSL (pack2x16float and unpack2x16float):
// the WGSL compiler of the wgpu-native build that go-webgpu v0.17.1
// links rejects the f16 type even on an adapter with the shader-f16
// feature, so the storage is packed by hand and no feature is needed.
//
// A shader opts a storage binding in by reading it through NAME_ld(i)
// and writing it through NAME_st(i, v) (f32 values, element index i)
// instead of indexing NAME: variantSource generates those functions for
// each variant of the module. In the f32 variant they index the array;
// in a variant where binding k is half, NAME becomes array<u32> (read
// only) or array<atomic<u32>> (written: a store clears its 16 bits and
// ors in the new ones, so two invocations writing the two halves of one
// word never lose each other's value). The dispatch picks the variant
// from its bindings (record.go); a half tensor bound where the shader
// has no NAME_ld/NAME_st is an error, not a misread.

// Precision names the storage of activations: "f32" (the default) or
// "f16".
const (
	PrecisionF32 = "f32"
	PrecisionF16 = "f16"
)

// CheckPrecision returns an error for a precision other than "", "f32"
// and "f16".
func CheckPrecision(p string) error {
	switch p {
	case "", PrecisionF32, PrecisionF16:
		return nil
	}
	return fmt.Errorf("unknown precision %q (want f32 or f16)", p)
}

// esize is the size of one element of b in bytes: 2 for a half buffer.
func (b *buffer) esize() uint64 {
	if r, _ := b.root(); r.half {
		return 2
	}
	return 4
}

// bytesFor is the binding size of n elements of esize bytes: a multiple
// of 4, as WebGPU wants of a storage binding.
func bytesFor(esize uint64, n int) uint64 {
	return (esize*uint64(n) + 3) &^ 3
}

// Precision returns the storage of activation tensors: "f32" or "f16".
func (g *Backend) Precision() string {
	if g.half {
		return PrecisionF16
	}
	return PrecisionF32
}

// AllocAct returns a zero-filled F32 tensor for an activation or its
// gradient: stored as binary16 when the backend was opened with
// Precision "f16", else as Alloc's. It implements ops.ActBackend.
func (g *Backend) AllocAct(shape ops.Shape) (*ops.Tensor, error) {
	return g.alloc(ops.F32, shape, g.half)
}

// HalfActs reports whether AllocAct stores binary16.
func (g *Backend) HalfActs() bool { return g.half }

// HalfStorage reports whether t is stored as binary16 (see AllocAct).
func (g *Backend) HalfStorage(t *ops.Tensor) bool {
	if t == nil || t.Owner() != ops.Backend(g) {
		return false
	}
	b, ok := t.Storage().(*buffer)
	return ok && b != nil && b.esize() == 2
}

// toHalf rounds f to the nearest binary16 (ties to even), saturating to
// infinity, and returns its bits.
func toHalf(f float32) uint16 {
	x := math.Float32bits(f)
	sign := uint16(x>>16) & 0x8000
	exp := int(x>>23&0xff) - 127 + 15
	man := x & 0x7fffff
	switch {
	case x&0x7fffffff > 0x7f800000: // NaN
		return sign | 0x7e00
	case exp >= 31: // overflow or infinity
		return sign | 0x7c00
	case exp <= 0: // subnormal or zero
		if exp < -10 {
			return sign
		}
		man |= 0x800000
		shift := uint32(14 - exp)
		h := man >> shift
		rem := man & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(exp)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, up to infinity: correct
	}
	return sign | uint16(h)
}

// fromHalf widens binary16 bits to float32 exactly.
func fromHalf(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		f := float32(man) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
}

// RoundHalf returns f rounded to binary16 and widened back, as a half
// tensor stores it (host rounding; shaders round with pack2x16float).
func RoundHalf(f float32) float32 { return fromHalf(toHalf(f)) }

// packHalf returns data as binary16 pairs, padded to whole words.
func packHalf(data []float32) []byte {
	out := make([]byte, bytesFor(2, len(data)))
	for i, f := range data {
		h := toHalf(f)
		out[2*i], out[2*i+1] = byte(h), byte(h>>8)
	}
	return out
}

// unpackHalf widens n binary16 values from data.
func unpackHalf(data []byte, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = fromHalf(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
	}
	return out
}

// halfBitsWGSL is the store's conversion to binary16 bits. WGSL leaves
// pack2x16float of a value outside binary16's finite range indeterminate,
// so NaN, infinities and values that round past 65504 are written as the
// host's toHalf writes them (NaN, infinity of the value's sign): an
// overflow then reaches the loss scaler's check as an infinity on every
// adapter.
const halfBitsWGSL = `fn halfBits(v: f32) -> u32 {
    let b = bitcast<u32>(v);
    let sign = (b >> 16u) & 0x8000u;
    if ((b & 0x7fffffffu) > 0x7f800000u) {
        return sign | 0x7e00u;
    }
    if (abs(v) >= 65520.0) {
        return sign | 0x7c00u;
    }
    return pack2x16float(vec2<f32>(v, 0.0)) & 0xffffu;
}
`

var storageDeclRE = regexp.MustCompile(`(@group\(0\)\s*@binding\((\d+)\)\s*var<storage,\s*read_write>\s*(\w+)\s*:\s*)array<f32>;`)

// halfBindings returns the bit set of a module's storage bindings that
// may hold binary16 elements: those it reads or writes through NAME_ld
// or NAME_st.
func halfBindings(src string) uint32 {
	var m uint32
	for _, d := range storageDeclRE.FindAllStringSubmatch(src, -1) {
		if strings.Contains(src, d[3]+"_ld(") || strings.Contains(src, d[3]+"_st(") {
			k, _ := strconv.Atoi(d[2])
			m |= 1 << k
		}
	}
	return m
}

// variantSource returns a module's source for the variant whose storage
// bindings in the bit set half (bit k: binding k) are binary16, with the
// NAME_ld and NAME_st functions of every binding that uses them.
func variantSource(file, src string, half uint32) (string, error) {
	var helpers strings.Builder
	var opted uint32
	stores := false
	text := storageDeclRE.ReplaceAllStringFunc(src, func(decl string) string {
		m := storageDeclRE.FindStringSubmatch(decl)
		k, _ := strconv.Atoi(m[2])
		name := m[3]
		ld, st := strings.Contains(src, name+"_ld("), strings.Contains(src, name+"_st(")
		if !ld && !st {
			return decl
		}
		opted |= 1 << k
		if half&(1<<k) == 0 {
			fmt.Fprintf(&helpers, "fn %[1]s_ld(i: u32) -> f32 { return %[1]s[i]; }\n", name)
			fmt.Fprintf(&helpers, "fn %[1]s_st(i: u32, v: f32) { %[1]s[i] = v; }\n", name)
			return decl
		}
		if !st {
			fmt.Fprintf(&helpers, "fn %[1]s_ld(i: u32) -> f32 { return unpack2x16float(%[1]s[i >> 1u])[i & 1u]; }\n", name)
			return m[1] + "array<u32>;"
		}
		fmt.Fprintf(&helpers, "fn %[1]s_ld(i: u32) -> f32 { return unpack2x16float(atomicLoad(&%[1]s[i >> 1u]))[i & 1u]; }\n", name)
		fmt.Fprintf(&helpers, "fn %[1]s_st(i: u32, v: f32) {\n"+
			"    let s = (i & 1u) * 16u;\n"+
			"    atomicAnd(&%[1]s[i >> 1u], ~(0xffffu << s));\n"+
			"    atomicOr(&%[1]s[i >> 1u], halfBits(v) << s);\n"+
			"}\n", name)
		stores = true
		return m[1] + "array<atomic<u32>>;"
	})
	if bad := half &^ opted; bad != 0 {
		k := 0
		for bad&(1<<k) == 0 {
			k++
		}
		return "", fmt.Errorf("gpu: shader %s.wgsl: binding %d takes float32 only, not a half-precision tensor", file, k)
	}
	if stores {
		helpers.WriteString(halfBitsWGSL)
	}
	return text + "\n// Generated element access (gpu/half.go).\n" + helpers.String(), nil
}
