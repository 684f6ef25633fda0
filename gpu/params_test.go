package gpu

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wgtrain/wgtrain/shaders"
)

// Every shader module has a Go parameter block, and each block has its
// shader's struct P's fields in order, count, names and 32-bit types.
// This runs without an adapter; moduleFor makes the same check before it
// compiles a module.
func TestParamBlocks(t *testing.T) {
	names := shaders.Names()
	for _, name := range names {
		src, err := shaders.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		block, ok := paramBlocks[name]
		if !ok {
			t.Errorf("shader %s.wgsl has no entry in paramBlocks", name)
			continue
		}
		if err := matchBlock(src, block); err != nil {
			t.Errorf("shader %s.wgsl: %v", name, err)
		}
	}
	for name := range paramBlocks {
		if !slices.Contains(names, name) {
			t.Errorf("paramBlocks names %q, which is no shader module", name)
		}
	}
}

// matchBlock fails on every kind of mismatch.
func TestParamBlockMismatch(t *testing.T) {
	const src = `struct P {
    n: u32, row: u32,    // a comment, with a comma
    scale: f32, sqrt_bias2: f32,
    k: i32,
}`
	type ok struct {
		flat
		Scale, SqrtBias2 float32
		K                int32
	}
	if err := matchBlock(src, reflect.TypeFor[ok]()); err != nil {
		t.Fatalf("a matching block: %v", err)
	}
	type swapped struct {
		flat
		SqrtBias2, Scale float32
		K                int32
	}
	type missing struct {
		flat
		Scale, SqrtBias2 float32
	}
	type extra struct {
		flat
		Scale, SqrtBias2 float32
		K, More          int32
	}
	type wrongType struct {
		flat
		Scale, SqrtBias2 float32
		K                uint32
	}
	type floatForInt struct {
		N, Row           float32
		Scale, SqrtBias2 float32
		K                int32
	}
	type wide struct {
		flat
		Scale, SqrtBias2 float64
		K                int32
	}
	type renamed struct {
		flat
		Scale, Bias float32
		K           int32
	}
	type array struct {
		flat
		W [2]float32
		K int32
	}
	for _, tc := range []struct {
		typ  reflect.Type
		want string
	}{
		{reflect.TypeFor[swapped](), "field 2"},
		{reflect.TypeFor[missing](), "lacks"},
		{reflect.TypeFor[extra](), "which P lacks"},
		{reflect.TypeFor[wrongType](), "u32"},
		{reflect.TypeFor[floatForInt](), "f32"},
		{reflect.TypeFor[wide](), "float64"},
		{reflect.TypeFor[renamed](), "bias"},
		{reflect.TypeFor[array](), "w0"},
		{reflect.TypeFor[int](), "not a struct"},
	} {
		err := matchBlock(src, tc.typ)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("matchBlock(%v) = %v, want an error mentioning %q", tc.typ, err, tc.want)
		}
	}
	for _, bad := range []string{
		"fn main() {}",
		"struct P { v: vec4<f32> }",
		"struct P { a: u32 }\nstruct P { b: u32 }",
	} {
		if err := matchBlock(bad, reflect.TypeFor[ok]()); err == nil {
			t.Errorf("matchBlock of %q succeeded", bad)
		}
	}
}

// paramWords gives the block's words in field order, floats as their
// bits, and accepts only a pointer to the module's own block.
func TestParamWords(t *testing.T) {
	p := &weightedSumParams{K: 3, Off: 7, W: [weightedSumPer]float32{0.5, -2}}
	w, err := paramWords("loss_weighted_sum", p)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{3, 7, math.Float32bits(0.5), math.Float32bits(-2), 0, 0, 0, 0, 0}
	if !slices.Equal(w, want) {
		t.Errorf("words = %v, want %v", w, want)
	}
	for _, bad := range []any{*p, &lossParams{}, (*weightedSumParams)(nil), nil} {
		if _, err := paramWords("loss_weighted_sum", bad); err == nil {
			t.Errorf("paramWords accepted %T for loss_weighted_sum", bad)
		}
	}
	if _, err := paramWords("no_such_shader", p); err == nil {
		t.Error("paramWords accepted a module with no block")
	}
}
