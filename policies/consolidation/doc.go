// Package consolidation holds the dynamic-consolidation policies of
// Beloglazov & Buyya, "Optimal Online Deterministic Algorithms and
// Adaptive Heuristics for Energy and Performance Efficient Dynamic
// Consolidation of Virtual Machines in Cloud Data Centers", CCPE 24(13),
// 2012: host overload detectors (THR, IQR, MAD, LR, LRR).
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
// Each detector is a small value type; its parameters are fields.
//
// Not yet here (issue 4): VM selection (MMT, MC, RS, MU), the
// consolidation loop with live migration, and the SLA metrics.
package consolidation
