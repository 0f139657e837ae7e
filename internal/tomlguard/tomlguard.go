// Package tomlguard protects TOML parsing from pathological input: the
// TOML parser takes time quadratic in the nesting depth of arrays and
// inline tables, so readers refuse deep nesting before parsing.
package tomlguard

// TooDeep scans for [ and { nesting outside strings and comments and
// reports the line where it first exceeds limit (ok false).
func TooDeep(data []byte, limit int) (line int, ok bool) {
	depth, line := 0, 1
	var quote byte
	comment := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '\n':
			line++
			comment = false
		case comment:
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '#':
			comment = true
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			if depth++; depth > limit {
				return line, false
			}
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		}
	}
	return line, true
}
