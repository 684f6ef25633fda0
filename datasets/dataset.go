package datasets

import "fmt"

// LoadOptions are the choices Load offers.
type LoadOptions struct {
	// Coarse selects CIFAR-100's 20 coarse labels instead of the 100
	// fine ones; it is an error for the other data sets.
	Coarse bool
}

// Dataset is a decoded data set: both splits and the class names.
type Dataset struct {
	Name    string   // one of Names()
	Classes []string // class names, indexed by label
	Train   *Split
	Test    *Split
	Dir     string // where the files were found
}

// Load finds the named data set (see Find; dir may be "") and decodes
// both its train and test splits.
func Load(name, dir string, opts LoadOptions) (*Dataset, error) {
	s, err := lookup(name)
	if err != nil {
		return nil, err
	}
	if opts.Coarse && name != "cifar100" {
		return nil, fmt.Errorf("datasets: coarse labels exist only for cifar100, not %s", name)
	}
	loc, err := locate(name, dir)
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Name: name, Dir: loc.dir}
	switch loc.format {
	case formatIDX:
		err = loadIDX(ds, s, loc.dir)
	default:
		err = loadCIFAR(ds, s, loc, opts.Coarse)
	}
	if err != nil {
		return nil, err
	}
	return ds, nil
}
