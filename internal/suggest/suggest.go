// Package suggest finds the known name closest to a mistyped one, for
// "did you mean" messages.
package suggest

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DidYouMean is ` (did you mean "x"?)` for the closest option, or "".
func DidYouMean(s string, options []string) string {
	if best := Closest(s, options); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// Closest is the option within edit distance 2 of s (case-insensitive), or
// failing that one that s is a prefix of (or that is a prefix of s), with at
// least 4 characters in common; "" if none.
func Closest(s string, options []string) string {
	best, bestD := "", 3
	n := utf8.RuneCountInString(s)
	for _, o := range options {
		// The length difference bounds the distance from below: skip the
		// quadratic computation when it alone is too far (long inputs).
		if diff := n - utf8.RuneCountInString(o); diff >= bestD || -diff >= bestD {
			continue
		}
		if d := Distance(strings.ToLower(s), strings.ToLower(o)); d < bestD {
			best, bestD = o, d
		}
	}
	if best != "" {
		return best
	}
	for _, o := range options {
		if len(s) >= 4 && len(o) >= 4 && (strings.HasPrefix(o, s) || strings.HasPrefix(s, o)) {
			return o
		}
	}
	return ""
}

// Distance is the optimal-string-alignment (restricted Damerau–Levenshtein)
// edit distance: insertions, deletions, substitutions and transpositions of
// adjacent characters each cost 1.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range rb {
		d[0][j+1] = j + 1
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Index finds s among names and returns its position; otherwise an error
// `unknown <what> "s" (did you mean "x"?) (one of: a, b, c)`.
func Index(what, s string, names []string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return -1, fmt.Errorf("unknown %s %q%s (one of: %s)", what, s, DidYouMean(s, names), strings.Join(names, ", "))
}
