package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary stand for simrun in the tests of scripts
// that call it (deploy/slurm/sweep.sbatch): with SIMRUN_TEST_AS_CLI=1 it
// is the CLI, its arguments simrun's.
func TestMain(m *testing.M) {
	if os.Getenv("SIMRUN_TEST_AS_CLI") == "1" {
		os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
