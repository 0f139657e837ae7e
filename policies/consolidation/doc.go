// Package consolidation holds the dynamic-consolidation policies of
// Beloglazov & Buyya, "Optimal Online Deterministic Algorithms and
// Adaptive Heuristics for Energy and Performance Efficient Dynamic
// Consolidation of Virtual Machines in Cloud Data Centers", CCPE 24(13),
// 2012: host overload detectors (THR, IQR, MAD, LR, LRR) and the VM
// selectors that choose what to migrate off an overloaded host (MMT, MC,
// RS, MU).
//
//   - THR: overloaded when u > threshold (0.8).
//   - IQR: threshold 1 − s·IQR(history), s = 1.5; MAD: 1 − s·MAD(history),
//     s = 2.5. Quartiles and medians are empirical (inverse-CDF) quantiles
//     (gonum stat.Quantile, stat.Empirical). With fewer than MinHistory
//     (12) values they use their THR fallback.
//   - LR: a local linear regression over the last Window (10) values with
//     tricube weights (1 − (d/10)³)³ by distance d from the newest value
//     predicts the next one; overloaded when s·prediction ≥ 1, s = 1.2.
//     LRR re-weights twice with bisquare weights of the residuals
//     (Cleveland, JASA 1979). Shorter histories use the fallback.
//
// Selectors: MMT takes the VM with the least RAM (the shortest migration
// over the host's link); MU the least CPU demand; RS a uniformly random
// one from a named stream; MC the one with the largest multiple
// correlation R² of its utilization history regressed on the other VMs'
// (least squares with an intercept, gonum/mat), falling back to MMT when
// the history is shorter than the number of VMs + 1. Ties go to the lower
// VM id.
//
// MC computes every R² at once as 1 − 1/(C⁻¹)_jj from a Cholesky
// factorization of the correlation matrix C of the histories, and falls
// back to one least-squares fit per VM when C is singular.
//
// The empirical quantiles the IQR and MAD detectors need are found by
// selection (linear time) rather than sorting; a test checks them against
// gonum's stat.Quantile. Scratch lets a caller that asks thousands of
// times per decision reuse the working memory.
//
// Each policy is a small value type; its parameters are fields. The
// consolidation loop itself (live migration, PABFD re-placement,
// underload evacuation, the SLA metrics) is in model/datacenter.
package consolidation
