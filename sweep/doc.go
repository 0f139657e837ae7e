// Package sweep runs experiments at scale: a grid of scenario variants
// (any scenario key, swept over listed values) times replications with
// their own seeds, on several workers, resumable, shardable across
// machines (a Slurm job array, a Kubernetes Indexed Job) and merged back,
// then summarized per grid point with the mean, standard deviation and
// Student-t 95 % confidence interval of every summary metric.
//
// Replication r of every grid point runs with the seed
// ReplicationSeed(master, r), SplitMix64 of the master seed and r (Steele,
// Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA
// 2014): the replications are independent of each other, and the grid
// points share random numbers replication by replication (common random
// numbers, which narrow the confidence interval of differences between
// points; Law, Simulation Modeling and Analysis, 5th ed., §11.2).
//
// The confidence interval of a point's metric over n replications x₁…xₙ
// is x̄ ± t(0.975; n−1)·s/√n, s the sample standard deviation (Law §4.5);
// gonum computes s and the t quantile. It assumes the replications are
// independent and their mean near normal, which holds for means of long
// runs by the central limit theorem.
//
// Layout of a sweep directory: sweep.json (the grid and the scenario hash
// of each point), scenario.toml (the scenario text, before the overrides
// sweep.json lists), runs/pPPPP-rRRRR.json (each run's summary, written
// atomically), and once every run is there runs.csv, stats.csv,
// stats.json and sweep_METRIC.png/.svg. Outputs depend only on the grid,
// never on the number of workers or shards.
//
// A capacity plan (Plan) finds the smallest value of an integer key at
// which every target holds at 95 % confidence: "metric<v" holds when the
// upper end of the metric's Student-t 95 % interval is below v, "metric>v"
// when the lower end is above v. Each end is a one-sided 97.5 % bound, so
// a target that fails is judged met in at most 2.5 % of plans, and so is
// the claim that every target holds, however many there are: it is wrong
// only if a failing target is judged met (an intersection–union test,
// Berger, Technometrics 24(4), 1982; no Bonferroni correction is due). The
// confidence is that of one probed value: each of the few values the
// bisection probes below the true answer may, with that probability if its
// targets fail by a hair, be judged met. It bisects: it evaluates both ends of the range, then the middle of the
// interval between a value that fails and one that holds, so it needs at
// most ⌈log₂(hi−lo)⌉ + 2 evaluations and finds the smallest value exactly
// when the targets, once met, stay met as the key grows (Plan warns when
// the probes contradict that). Each value's replications run as a
// one-point sweep in PLAN_DIR/points/KEY=V (PlanEvaluator), so a re-run
// reuses them; WritePlan writes plan.csv, plan.json, scenario.toml and
// plan_METRIC.png/.svg.
package sweep
