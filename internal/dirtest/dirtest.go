// Package dirtest compares output directories in tests: the files a run,
// a sweep or a merge wrote, byte for byte.
package dirtest

import (
	"os"
	"path/filepath"
	"testing"
)

// Files maps each file under dir (path relative to dir) to its contents.
func Files(t testing.TB, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Same fails the test unless a and b hold the same, non-empty set of
// files with the same bytes.
func Same(t testing.TB, a, b string) {
	t.Helper()
	fa, fb := Files(t, a), Files(t, b)
	if len(fa) != len(fb) || len(fa) == 0 {
		t.Errorf("%s has %d files, %s %d", a, len(fa), b, len(fb))
	}
	for k, v := range fa {
		if fb[k] != v {
			t.Errorf("%s differs between %s and %s", k, a, b)
		}
	}
}
