//go:build !unix

package results

import (
	"os"
	"path/filepath"
)

// tempFile is a temporary file being written.
type tempFile struct{ *os.File }

// createTemp creates a new file beside path for writing, with mode 0644.
func createTemp(path string) (*tempFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	t := &tempFile{f}
	if err = f.Chmod(0o644); err != nil {
		discard(t)
		return nil, err
	}
	return t, nil
}

// rename renames the temporary file over path.
func (f *tempFile) rename(path string) error { return os.Rename(f.Name(), path) }
