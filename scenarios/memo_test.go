package scenarios

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// Memo loads once for a loaded scenario and all its copies, even when
// they ask at once; keys are separate, errors are kept, and a scenario
// not made by a load loads every time.
func TestMemo(t *testing.T) {
	sc, err := LoadBytes("m.toml", []byte(good), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	load := func() (any, error) { calls.Add(1); return []float64{1, 2}, nil }
	var wg sync.WaitGroup
	for range 8 {
		cp := *sc // as a sweep's runs copy their point's scenario
		wg.Go(func() {
			v, err := cp.Memo("trace\x00a.txt", load)
			if err != nil || len(v.([]float64)) != 2 {
				t.Errorf("Memo = %v, %v", v, err)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("8 copies asking at once loaded %d times, want 1", n)
	}
	if _, err := sc.Memo("trace\x00b.txt", load); err != nil || calls.Load() != 2 {
		t.Errorf("a second key: err %v, %d loads, want 2", err, calls.Load())
	}
	boom := errors.New("boom")
	for range 2 {
		if _, err := sc.Memo("bad", func() (any, error) { calls.Add(1); return nil, boom }); !errors.Is(err, boom) {
			t.Errorf("error %v, want boom", err)
		}
	}
	if calls.Load() != 3 {
		t.Errorf("a failed load was retried: %d loads, want 3", calls.Load())
	}
	other, err := LoadBytes("m.toml", []byte(good), Options{})
	if err != nil {
		t.Fatal(err)
	}
	other.Memo("trace\x00a.txt", load)
	if calls.Load() != 4 {
		t.Errorf("another load of the same text shared the memo: %d loads, want 4", calls.Load())
	}
	var literal Scenario
	literal.Memo("k", load)
	literal.Memo("k", load)
	if calls.Load() != 6 {
		t.Errorf("a literal scenario: %d loads, want 6", calls.Load())
	}
}
