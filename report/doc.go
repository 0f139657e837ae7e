// Package report writes report.html for a results directory: one
// self-contained page (no script, stylesheet, font or image fetched from
// anywhere: the figures are the directory's SVG files inlined, the style
// is inline) that a reader can open, mail or archive on its own.
//
// What the page holds depends on the directory:
//
//   - a run (summary.json): every summary number, the rejection reasons
//     and warnings; a study's table (comparison.md, memory.md,
//     mem_placement.md or cloud.md; overhead.csv, io.csv or capacity.csv
//     for the studies without a Markdown table);
//   - a sweep (sweep.json): the grid, the plotted metrics' mean and 95 %
//     confidence interval per point, and every metric's statistics;
//   - a plan (plan.json): the query, the answer, the warnings and the
//     probed values with their targets' intervals;
//
// and for each its figures, the scenario text (scenario.toml), the seeds
// (a run's seed; a sweep's or plan's master seed and the seed of every
// replication), the scenario hashes, the build revisions that produced the
// results, and the files in the directory. The page is written through a
// temporary file and a rename, and depends only on the directory's
// contents and the revision of the simrun writing it: the same directory
// gives the same bytes.
//
// An SVG file is inlined only if it holds no script, event handler,
// foreignObject or external reference; one that does is listed, not
// drawn.
package report
