package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/internal/dirtest"
)

// foldedArgs returns the shell command of a container's args in a Job
// manifest: the folded block scalar after "- >-", or the quoted one-liner
// of args: ["..."].
func foldedArgs(t *testing.T, manifest string) string {
	t.Helper()
	if m := regexp.MustCompile(`args: \["([^"]+)"\]`).FindStringSubmatch(manifest); m != nil {
		return m[1]
	}
	lines := strings.Split(manifest, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "- >-" {
			continue
		}
		indent := len(l) - len(strings.TrimLeft(l, " "))
		var parts []string
		for _, c := range lines[i+1:] {
			if strings.TrimSpace(c) == "" || len(c)-len(strings.TrimLeft(c, " ")) <= indent {
				break
			}
			parts = append(parts, strings.TrimSpace(c))
		}
		return strings.Join(parts, " ")
	}
	t.Fatal("no container args in the manifest")
	return ""
}

// The Kubernetes manifests' own commands, run here: each pod of the
// Indexed Job (JOB_COMPLETION_INDEX = 0..completions−1) and the merge Job
// give the files of the same sweep on one machine.
func TestK8sIndexedJob(t *testing.T) {
	job, err := os.ReadFile("../../deploy/k8s/sweep-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	merge, err := os.ReadFile("../../deploy/k8s/merge-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"completionMode: Indexed", "restartPolicy: Never", "claimName: simrun-results"} {
		if !strings.Contains(string(job), want) {
			t.Errorf("sweep-job.yaml lacks %q", want)
		}
	}
	m := regexp.MustCompile(`(?m)^  completions: (\d+)$`).FindStringSubmatch(string(job))
	if m == nil {
		t.Fatal("no completions in sweep-job.yaml")
	}
	completions, _ := strconv.Atoi(m[1])
	tmp := t.TempDir()
	cmd := strings.ReplaceAll(foldedArgs(t, string(job)), "/results", tmp)
	args, ok := strings.CutPrefix(cmd, "exec simrun ")
	if !ok || !strings.Contains(args, "--shards "+m[1]+" ") {
		t.Fatalf("the sweep Job's command %q is not simrun sweep ... --shards %d", cmd, completions)
	}
	for i := range completions {
		t.Setenv("JOB_COMPLETION_INDEX", strconv.Itoa(i))
		a := strings.Fields(strings.ReplaceAll(args, "$JOB_COMPLETION_INDEX", strconv.Itoa(i)))
		if code, _, e := runCLI(t, append(a, "--quiet")...); code != 0 {
			t.Fatalf("pod %d: simrun %v: %s", i, a, e)
		}
	}
	os.Unsetenv("JOB_COMPLETION_INDEX")
	margs, ok := strings.CutPrefix(strings.ReplaceAll(foldedArgs(t, string(merge)), "/results", tmp), "exec simrun ")
	if !ok {
		t.Fatalf("the merge Job's command %q is not simrun merge", margs)
	}
	var a []string
	for _, f := range strings.Fields(margs) {
		if strings.Contains(f, "*") {
			g, _ := filepath.Glob(f)
			if len(g) != completions {
				t.Fatalf("%s matches %d shards, want %d", f, len(g), completions)
			}
			a = append(a, g...)
			continue
		}
		a = append(a, f)
	}
	if code, _, e := runCLI(t, append(a, "--quiet")...); code != 0 {
		t.Fatalf("merge: simrun %v: %s", a, e)
	}
	// The same sweep on one machine: the Job's flags without the shards.
	single := filepath.Join(tmp, "single")
	var s []string
	f := strings.Fields(args)
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case "--shards", "-o":
			i++
			continue
		}
		s = append(s, f[i])
	}
	if code, _, e := runCLI(t, append(s, "--quiet", "-o", single)...); code != 0 {
		t.Fatalf("single: %s", e)
	}
	dirtest.Same(t, single, filepath.Join(tmp, "merged"))
}
