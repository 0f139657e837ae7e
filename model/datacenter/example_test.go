package datacenter_test

import (
	"fmt"

	"github.com/simrun/simrun/model/datacenter"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// Build and run the embedded cloudsim-scale scenario at its smallest size.
func Example() {
	sets := []string{"hosts=100", "vms=400", "cloudlets=1000"}
	sc, err := scenarios.LoadEmbedded("cloudsim-scale", datacenter.LoadOptions(sets, nil))
	if err != nil {
		panic(err)
	}
	rec := &results.Recorder{}
	m, err := datacenter.New(sc, rec)
	if err != nil {
		panic(err)
	}
	m.Run()
	s := rec.Summary
	fmt.Printf("%d/%d cloudlets finished, last at %g s\n", s.CloudletsFinished, s.Cloudlets, s.LastCompletionS)
	// Output: 1000/1000 cloudlets finished, last at 600 s
}

// Quickstart with its hosts' memory simulated (model/mem, one epoch a
// second): only the copy-on-write of shared pages slows the guests, and
// hosts at a fixed point are not stepped.
func Example_memory() {
	sc, err := scenarios.LoadEmbedded("quickstart", datacenter.LoadOptions([]string{"memory.enabled=true"}, nil))
	if err != nil {
		panic(err)
	}
	rec := &results.Recorder{}
	m, err := datacenter.New(sc, rec)
	if err != nil {
		panic(err)
	}
	m.Run()
	stepped, total := m.MemoryEpochs()
	mt := rec.Summary.Metrics
	fmt.Printf("slowdown %.4f, sharing saves %.0f MiB, %d of %d host-epochs stepped\n", mt["mem_slowdown"], mt["mem_shared_saved_mib"], stepped, total)
	// Output: slowdown 1.0003, sharing saves 5827 MiB, 159021 of 1036800 host-epochs stepped
}

// Run the euca-burst study: 32 launches of a 2 GiB image on 32 nodes, cold
// and warm. By hand: cold, every node downloads the image over Walrus's
// 1 Gb/s link, 64 GiB in 64·2³⁰·8/10⁹ = 549.8 s; then the copy into the
// instance's disk, 2 GiB at 100 MiB/s = 20.5 s, 1 s of disk preparation,
// the boot (lognormal of mean 30 s, cv 0.3: median 30/√1.09 = 28.7 s), 1 s
// of network set-up and about 0.3 s of control plane: a median of about
// 601 s cold and 51.5 s warm.
func ExampleRunStudy_cloud() {
	sc, err := scenarios.LoadEmbedded("euca-burst", datacenter.LoadOptions(nil, nil))
	if err != nil {
		panic(err)
	}
	sc.Study.Variants = sc.Study.Variants[:1]
	sc.Study.Variants = append(sc.Study.Variants, scenarios.StudyVariant{Name: "warm, 32", Set: []string{"launches=32", "cloud.nc.prewarm=true"}})
	rec := &results.Recorder{}
	if err := datacenter.RunStudy(sc, rec); err != nil {
		panic(err)
	}
	for _, r := range rec.CloudRows {
		fmt.Printf("%s: %d running, median %.0f s, Walrus %.0f GiB\n", r.Variant, r.Running, r.P50S, r.WalrusGiB)
	}
	// Output:
	// cold, 32: 32 running, median 600 s, Walrus 64 GiB
	// warm, 32: 32 running, median 51 s, Walrus 0 GiB
}
