package datasets

import (
	"strings"
	"testing"
)

// TestNewLoaderOfNilSplit: a nil split is an error, not a panic.
func TestNewLoaderOfNilSplit(t *testing.T) {
	if l, err := NewLoader(nil, LoaderOptions{BatchSize: 1}); l != nil || err == nil || !strings.Contains(err.Error(), "nil split") {
		t.Errorf("NewLoader(nil) = %v, %v", l, err)
	}
}
