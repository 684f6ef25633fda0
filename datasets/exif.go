package datasets

import (
	"encoding/binary"
	"image"
	"image/draw"
)

// exifOrientation returns the EXIF orientation (1 to 8) of a JPEG file's
// bytes, or 1 when there is none or it cannot be read. It reads only the
// markers before the first scan, only an APP1 "Exif" segment's first IFD,
// and only the orientation tag (0x0112): a bounded parser of one value
// rather than a dependency on a full EXIF library.
func exifOrientation(data []byte) int {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return 1
	}
	p := 2
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// tiffOrientation reads the orientation tag of a TIFF header's IFD0.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 1
	}
	n := int64(bo.Uint16(t[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if bo.Uint16(t[e+2:]) != 3 { // SHORT
			return 1
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}

// orient returns img (bounds at the origin, *image.Gray or *image.RGBA)
// turned upright for EXIF orientation o: 2 mirrored, 3 rotated 180°, 4
// flipped, 5 transposed, 6 rotated 90° clockwise to view, 7 transversed,
// 8 rotated 90° counter-clockwise to view (PIL's ImageOps.exif_transpose).
func orient(img image.Image, o int) image.Image {
	if o <= 1 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	var dst draw.Image
	var src, out []uint8
	var srcStride, dstStride, bpp int
	switch s := img.(type) {
	case *image.Gray:
		d := image.NewGray(image.Rect(0, 0, ow, oh))
		dst, src, out, srcStride, dstStride, bpp = d, s.Pix, d.Pix, s.Stride, d.Stride, 1
	case *image.RGBA:
		d := image.NewRGBA(image.Rect(0, 0, ow, oh))
		dst, src, out, srcStride, dstStride, bpp = d, s.Pix, d.Pix, s.Stride, d.Stride, 4
	default:
		return img
	}
	for y := range oh {
		for x := range ow {
			// (sx, sy) is the source pixel shown at (x, y).
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			copy(out[y*dstStride+x*bpp:y*dstStride+(x+1)*bpp], src[sy*srcStride+sx*bpp:])
		}
	}
	return dst
}
