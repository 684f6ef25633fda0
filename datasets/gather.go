package datasets

// What a backend needs to make a loader's batches itself, from the
// split's bytes held on the device (ops.GatherImages): the lookup table
// of output values, the crop padding and each sample's draws. The host
// path (Loader.make) and the device's gather agree bit for bit because
// both copy values from the same table at the same positions.

// DeviceTransform describes the transform of a loader's batches for a
// backend that makes them itself.
type DeviceTransform struct {
	// LUT holds C*256 values: LUT[c*256+p] is the output value of pixel
	// value p in channel c, ((p/255) - mean) / std in float32.
	LUT []float32
	// Pad is the random crop's padding, CropPad: a draw's offsets are in
	// [0, 2*Pad], and Pad, Pad leaves the image in place.
	Pad int
	// OH, OW are the transformed images' height and width.
	OH, OW int
}

// DeviceTransform returns the loader's transform as a lookup table and
// padding, and ok=false when a backend cannot make its batches from
// bytes, crop offsets and flips alone: with Augment and ResizedCrop (the
// resized crop interpolates).
func (l *Loader) DeviceTransform() (d DeviceTransform, ok bool) {
	if l.o.Transform.Augment && l.o.Transform.ResizedCrop {
		return DeviceTransform{}, false
	}
	d = DeviceTransform{LUT: make([]float32, 0, 256*l.s.C), Pad: CropPad, OH: l.oh, OW: l.ow}
	for _, t := range l.lut {
		d.LUT = append(d.LUT, t[:]...)
	}
	return d, true
}

// Draw returns the crop offsets and flip of sample i (an index into the
// split) in epoch, as the host path applies them: the draws of the
// augmentation stream under the loader's seed with Augment, the window
// in place (CropPad, CropPad) without; flip is false with NoFlip.
func (l *Loader) Draw(epoch, i int) (dy, dx int, flip bool) {
	a := noCrop
	if l.o.Transform.Augment {
		a = augmentation(l.o.Seed, epoch, i)
	}
	return a.dy, a.dx, a.flip && !l.o.Transform.NoFlip
}

// WithoutImages returns a loader of the same batches, in the same order
// and with the same draws, whose Batch.Images is nil: for a backend that
// makes the images itself from the indices (Batch.Index) and Draw. Shape
// still gives the images' shape.
func (l *Loader) WithoutImages() *Loader {
	c := *l
	c.noImages = true
	return &c
}
