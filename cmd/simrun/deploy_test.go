package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/internal/dirtest"
)

// flowList returns a container's command or args in a Job manifest, a
// YAML flow sequence of quoted strings (key: ["a", "b", ...], possibly over
// several lines), which is also a JSON array.
func flowList(t *testing.T, manifest, key string) []string {
	t.Helper()
	i := strings.Index(manifest, "\n          "+key+": [")
	if i < 0 {
		t.Fatalf("no container %s: [...] in the manifest", key)
	}
	rest := manifest[strings.Index(manifest[i:], "[")+i:]
	var list []string
	if err := json.Unmarshal([]byte(rest[:strings.Index(rest, "]")+1]), &list); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return list
}

// expand does what the kubelet does to a container's args: $(NAME) becomes
// the value of the container's environment variable NAME.
func expand(args []string, env map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for k, v := range env {
			a = strings.ReplaceAll(a, "$("+k+")", v)
		}
		out[i] = a
	}
	return out
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
	// The containers run simrun itself: no shell, which a distroless
	// image does not have, and whose expansions Kubernetes would not do.
	for name, text := range map[string]string{"sweep-job.yaml": string(job), "merge-job.yaml": string(merge)} {
		if c := flowList(t, text, "command"); len(c) != 1 || c[0] != "simrun" {
			t.Errorf("%s: command %q, want [simrun]", name, c)
		}
	}
	// $(JOB_COMPLETION_INDEX) is expanded by Kubernetes only from the
	// container's env, where the manifest declares it.
	if !strings.Contains(string(job), "- name: JOB_COMPLETION_INDEX\n              valueFrom:\n                fieldRef:\n                  fieldPath: \"metadata.annotations['batch.kubernetes.io/job-completion-index']\"") {
		t.Error("sweep-job.yaml does not declare JOB_COMPLETION_INDEX from the completion-index annotation")
	}
	tmp := t.TempDir()
	args := flowList(t, string(job), "args")
	if len(args) < 1 || args[0] != "sweep" || !strings.Contains(strings.Join(args, " "), "--shards "+m[1]+" ") {
		t.Fatalf("the sweep Job's args %q are not sweep ... --shards %d", args, completions)
	}
	for i := range completions {
		idx := strconv.Itoa(i)
		t.Setenv("JOB_COMPLETION_INDEX", idx)
		a := expand(args, map[string]string{"JOB_COMPLETION_INDEX": idx})
		for j := range a {
			a[j] = strings.Replace(a[j], "/results", tmp, 1)
			if strings.Contains(a[j], "$") {
				t.Fatalf("pod %d: %q is left unexpanded", i, a[j])
			}
		}
		if code, _, e := runCLI(t, append(a, "--quiet")...); code != 0 {
			t.Fatalf("pod %d: simrun %v: %s", i, a, e)
		}
	}
	os.Unsetenv("JOB_COMPLETION_INDEX")
	margs := flowList(t, string(merge), "args")
	if len(margs) < 1 || margs[0] != "merge" {
		t.Fatalf("the merge Job's args %q are not merge ...", margs)
	}
	var a []string
	shardDirs := 0
	for _, f := range margs {
		if strings.HasPrefix(f, "/results/shard-") {
			shardDirs++
		}
		a = append(a, strings.Replace(f, "/results", tmp, 1))
	}
	if shardDirs != completions {
		t.Fatalf("the merge Job names %d shard directories, the sweep Job has %d completions", shardDirs, completions)
	}
	if code, _, e := runCLI(t, append(a, "--quiet")...); code != 0 {
		t.Fatalf("merge: simrun %v: %s", a, e)
	}
	// The same sweep on one machine: the Job's flags without the shards.
	single := filepath.Join(tmp, "single")
	var s []string
	f := args
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
