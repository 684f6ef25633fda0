package datasets

import "fmt"

// Split is one split of a data set (train, test, or one carved from
// train): decoded images as uint8 in NCHW order (each image C planes of
// H rows of W bytes, CIFAR's R, G, B planes in that order) and their
// labels, in the order of the files. Subset and CarveValidation carry
// Files along.
type Split struct {
	Name    string
	Images  []uint8 // Len()*C*H*W bytes
	Labels  []int32
	C, H, W int
	// Files holds each sample's file path relative to the folder's root
	// for a folder data set (see Folder); nil for the benchmark formats.
	Files []string
}

// Len returns the number of samples.
func (s *Split) Len() int { return len(s.Labels) }

// Image returns sample i's C*H*W bytes (a view, not a copy).
func (s *Split) Image(i int) []uint8 {
	n := s.C * s.H * s.W
	return s.Images[i*n : (i+1)*n : (i+1)*n]
}

// Subset returns a new split named name holding copies of the samples
// idx, in that order. Every index must be in [0, Len()).
func (s *Split) Subset(name string, idx []int) *Split {
	n := s.C * s.H * s.W
	out := &Split{Name: name, Images: make([]uint8, len(idx)*n), Labels: make([]int32, len(idx)), C: s.C, H: s.H, W: s.W}
	for k, i := range idx {
		copy(out.Images[k*n:(k+1)*n], s.Image(i))
		out.Labels[k] = s.Labels[i]
	}
	if s.Files != nil {
		out.Files = make([]string, len(idx))
		for k, i := range idx {
			out.Files[k] = s.Files[i]
		}
	}
	return out
}

// PerClass returns how many samples each of the classes labels has;
// labels outside [0, classes) are not counted.
func (s *Split) PerClass(classes int) []int {
	counts := make([]int, max(classes, 0))
	for _, l := range s.Labels {
		if l >= 0 && int(l) < classes {
			counts[l]++
		}
	}
	return counts
}

// byClass returns the indices of each class's samples, in file order.
func byClass(s *Split, classes int) ([][]int, error) {
	if classes < 1 {
		return nil, fmt.Errorf("datasets: %d classes", classes)
	}
	idx := make([][]int, classes)
	for i, l := range s.Labels {
		if l < 0 || int(l) >= classes {
			return nil, fmt.Errorf("datasets: %s sample %d has label %d, outside [0,%d)", s.Name, i, l, classes)
		}
		idx[l] = append(idx[l], i)
	}
	return idx, nil
}
