package scenarios

import (
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

const cloudGood = good + `image = "img"
[cloud]
[[cloud.image]]
name = "img"
size_gib = 2
`

// Defaults: Eucalyptus's where it has one, one cluster of every host group.
func TestCloudDefaults(t *testing.T) {
	sc, err := LoadBytes("c.toml", []byte(cloudGood), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Cloud
	if !c.Enabled || c.Policy != "roundrobin" || c.PollPeriod.Time != 6*sim.Second || c.IdleThreshold.Time != 300*sim.Second ||
		c.View != "deduct" || len(c.Clusters) != 1 || c.Clusters[0].Name != "cluster0" || c.Clusters[0].HostGroups[0] != "hosts0" ||
		c.Clusters[0].Policy != "roundrobin" || c.CLC.Workers != 4 || c.CLC.RunInstances.Dist != "exponential" ||
		c.NC.Boot.Dist != "lognormal" || c.NC.Boot.CV != 0.3 || c.Links.User.Latency.Time != 20*sim.Millisecond {
		t.Errorf("defaults: %+v", c)
	}
	if a := sc.VMGroups[0].Arrival; a.Process != "fixed" || a.Size != 1 {
		t.Errorf("arrival defaults: %+v", a)
	}
	plain, _ := LoadBytes("p.toml", []byte(good), Options{})
	if plain.Cloud.Enabled {
		t.Error("a scenario without [cloud] has the control plane on")
	}
	// --set reaches every key, and a cluster's policy follows cloud.policy.
	sc, err = LoadBytes("c.toml", []byte(cloudGood), Options{Sets: []string{"cloud.clc.workers=3", "cloud.policy=powersave", "cloud.nc.boot.mean=45s"}})
	if err != nil || sc.Cloud.CLC.Workers != 3 || sc.Cloud.Clusters[0].Policy != "powersave" || sc.Cloud.NC.Boot.Mean.Time != 45*sim.Second {
		t.Errorf("--set: %v %+v", err, sc.Cloud)
	}
}

func TestCloudBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"misspelt key", strings.Replace(cloudGood, "[cloud]\n", "[cloud]\npoll_periode = \"6s\"\n", 1),
			[]string{`c.toml:16: cloud.poll_periode: unknown key (did you mean "poll_period"?)`}},
		{"unknown policy", strings.Replace(cloudGood, "[cloud]\n", "[cloud]\npolicy = \"greddy\"\n", 1),
			[]string{`cloud.policy: unknown value "greddy" (did you mean "greedy"?)`}},
		{"idle threshold below Eucalyptus's minimum", strings.Replace(cloudGood, "[cloud]\n", "[cloud]\nidle_threshold = \"2m\"\n", 1),
			[]string{"cloud.idle_threshold: must be at least 300s"}},
		{"workers", strings.Replace(cloudGood, "[cloud]\n", "[cloud]\nclc = { workers = 0 }\n", 1),
			[]string{"cloud.clc.workers: must be in [1, 100000], got 0"}},
		{"distribution", strings.Replace(cloudGood, "[cloud]\n", "[cloud]\nnc = { boot = { dist = \"lognormel\", mean = \"30s\" } }\n", 1),
			[]string{`cloud.nc.boot.dist: unknown value "lognormel" (did you mean "lognormal"?)`}},
		{"cv", strings.Replace(cloudGood, "[cloud]\n", "[cloud]\ncc = { run_instances = { dist = \"gamma\", cv = -1 } }\n", 1),
			[]string{"cloud.cc.run_instances.cv: must be in (0, 100] for a gamma distribution"}},
		{"unknown image", strings.Replace(cloudGood, `image = "img"`, `image = "imgg"`, 1),
			[]string{`vm_group[0].image: no [[cloud.image]] is called "imgg" (did you mean "img"?)`}},
		{"no image", strings.Replace(cloudGood, "[[cloud.image]]\nname = \"img\"\nsize_gib = 2\n", "", 1),
			[]string{"cloud.image: at least one [[cloud.image]] is required"}},
		{"image without cloud", good + `image = "x"` + "\n", []string{"vm_group[0].image: names a cloud image, but the scenario has no [cloud] section"}},
		{"cluster of an unknown host group", cloudGood + "[[cloud.cluster]]\nname = \"z\"\nhost_groups = [\"hosts1\"]\n",
			[]string{`cloud.cluster[0].host_groups[0]: no host_group is called "hosts1" (did you mean "hosts0"?)`, `host_group[0].name: host group "hosts0" belongs to no [[cloud.cluster]]`}},
		{"power_off_idle", strings.Replace(cloudGood, "ram_gib = 8", "ram_gib = 8\npower_off_idle = true", 1),
			[]string{"host_group[0].power_off_idle: with [cloud], nodes are powered down by the Cluster Controller's POWERSAVE policy"}},
		{"arrival process", strings.Replace(cloudGood, `image = "img"`, "image = \"img\"\narrival = { process = \"poison\" }", 1),
			[]string{`vm_group[0].arrival.process: unknown value "poison" (did you mean "poisson"?)`}},
		{"poisson needs a gap", strings.Replace(cloudGood, `image = "img"`, "image = \"img\"\narrival = { process = \"poisson\" }", 1),
			[]string{"vm_group[0].interarrival: a poisson arrival process needs the mean time between requests > 0"}},
		{"arrival trace missing", strings.Replace(cloudGood, `image = "img"`, "image = \"img\"\narrival = { process = \"trace\", trace = \"nope.csv\" }", 1),
			[]string{"vm_group[0].arrival.trace: cannot open the arrival trace"}},
		{"lifetime distribution without a mean", strings.Replace(cloudGood, `image = "img"`, "image = \"img\"\nlifetime_dist = { dist = \"exponential\" }", 1),
			[]string{"vm_group[0].lifetime_dist.mean: lifetimes need a mean > 0"}},
		{"study without cloud", good + "[study]\nkind = \"cloud\"\n[[study.variant]]\nname = \"a\"\n",
			[]string{`study.kind: a "cloud" study compares control-plane variants: the scenario needs a [cloud] section`}},
		{"bad variant", cloudGood + "[study]\nkind = \"cloud\"\n[[study.variant]]\nname = \"a\"\nset = [\"cloud.polcy=greedy\"]\n[[study.variant]]\nname = \"a\"\nset = [\"nokey\"]\n",
			[]string{`study.variant[1].name: duplicate name "a"`, `study.variant[1].set[0]: want key=value, got "nokey"`}},
		// Rates and latencies so extreme that one transfer, message or
		// volume creation outlasts the clock: refused, each at its key
		// (they overflowed the int64 nanosecond clock and panicked).
		{"rates too slow for the clock", strings.NewReplacer("[cloud]\n",
			"[cloud]\nwalrus = { bandwidth_gbps = 1e-300 }\nnc = { disk_mibps = 1e-300 }\nsc = { create_mibps = 1e-300 }\n"+
				"links = { user = { bandwidth_gbps = 1e-300 }, cc_nc = { latency = \"2000h\" } }\n",
			"ram_gib = 8", "ram_gib = 8\nbandwidth_gbps = 1e-9", "ram_gib = 1\n", "ram_gib = 1\nvolume_gib = 10\n").Replace(cloudGood),
			[]string{`cloud.walrus.bandwidth_gbps: too slow: image "img" (2 GiB) would take`, `cloud.nc.disk_mibps: too slow: image "img" (2 GiB)`,
				"host_group[0].bandwidth_gbps: too slow: image", "cloud.sc.create_mibps: too slow: creating a 10 GiB volume",
				"cloud.links.user.bandwidth_gbps: too slow: a 4 KiB message", "cloud.links.cc_nc.latency: 2000h0m0s is longer than any message takes (at most 1000h)"}},
		// 10⁵ workers on each of 10⁶ nodes would need 10 TB.
		{"workers beyond memory", strings.Replace(strings.Replace(cloudGood, "count = 2\ncores", "count = 1_000_000\ncores", 1), "[cloud]\n", "[cloud]\nnc = { workers = 100000 }\n", 1),
			[]string{"would need about 9.1 TiB of memory (1e+06 hosts, 1 VMs, 0 cloudlets, 1e+11 control-plane workers)"}},
		// 1 h of polls every nanosecond on 2 nodes ran for days.
		{"polls too often", strings.Replace(cloudGood, "[cloud]\n", "[cloud]\npoll_period = \"1ns\"\n", 1),
			[]string{"cloud.poll_period: 7.2e+12 polls over 1h0m0s of run is too much work (limit 2e9)"}},
		// Each variant's figures are summary metrics named after it: two
		// names that give one metric name would overwrite each other.
		{"variants' metric names", cloudGood + "[study]\nkind = \"cloud\"\n[[study.variant]]\nname = \"cold, 32\"\n[[study.variant]]\nname = \"Cold 32\"\n[[study.variant]]\nname = \"--\"\n",
			[]string{`study.variant[1].name: "Cold 32" and study.variant[0]'s "cold, 32" give the same summary metrics (cold_32.…)`,
				`study.variant[2].name: needs a letter or digit (its figures are summary metrics named after it), got "--"`}},
		{"variant's override fails", cloudGood + "[study]\nkind = \"cloud\"\n[[study.variant]]\nname = \"slow\"\nset = [\"cloud.poll_period=-5\"]\n",
			[]string{"study.variant[0] (slow): ", "cloud.poll_period: must not be negative"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBytes("c.toml", []byte(tc.src), Options{})
			wantProblems(t, err, tc.want...)
		})
	}
}

// A guest's memory image (which guests share pages) defaults to its
// group's name; through the control plane, to the machine image it boots,
// so groups booting one image share.
func TestMemoryImageDefault(t *testing.T) {
	second := "[[vm_group]]\nname = \"other\"\ncount = 1\nvcpus = 1\nmips = 1000\nram_gib = 1\n"
	for _, tc := range []struct {
		name, src string
		want      [2]string
	}{
		{"no cloud", good + second, [2]string{"vms0", "other"}},
		{"cloud, image set and defaulted", cloudGood + second, [2]string{"cloud:img", "cloud:img"}},
		{"memory image set", good + "memory = { image = \"centos\" }\n" + second, [2]string{"centos", "other"}},
	} {
		sc, err := LoadBytes("m.toml", []byte(tc.src), Options{})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := [2]string{sc.VMGroups[0].Memory.Image, sc.VMGroups[1].Memory.Image}; got != tc.want {
			t.Errorf("%s: memory images %q, want %q", tc.name, got, tc.want)
		}
	}
}
