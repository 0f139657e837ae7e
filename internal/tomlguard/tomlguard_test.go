package tomlguard

import "testing"

func TestTooDeep(t *testing.T) {
	cases := []struct {
		src   string
		limit int
		line  int
		ok    bool
	}{
		{"a = [[1]]\n", 2, 1, true},
		{"a = [[[1]]]\n", 2, 1, false},
		{"x = 1\na = { b = { c = 1 } }\n", 1, 2, false},
		{"a = \"[[[[\" # [[[[\n", 1, 2, true}, // brackets in strings and comments do not count
		{"a = '[[[' \nb = [1]\n", 1, 3, true},
	}
	for _, c := range cases {
		line, ok := TooDeep([]byte(c.src), c.limit)
		if ok != c.ok || (!ok && line != c.line) {
			t.Errorf("%q limit %d: line %d ok %v, want line %d ok %v", c.src, c.limit, line, ok, c.line, c.ok)
		}
	}
}
