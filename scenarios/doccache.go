package scenarios

import (
	"sync"

	"github.com/BurntSushi/toml"
)

// docCache holds the documents of the last few scenario texts parsed. A
// sweep or a capacity plan loads one scenario text many times (once to
// read its grid, then once per grid point with that point's --set
// values), and the TOML parse is half of a load. A load takes its own
// deep copy of the cached document, which --set, parameter substitution
// and decoding then change freely.
var docCache struct {
	mu      sync.Mutex
	entries [4]cachedDoc
	next    int
}

type cachedDoc struct {
	text string
	doc  map[string]any
}

// parseDoc parses a scenario text into a TOML document the caller owns.
func parseDoc(text string) (map[string]any, error) {
	docCache.mu.Lock()
	for _, e := range docCache.entries {
		if e.doc != nil && e.text == text {
			docCache.mu.Unlock()
			return cloneTable(e.doc), nil
		}
	}
	docCache.mu.Unlock()
	var doc map[string]any
	if _, err := toml.Decode(text, &doc); err != nil {
		return nil, err
	}
	docCache.mu.Lock()
	docCache.entries[docCache.next] = cachedDoc{text, cloneTable(doc)}
	docCache.next = (docCache.next + 1) % len(docCache.entries)
	docCache.mu.Unlock()
	return doc, nil
}

// cloneTable copies a decoded TOML table, its sub-tables and arrays: the
// copy shares nothing that can be changed with the original (the leaves,
// strings, numbers, booleans and times, are values).
func cloneTable(t map[string]any) map[string]any {
	c := make(map[string]any, len(t))
	for k, v := range t {
		c[k] = cloneValue(v)
	}
	return c
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneTable(x)
	case []map[string]any:
		c := make([]map[string]any, len(x))
		for i, t := range x {
			c[i] = cloneTable(t)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = cloneValue(e)
		}
		return c
	}
	return v
}
