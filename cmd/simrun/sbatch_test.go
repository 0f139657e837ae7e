//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/internal/dirtest"
)

// sbatchTask runs deploy/slurm/sweep.sbatch as Slurm would run an array
// task (or the merge job) with these variables, the test binary standing
// for simrun, and returns its output.
func sbatchTask(t *testing.T, env []string, args ...string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{"../../deploy/slurm/sweep.sbatch"}, args...)...)
	cmd.Env = append(os.Environ(), append([]string{"SIMRUN=" + self, "SIMRUN_TEST_AS_CLI=1", "SLURM_CPUS_PER_TASK=1"}, env...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sweep.sbatch %v %v: %v\n%s", env, args, err, out)
	}
	return string(out)
}

// The job array of the README, task by task: 4 tasks, a task killed
// mid-way and resubmitted alone with SIMRUN_SHARD (it redoes only its
// missing run, not the whole sweep, as a 1-task array would be), and the
// merge job, whose result is the sweep on one machine.
func TestSbatchArray(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	out := t.TempDir()
	grid := []string{"quickstart", "--sweep", "small_hosts=2,4", "--sweep", "placement.policy=first-fit,worst-fit", "--replications", "3"}
	task := func(i int) []string {
		return []string{"SLURM_ARRAY_TASK_ID=" + strconv.Itoa(i), "SLURM_ARRAY_TASK_COUNT=4", "SLURM_ARRAY_TASK_MIN=0"}
	}
	for i := range 4 {
		if o := sbatchTask(t, task(i), append([]string{out}, grid...)...); !strings.Contains(o, "shard "+strconv.Itoa(i)+"/4 has 3; ran 3") {
			t.Fatalf("task %d: %s", i, o)
		}
	}
	// Task 2 was killed before its last run was written.
	runs, _ := filepath.Glob(filepath.Join(out, "shard-2", "runs", "*.json"))
	if len(runs) != 3 {
		t.Fatalf("shard 2 has %d runs", len(runs))
	}
	os.Remove(runs[2])
	// sbatch --array=2 --export=ALL,SIMRUN_SHARD=2/4: a 1-task array.
	again := []string{"SLURM_ARRAY_TASK_ID=2", "SLURM_ARRAY_TASK_COUNT=1", "SLURM_ARRAY_TASK_MIN=2", "SLURM_ARRAY_TASK_MAX=2", "SIMRUN_SHARD=2/4"}
	if o := sbatchTask(t, again, append([]string{out}, grid...)...); !strings.Contains(o, "shard 2/4 has 3; ran 1, 2 already done") {
		t.Errorf("resubmitted task 2: %s", o)
	}
	if o := sbatchTask(t, nil, "--merge", out); !strings.Contains(o, "merged 12 runs from 4 directories") {
		t.Fatalf("merge: %s", o)
	}
	single := t.TempDir()
	if code, _, e := runCLI(t, append(append([]string{"sweep"}, grid...), "--quiet", "-o", single)...); code != 0 {
		t.Fatal(e)
	}
	dirtest.Same(t, single, filepath.Join(out, "merged"))
}
