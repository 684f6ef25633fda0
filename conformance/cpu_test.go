package conformance_test

import (
	"testing"

	"github.com/wgtrain/wgtrain/conformance"
	"github.com/wgtrain/wgtrain/ops"
)

func TestCPU(t *testing.T) { conformance.RunAll(t, ops.NewCPU()) }
