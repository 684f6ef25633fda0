// Package datasets reads the image classification data sets wgtrain trains
// on — CIFAR-10, CIFAR-100, MNIST and Fashion-MNIST — from the files their
// authors publish, and folders of the user's own images (Folder, in
// torchvision's ImageFolder layout), finds them on disk, downloads them,
// and feeds them to training in deterministic batches.
//
// Readers: the CIFAR binary versions (records of label bytes and 3072 pixel
// bytes), the CIFAR Python versions as torchvision downloads them
// (directories of protocol-2 pickles of dicts holding numpy arrays, read
// without Python through github.com/nlpodyssey/gopickle), and IDX files,
// gzipped or not, for MNIST and Fashion-MNIST. A malformed file gives a
// *FormatError naming the file and the byte offset or record, never a
// panic.
//
// Folders: DecodeImage turns a JPEG, PNG, GIF, BMP, TIFF or WebP file into
// C×S×S bytes as torchvision's Resize(S)+CenterCrop(S) would (after EXIF
// orientation, alpha on black); Load(Folder, ...) decodes a folder in
// parallel once and keeps the result in a checked cache file keyed by
// the file list. A bad image is an *ImageError naming it, a bad layout a
// *FolderError.
//
// Decoded images are kept as uint8 in NCHW order (channel planes) in a
// Split; a Loader turns them into float32 batches through a Transform
// (scale to [0,1], zero-pad to 32x32, optional random crop and flip,
// per-channel normalization) with a background goroutine preparing the
// next batches; with LoaderOptions.Shard it takes one rank's part of each
// epoch, as PyTorch's DistributedSampler (shard.go). A backend that
// makes batches on the device from the split's bytes (ops.GatherImages)
// takes the transform as a lookup table and each sample's crop and flip
// draws from Loader.DeviceTransform and Loader.Draw (gather.go). Every random choice — shuffling, augmentation, the
// validation split, the long-tailed subset — comes from a PCG generator
// seeded by the caller, so that the same seed gives the same batches on
// every run and every Go release, whatever the goroutine scheduling.
package datasets
