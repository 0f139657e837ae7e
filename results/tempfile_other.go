//go:build !unix

package results

import (
	"os"
	"path/filepath"
)

// createTemp creates a new file beside path for writing, with mode 0644.
func createTemp(path string) (*os.File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err == nil {
		if err = f.Chmod(0o644); err != nil {
			discard(f)
			return nil, err
		}
	}
	return f, err
}
