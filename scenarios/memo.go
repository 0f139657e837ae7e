package scenarios

import "sync"

// memo holds what the copies of one loaded scenario share: data read for
// it once, such as its utilization traces. A sweep runs each grid point's
// scenario many times, each run on a copy that differs only in its seed.
type memo struct {
	mu      sync.Mutex
	entries map[string]*memoEntry
}

type memoEntry struct {
	once sync.Once
	v    any
	err  error
}

// Memo returns load's result for key, calling load once for the scenario
// and every copy of it (concurrent callers wait for the first). The value
// is shared, so callers must not change it. A scenario not made by a load
// calls load every time.
func (s *Scenario) Memo(key string, load func() (any, error)) (any, error) {
	m := s.memo
	if m == nil {
		return load()
	}
	m.mu.Lock()
	e := m.entries[key]
	if e == nil {
		if m.entries == nil {
			m.entries = map[string]*memoEntry{}
		}
		e = &memoEntry{}
		m.entries[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.v, e.err = load() })
	return e.v, e.err
}
