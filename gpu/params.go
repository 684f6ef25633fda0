package gpu

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unsafe"
)

// Every shader module's uniform parameter block, its WGSL struct P, has
// one Go struct here or in the operation's file, with the same fields in
// the same order: uint32 for u32, int32 for i32, float32 for f32 (an
// embedded struct stands for its fields, an array [n]T for the fields
// name0 .. name<n-1>). Field names match P's without case or underscores
// (sqrt_bias2 is SqrtBias2). A pipeline accepts only its module's struct,
// and a module is compiled only after its struct has been checked against
// its P (matchBlock), so a block cannot drift from its shader.

// paramBlocks maps each shader module to the Go struct of its parameter
// block. Modules that share a snippet share its block.
var paramBlocks = map[string]reflect.Type{
	"adam":                reflect.TypeFor[adamParams](),
	"argmax":              reflect.TypeFor[argmaxParams](),
	"batchnorm_apply":     reflect.TypeFor[bnApplyParams](),
	"batchnorm_dx":        reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"batchnorm_grad":      reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"batchnorm_pool_dx":   reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"batchnorm_pool_grad": reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"batchnorm_relu_grad": reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"batchnorm_relu_pool": reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"batchnorm_stats":     reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"batchnorm_train":     reflect.TypeFor[bnChunkParams](), // include/batchnorm_chunks.wgsl
	"conv2d":              reflect.TypeFor[gemmParams](),    // include/gemm_tile.wgsl
	"dropout":             reflect.TypeFor[dropoutParams](),
	"elementwise_binary":  reflect.TypeFor[binaryParams](),
	"elementwise_fill":    reflect.TypeFor[fillParams](),
	"elementwise_unary":   reflect.TypeFor[unaryParams](),
	"gemm":                reflect.TypeFor[gemmParams](), // include/gemm_tile.wgsl
	"gemm_sum":            reflect.TypeFor[gemmSumParams](),
	"gather":              reflect.TypeFor[gatherParams](),
	"loss_cross_entropy":  reflect.TypeFor[lossParams](), // include/loss_rows.wgsl
	"loss_focal":          reflect.TypeFor[lossParams](), // include/loss_rows.wgsl
	"loss_mean":           reflect.TypeFor[lossMeanParams](),
	"loss_weighted_sum":   reflect.TypeFor[weightedSumParams](),
	"maxpool":             reflect.TypeFor[maxPoolParams](),
	"sgd":                 reflect.TypeFor[sgdParams](),
}

// flat is the head of the parameter block of a shader that runs one
// invocation per element of a flat index, folded out of a
// two-dimensional grid as i = id.x + id.y * row (see Backend.grid).
type flat struct {
	N   uint32 // invocations
	Row uint32 // invocations per grid row
}

// head lets dispatchFlat fill the flat head of any block that embeds it.
func (f *flat) head() *flat { return f }

// flatParams is a pointer to a parameter block that starts with flat.
type flatParams interface{ head() *flat }

// paramWords returns the 32-bit words of params, a pointer to module
// file's parameter block struct, in field order. It fails for any other
// type. The words alias *params.
func paramWords(file string, params any) ([]uint32, error) {
	want := paramBlocks[file]
	v := reflect.ValueOf(params)
	if want == nil || v.Kind() != reflect.Pointer || v.Type().Elem() != want || v.IsNil() {
		return nil, fmt.Errorf("shader %s.wgsl takes *%v parameters, not %T", file, want, params)
	}
	return unsafe.Slice((*uint32)(v.UnsafePointer()), want.Size()/4), nil
}

// blockField is one 32-bit field of a parameter block: its name, lower
// case without underscores, and its WGSL type.
type blockField struct{ name, typ string }

var (
	structP    = regexp.MustCompile(`(?s)struct\s+P\s*\{(.*?)\}`)
	lineNote   = regexp.MustCompile(`//[^\n]*`)
	wgslField  = regexp.MustCompile(`^(\w+)\s*:\s*(\w+)$`)
	wgslScalar = map[string]bool{"u32": true, "i32": true, "f32": true}
)

// wgslBlock returns the fields of the struct P that a module's source
// declares.
func wgslBlock(src string) ([]blockField, error) {
	m := structP.FindAllStringSubmatch(src, -1)
	if len(m) != 1 {
		return nil, fmt.Errorf("%d declarations of struct P, want 1", len(m))
	}
	var out []blockField
	for _, f := range strings.Split(lineNote.ReplaceAllString(m[0][1], ""), ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		fm := wgslField.FindStringSubmatch(f)
		if fm == nil || !wgslScalar[fm[2]] {
			return nil, fmt.Errorf("field %q of struct P is not a 32-bit scalar", f)
		}
		out = append(out, blockField{fieldName(fm[1]), fm[2]})
	}
	return out, nil
}

// goBlock returns the fields of a parameter block struct.
func goBlock(t reflect.Type) ([]blockField, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%v is not a struct", t)
	}
	var out []blockField
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			inner, err := goBlock(f.Type)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
		case f.Type.Kind() == reflect.Array:
			typ, err := goScalar(f.Type.Elem())
			if err != nil {
				return nil, fmt.Errorf("%v.%s: %w", t, f.Name, err)
			}
			for k := range f.Type.Len() {
				out = append(out, blockField{fieldName(fmt.Sprint(f.Name, k)), typ})
			}
		default:
			typ, err := goScalar(f.Type)
			if err != nil {
				return nil, fmt.Errorf("%v.%s: %w", t, f.Name, err)
			}
			out = append(out, blockField{fieldName(f.Name), typ})
		}
	}
	if uintptr(4*len(out)) != t.Size() {
		return nil, fmt.Errorf("%v is %d bytes, not %d fields of 4", t, t.Size(), len(out))
	}
	return out, nil
}

func goScalar(t reflect.Type) (string, error) {
	switch t.Kind() {
	case reflect.Uint32:
		return "u32", nil
	case reflect.Int32:
		return "i32", nil
	case reflect.Float32:
		return "f32", nil
	}
	return "", fmt.Errorf("%v is not uint32, int32 or float32", t)
}

func fieldName(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }

// matchBlock checks that the Go struct t has the fields of the struct P
// that src declares, in order, with the same names and 32-bit types.
func matchBlock(src string, t reflect.Type) error {
	want, err := wgslBlock(src)
	if err != nil {
		return err
	}
	got, err := goBlock(t)
	if err != nil {
		return err
	}
	for i := range max(len(want), len(got)) {
		switch {
		case i >= len(got):
			return fmt.Errorf("%v lacks P's field %d, %s: %s", t, i, want[i].name, want[i].typ)
		case i >= len(want):
			return fmt.Errorf("%v has field %d, %s, which P lacks", t, i, got[i].name)
		case got[i] != want[i]:
			return fmt.Errorf("%v's field %d is %s: %s, P's is %s: %s", t, i, got[i].name, got[i].typ, want[i].name, want[i].typ)
		}
	}
	return nil
}
