package sweep

import "testing"

// ParseTarget never panics, and a target it accepts reads back the same
// from its String.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"vms_rejected<1", "p95_launch_latency_s <= 120", "mean_util>0.5", "x>=-3e2", "x<", "<1", "a<b<c", "x<1e400", "x<=NaN", "x<0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		again, err := ParseTarget(tg.String())
		if err != nil || again != tg {
			t.Fatalf("%q parsed as %+v, whose String %q reads back as %+v, %v", s, tg, tg.String(), again, err)
		}
	})
}
