package main

import (
	"os"
	"sync"
	"testing"
)

// TestMain lets the test binary stand for simrun in the tests of scripts
// that call it (deploy/slurm/sweep.sbatch): with SIMRUN_TEST_AS_CLI=1 it
// is the CLI, its arguments simrun's.
func TestMain(m *testing.M) {
	if os.Getenv("SIMRUN_TEST_AS_CLI") == "1" {
		os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if benchRoot != "" {
		os.RemoveAll(benchRoot)
	}
	os.Exit(code)
}

// benchRoot holds the output directories of the sweep benchmarks, removed
// when the test binary ends rather than after each benchmark: on an ext4
// file system without a journal (this machine's disk), an
// inode freed in the last 60 s (6 min while its inode table block is
// unwritten) is skipped, one at a time, by every file creation after it
// (fs/ext4/ialloc.c, recently_deleted), so that a benchmark that deleted
// its last thousands of run files would measure that search rather than
// the sweep (measured here: 72 µs a file after a quiet minute, up to
// 1.3 ms a file within a minute of deleting 3000).
var (
	benchRoot     string
	benchRootOnce sync.Once
)

// benchDir is a new, empty directory under benchRoot.
func benchDir(b *testing.B) string {
	benchRootOnce.Do(func() {
		var err error
		if benchRoot, err = os.MkdirTemp("", "simrun-bench-"); err != nil {
			b.Fatal(err)
		}
	})
	dir, err := os.MkdirTemp(benchRoot, "")
	if err != nil {
		b.Fatal(err)
	}
	return dir
}
