package safetensors

// DType is a safetensors element type, spelled as in the header ("F32").
// wgtrain writes F32 and I64; the others are recognised when reading, so
// a foreign file parses and a tensor of an unsupported type is reported
// by name when it is used.
type DType string

// The element types this package knows, with the sizes Size reports. The
// constants are called DTypeX because F32 and I64 name the builders.
const (
	DTypeF64  DType = "F64"  // IEEE-754 binary64, 8 bytes
	DTypeF32  DType = "F32"  // IEEE-754 binary32, 4 bytes
	DTypeF16  DType = "F16"  // IEEE-754 binary16, 2 bytes
	DTypeBF16 DType = "BF16" // bfloat16, 2 bytes
	DTypeI64  DType = "I64"  // signed 64-bit integer, 8 bytes
	DTypeI32  DType = "I32"  // signed 32-bit integer, 4 bytes
	DTypeI16  DType = "I16"  // signed 16-bit integer, 2 bytes
	DTypeI8   DType = "I8"   // signed 8-bit integer, 1 byte
	DTypeU64  DType = "U64"  // unsigned 64-bit integer, 8 bytes
	DTypeU32  DType = "U32"  // unsigned 32-bit integer, 4 bytes
	DTypeU16  DType = "U16"  // unsigned 16-bit integer, 2 bytes
	DTypeU8   DType = "U8"   // unsigned 8-bit integer, 1 byte
	DTypeBOOL DType = "BOOL" // boolean, 1 byte

	DTypeF8E4M3 DType = "F8_E4M3" // 8-bit float, 4 exponent bits, 1 byte
	DTypeF8E5M2 DType = "F8_E5M2" // 8-bit float, 5 exponent bits, 1 byte
)

// Size returns the size of one element in bytes, or 0 for a dtype this
// package does not know.
func (d DType) Size() int {
	switch d {
	case DTypeF64, DTypeI64, DTypeU64:
		return 8
	case DTypeF32, DTypeI32, DTypeU32:
		return 4
	case DTypeF16, DTypeBF16, DTypeI16, DTypeU16:
		return 2
	case DTypeI8, DTypeU8, DTypeBOOL, DTypeF8E4M3, DTypeF8E5M2:
		return 1
	}
	return 0
}

// Known reports whether d is a dtype this package knows.
func (d DType) Known() bool { return d.Size() > 0 }
