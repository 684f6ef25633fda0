package datasets

import "strings"

// format is a file layout a data set can come in.
type format int

const (
	formatIDX         format = iota // MNIST, Fashion-MNIST: four IDX files, .gz or not
	formatCIFAR10Bin                // cifar-10-batches-bin
	formatCIFAR10Py                 // cifar-10-batches-py
	formatCIFAR100Bin               // cifar-100-binary
	formatCIFAR100Py                // cifar-100-python
)

// spec describes one data set: its files, class names and download.
type spec struct {
	name    string
	title   string   // as in the literature: "CIFAR-10"
	formats []format // the layouts it comes in, preferred first
	// subdirs are where, under a directory given to Find, the files may
	// be: "" for the directory itself, then the archives' own
	// subdirectories (and torchvision's MNIST/raw for the IDX sets).
	subdirs []string
	classes []string // the known class names, used when no meta file says
	coarse  []string // CIFAR-100's 20 coarse class names
	mean    []float32
	std     []float32
	system  string // a system-wide location, "" if none
	hint    string // how to get it, beyond wgtrain data download
}

// Names lists the supported data sets.
func Names() []string { return []string{"fashion-mnist", "mnist", "cifar10", "cifar100"} }

// The tutorial's normalization for CIFAR (ImageNet's statistics).
var (
	cifarMean = []float32{0.485, 0.456, 0.406}
	cifarStd  = []float32{0.229, 0.224, 0.225}
)

// idxFiles are the four IDX files of MNIST and Fashion-MNIST, without
// the .gz that the published files carry.
var idxFiles = []string{
	"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
}

var specs = map[string]*spec{
	"fashion-mnist": {
		name:    "fashion-mnist",
		title:   "Fashion-MNIST",
		formats: []format{formatIDX},
		subdirs: []string{"", "FashionMNIST/raw"},
		classes: []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
			"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"},
		mean:   []float32{0.2860},
		std:    []float32{0.3530},
		system: "/usr/share/datasets/fashion-mnist",
		hint:   "or install Debian's package: apt-get install dataset-fashion-mnist",
	},
	"mnist": {
		name:    "mnist",
		title:   "MNIST",
		formats: []format{formatIDX},
		subdirs: []string{"", "MNIST/raw"},
		classes: []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
		mean:    []float32{0.1307},
		std:     []float32{0.3081},
	},
	"cifar10": {
		name:    "cifar10",
		title:   "CIFAR-10",
		formats: []format{formatCIFAR10Bin, formatCIFAR10Py},
		subdirs: []string{"", "cifar-10-batches-bin", "cifar-10-batches-py"},
		classes: []string{"airplane", "automobile", "bird", "cat", "deer",
			"dog", "frog", "horse", "ship", "truck"},
		mean: cifarMean,
		std:  cifarStd,
		hint: "or put torchvision's cifar-10-batches-py/ (or the binary cifar-10-batches-bin/) under --data-dir DIR, $WGTRAIN_DATA or the per-user cache directory",
	},
	"cifar100": {
		name:    "cifar100",
		title:   "CIFAR-100",
		formats: []format{formatCIFAR100Bin, formatCIFAR100Py},
		subdirs: []string{"", "cifar-100-binary", "cifar-100-python"},
		classes: strings.Fields(`apple aquarium_fish baby bear beaver bed bee beetle
			bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar
			cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup
			dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo
			keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree
			motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree
			pear pickup_truck pine_tree plain plate poppy porcupine possum rabbit
			raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail
			snake spider squirrel streetcar sunflower sweet_pepper table tank
			telephone television tiger tractor train trout tulip turtle wardrobe
			whale willow_tree wolf woman worm`),
		coarse: strings.Fields(`aquatic_mammals fish flowers food_containers
			fruit_and_vegetables household_electrical_devices household_furniture
			insects large_carnivores large_man-made_outdoor_things
			large_natural_outdoor_scenes large_omnivores_and_herbivores
			medium_mammals non-insect_invertebrates people reptiles small_mammals
			trees vehicles_1 vehicles_2`),
		mean: cifarMean,
		std:  cifarStd,
		hint: "or put torchvision's cifar-100-python/ (or the binary cifar-100-binary/) under --data-dir DIR, $WGTRAIN_DATA or the per-user cache directory",
	},
}

// lookup returns the spec of the named data set.
func lookup(name string) (*spec, error) {
	s, ok := specs[name]
	if !ok {
		return nil, &UnknownError{Name: name}
	}
	return s, nil
}

// required returns the files a directory must hold to have the data set
// in format f; for IDX each name stands for name or name.gz.
func required(f format) []string {
	switch f {
	case formatIDX:
		return idxFiles
	case formatCIFAR10Bin:
		return []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
			"data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"}
	case formatCIFAR10Py:
		return []string{"data_batch_1", "data_batch_2", "data_batch_3",
			"data_batch_4", "data_batch_5", "test_batch"}
	case formatCIFAR100Bin:
		return []string{"train.bin", "test.bin"}
	case formatCIFAR100Py:
		return []string{"train", "test"}
	}
	return nil
}
