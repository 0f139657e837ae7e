package report_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/results"
)

// Write makes one self-contained page of a results directory; here a run
// directory that holds only a summary.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	s := &results.Summary{Scenario: "tiny", Seed: 1, Revision: "abc123", EnergyKWh: 1.5}
	_ = results.WriteFileAtomic(filepath.Join(dir, "summary.json"), func(w io.Writer) error { return results.WriteSummaryJSON(w, s) })
	kind, _ := report.Detect(dir)
	path, err := report.Write(dir, report.Options{Revision: "v1"})
	fmt.Println(kind, filepath.Base(path), err)
	// Output:
	// run report.html <nil>
}
