package gpu_test

import (
	"testing"

	"github.com/wgtrain/wgtrain/gpu"
	"github.com/wgtrain/wgtrain/internal/citest"
)

// profiled opens a backend that may time commands.
func profiled(t *testing.T) *gpu.Backend {
	t.Helper()
	g, err := gpu.New(gpu.Options{Profile: true})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// One ReLU of 1,000 values, profiled: one upload of 4,000 bytes, one
// dispatch of ceil(1000/256) workgroups in family relu that reads 4,000
// bytes, writes 4,000 and counts 1,000 FLOPs, and a read-back copy of
// 4,096 bytes (rounded to 256); timed where the adapter can.
func TestProfileReLUCounts(t *testing.T) {
	for _, countOnly := range []bool{false, true} {
		g := profiled(t)
		const n = 1000
		x := alloc(t, g, nil, n)
		y := alloc(t, g, nil, n)
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i%7) - 3
		}
		if err := g.StartProfile(gpu.ProfileOptions{CountOnly: countOnly}); err != nil {
			t.Fatal(err)
		}
		g.ProfileMark("relu")
		if err := g.Upload(x, data); err != nil {
			t.Fatal(err)
		}
		if err := g.ReLU(y, x); err != nil {
			t.Fatal(err)
		}
		got := get(t, g, y)
		p, err := g.StopProfile()
		if err != nil {
			t.Fatal(err)
		}
		if !countOnly {
			for i, v := range got {
				if want := max(data[i], 0); v != want {
					t.Fatalf("relu[%d] = %v, want %v", i, v, want)
				}
			}
		}
		var relu, uploads, copies []gpu.Command
		for _, c := range p.Commands {
			if c.Step != 0 {
				t.Errorf("countOnly=%v: %s %s in step %d, want 0 (the only mark)", countOnly, c.Op, c.Key, c.Step)
			}
			switch c.Family {
			case "relu":
				relu = append(relu, c)
			case "upload":
				if c.Op == "upload" {
					uploads = append(uploads, c)
				}
			case "readback_copy":
				copies = append(copies, c)
			}
		}
		if len(relu) != 1 || len(uploads) != 1 || len(copies) != 1 {
			t.Fatalf("countOnly=%v: %d relu dispatches, %d uploads, %d copies, want 1 each: %+v", countOnly, len(relu), len(uploads), len(copies), p.Commands)
		}
		r := relu[0]
		t.Logf("countOnly=%v: timestamps %v (%s), tick %.4g ns, relu %.0f ns, copy %.0f ns", countOnly, p.Timestamps, p.NoTimestampsWhy, p.TickNS, r.End-r.Begin, copies[0].End-copies[0].Begin)
		if r.Key != "elementwise_unary:relu" || r.FLOPs != n || r.BytesRead != 4*n || r.BytesWritten != 4*n || r.Workgroups != (n+255)/256 {
			t.Errorf("countOnly=%v: relu %+v, want key elementwise_unary:relu, %d FLOPs, %d bytes read and written, %d workgroups", countOnly, r, n, 4*n, (n+255)/256)
		}
		if uploads[0].BytesWritten != 4*n {
			t.Errorf("countOnly=%v: upload of %d bytes, want %d", countOnly, uploads[0].BytesWritten, 4*n)
		}
		if copies[0].BytesRead != 4096 {
			t.Errorf("countOnly=%v: read-back copy of %d bytes, want 4096", countOnly, copies[0].BytesRead)
		}
		wantTimed := g.TimestampsSupported() && !countOnly
		if p.Timestamps != wantTimed || r.Timed != wantTimed || copies[0].Timed != wantTimed || uploads[0].Timed {
			t.Errorf("countOnly=%v, adapter timestamps %v: profile timed %v (%s), relu timed %v, copy timed %v, upload timed %v",
				countOnly, g.TimestampsSupported(), p.Timestamps, p.NoTimestampsWhy, r.Timed, copies[0].Timed, uploads[0].Timed)
		}
		if wantTimed && !(r.End > r.Begin && copies[0].Begin >= r.End) {
			t.Errorf("relu timed %v..%v ns, copy from %v ns: want a positive time and the copy after the relu", r.Begin, r.End, copies[0].Begin)
		}
		if !wantTimed && p.NoTimestampsWhy == "" {
			t.Errorf("countOnly=%v: untimed profile says not why", countOnly)
		}
	}
}

// Without a running profile nothing is recorded: StopProfile fails, and a
// backend opened without Options.Profile profiles without times and says
// why.
func TestProfileOffAndUntimed(t *testing.T) {
	g := profiled(t)
	if _, err := g.StopProfile(); err == nil {
		t.Fatal("StopProfile without StartProfile succeeded")
	}
	plain, err := gpu.New(gpu.Options{})
	if err != nil {
		citest.Missing(t, "WebGPU", err.Error())
	}
	defer plain.Close()
	if plain.TimestampsSupported() {
		t.Fatal("a backend opened without Options.Profile has timestamp queries")
	}
	if err := plain.StartProfile(gpu.ProfileOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := plain.StartProfile(gpu.ProfileOptions{}); err == nil {
		t.Fatal("a second StartProfile succeeded")
	}
	x := alloc(t, plain, nil, 8)
	if err := plain.Fill(x, 1); err != nil {
		t.Fatal(err)
	}
	if err := plain.Sync(); err != nil {
		t.Fatal(err)
	}
	p, err := plain.StopProfile()
	if err != nil {
		t.Fatal(err)
	}
	if p.Timestamps || p.NoTimestampsWhy == "" || len(p.Commands) == 0 || p.Commands[0].Family != "elementwise" || p.Commands[0].Step != -1 {
		t.Fatalf("untimed profile %+v: want no timestamps, a reason, and the fill counted in family elementwise before any mark", p)
	}
}
