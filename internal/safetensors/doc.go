// Package safetensors reads and writes the safetensors tensor container,
// the format wgtrain uses for checkpoints (docs/SPEC.md §8.4).
//
// A safetensors file is an 8-byte little-endian header length N, then N
// bytes of UTF-8 JSON, then the raw little-endian tensor data:
//
//	{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
//	 "__metadata__": {"key": "value"}}
//
// data_offsets are byte offsets relative to the end of the header.
//
// A checkpoint is untrusted input. Parse validates everything before it
// returns a tensor: the header length against the file size and a 100 MiB
// cap, the JSON (no duplicate keys, no unknown fields), each entry's dtype,
// shape and offsets, and that the tensors' byte ranges tile the data
// section exactly, with neither overlaps nor holes, as the reference Rust
// implementation requires. Every failure is a *FormatError naming the
// source and the byte offset concerned; Parse never panics.
//
// Encode is deterministic: tensors sorted by name, contiguous offsets from
// 0, and the header padded with spaces so the data starts at a multiple of
// 8 bytes. WriteFile replaces a file atomically.
package safetensors
