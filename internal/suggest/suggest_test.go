package suggest

import "testing"

func TestClosest(t *testing.T) {
	opts := []string{"first-fit", "best-fit", "worst-fit", "ram_gib", "host_group"}
	for _, tc := range []struct{ in, want string }{
		{"frist-fit", "first-fit"}, // transposition: distance 1
		{"ram_gb", "ram_gib"},      // deletion
		{"Best-Fit", "best-fit"},   // case
		{"host", "host_group"},     // prefix
		{"zzz", ""},
	} {
		if got := Closest(tc.in, opts); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"kitten", "sitting", 3}, {"ab", "ba", 1}, {"same", "same", 0}} {
		if got := Distance(tc.a, tc.b); got != tc.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}
